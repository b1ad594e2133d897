//! Blocking HTTP/1.1 `POST`s (and the odd `GET`) for the handful of set-up requests the bench makes (smoke calls, the
//! MCP handshake, the export call), over ureq. Loopback only: the bench never talks to anything
//! else, so no proxy is consulted and no redirect is followed.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// Bodies larger than this are an error (the bench's replies are a few KiB; an export reply
/// carries the file's path, not its rows).
const BODY_LIMIT: u64 = 64 * 1024 * 1024;

/// A response: status, headers (names lowercased) and body text.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The JSON payload: the body itself, or the last `data:` line of an SSE body.
    pub fn json_text(&self) -> &str {
        let is_sse = self.header("content-type").is_some_and(|t| t.starts_with("text/event-stream"));
        if !is_sse {
            return self.body.trim();
        }
        self.body
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .rfind(|d| d.starts_with('{'))
            .unwrap_or("")
    }
}

/// `addr` as a socket address, if it is a loopback one.
fn loopback(addr: &str) -> Result<SocketAddr> {
    let sock: SocketAddr = addr.parse().with_context(|| format!("bad address {addr}"))?;
    if !sock.ip().is_loopback() {
        bail!("the bench only talks to loopback addresses, not {addr}");
    }
    Ok(sock)
}

/// `POST path` on `addr` (`127.0.0.1:PORT`) with `headers` and `body`, the whole exchange within
/// `timeout`. Any status is a response (the callers check it), not an error.
pub fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &str, timeout: Duration) -> Result<Response> {
    send("POST", addr, path, headers, body, timeout)
}

/// [`post`] with the method `GET` (the body is not sent) or `POST`.
pub fn send(
    method: &str,
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    timeout: Duration,
) -> Result<Response> {
    let sock = loopback(addr)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(timeout))
        .build()
        .into();
    let url = format!("http://{sock}{path}");
    let what = || format!("{method} {path} to {addr}");
    let sent = match method {
        "POST" => {
            let mut request = agent.post(&url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.send(body)
        }
        "GET" => {
            let mut request = agent.get(&url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.call()
        }
        other => bail!("the bench sends GET and POST only, not {other}"),
    };
    let mut reply = sent.with_context(what)?;
    let headers = reply
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let bytes = reply.body_mut().with_config().limit(BODY_LIMIT).read_to_vec().with_context(what)?;
    Ok(Response { status: reply.status().as_u16(), headers, body: String::from_utf8_lossy(&bytes).into_owned() })
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    use super::*;

    fn response(content_type: &str, body: &str) -> Response {
        Response { status: 200, headers: vec![("content-type".into(), content_type.into())], body: body.into() }
    }

    #[test]
    fn json_text_is_the_body_or_the_last_sse_data_line() {
        assert_eq!(response("application/json", " {} \n").json_text(), "{}");
        let sse = "event: message\ndata: {\"a\":1}\n\ndata: \ndata: {\"b\":2}\n\n";
        assert_eq!(response("text/event-stream", sse).json_text(), "{\"b\":2}");
        assert_eq!(response("text/event-stream", "data: ping\n").json_text(), "");
        assert_eq!(response("text/event-stream", "").header("Content-Type"), Some("text/event-stream"));
    }

    #[test]
    fn only_loopback_addresses_are_accepted() {
        assert!(loopback("127.0.0.1:80").is_ok());
        assert!(loopback("[::1]:80").is_ok());
        assert!(loopback("192.0.2.1:80").is_err());
        assert!(loopback("localhost:80").is_err());
    }

    /// One request answered by a canned reply; returns what the client sent.
    fn serve_once(listener: TcpListener, reply: &'static [u8]) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                head.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .map_or(0, |v| v.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            reader.get_mut().write_all(reply).unwrap();
            head + &String::from_utf8(body).unwrap()
        })
    }

    #[test]
    fn posts_headers_and_body_and_returns_any_status_with_a_chunked_body() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = serve_once(
            listener,
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/event-stream\r\nMcp-Session-Id: s1\r\n\
              Transfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n7\r\n{\"a\":1}\r\n0\r\n\r\n",
        );
        let headers = [("Content-Type", "application/json"), ("X-User-Role", "ADMIN")];
        let reply = post(&addr, "/mcp", &headers, "{\"id\":1}", Duration::from_secs(10)).unwrap();
        assert_eq!(reply.status, 404);
        assert_eq!(reply.header("mcp-session-id"), Some("s1"));
        assert_eq!(reply.body, "data: {\"a\":1}");
        assert_eq!(reply.json_text(), "{\"a\":1}");
        let sent = server.join().unwrap().to_ascii_lowercase();
        assert!(sent.starts_with("post /mcp http/1.1\r\n"), "{sent}");
        assert!(sent.contains("\r\nx-user-role: admin\r\n") && sent.contains("\r\ncontent-type: application/json\r\n"));
        assert!(sent.ends_with("\r\n\r\n{\"id\":1}"), "{sent}");
    }

    #[test]
    fn a_server_that_does_not_answer_in_time_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let started = std::time::Instant::now();
        let err = post(&addr, "/slow", &[], "", Duration::from_millis(300)).unwrap_err();
        assert!(format!("{err:#}").contains("POST /slow"), "{err:#}");
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(listener);
    }
}
