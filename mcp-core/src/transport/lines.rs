//! Newline-delimited JSON-RPC over a reader/writer pair (stdio), as a channel pair for rmcp.
//!
//! rmcp's own line transport drops a line over its limit silently (the client waits forever for
//! an answer); this one answers it with a JSON-RPC error (-32600) and carries on. A line that is
//! not JSON gets a parse error (-32700, id null) as JSON-RPC 2.0 requires, and JSON that is not a
//! valid message gets -32600. (Error replies are responses, which no peer answers, so this cannot
//! start an exchange of errors.) Blank lines are skipped.

use futures::channel::mpsc;
use futures::{SinkExt as _, StreamExt as _};
use rmcp::ErrorData;
use rmcp::model::{ClientJsonRpcMessage, RequestId, ServerJsonRpcMessage};
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::task::JoinHandle;

const CHANNEL_CAPACITY: usize = 64;

/// The running halves of a line transport.
pub(super) struct LineTransport {
    /// Messages for rmcp to send.
    pub(super) to_client: mpsc::Sender<ServerJsonRpcMessage>,
    /// Messages received, for rmcp.
    pub(super) from_client: mpsc::Receiver<ClientJsonRpcMessage>,
    /// Reads lines until the reader ends.
    pub(super) reader: JoinHandle<()>,
    /// Writes messages until every sender is gone; then flushes.
    pub(super) writer: JoinHandle<()>,
}

/// Start reading `read` and writing `write`; lines longer than `max_line` bytes are refused.
pub(super) fn start<R, W>(read: R, write: W, max_line: usize) -> LineTransport
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let (to_client, outgoing) = mpsc::channel::<ServerJsonRpcMessage>(CHANNEL_CAPACITY);
    let (incoming, from_client) = mpsc::channel::<ClientJsonRpcMessage>(CHANNEL_CAPACITY);
    let reader = tokio::spawn(read_lines(BufReader::new(read), max_line, incoming, to_client.clone()));
    let writer = tokio::spawn(write_lines(write, outgoing));
    LineTransport { to_client, from_client, reader, writer }
}

enum Line {
    Complete,
    Oversized,
    Eof,
}

/// Read one line into `buf` (cleared first), never holding more than `max + 1` bytes of it.
async fn read_line<R: AsyncBufRead + Unpin>(read: &mut R, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
    buf.clear();
    let mut oversized = false;
    loop {
        let available = read.fill_buf().await?;
        if available.is_empty() {
            // A trailing line without a newline is incomplete: nothing to deliver.
            return Ok(Line::Eof);
        }
        let (take, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !oversized {
            if buf.len().saturating_add(take) > max.saturating_add(1) {
                oversized = true;
                buf.clear();
            } else {
                buf.extend_from_slice(available.get(..take).unwrap_or_default());
            }
        }
        read.consume(take);
        if done {
            return Ok(if oversized { Line::Oversized } else { Line::Complete });
        }
    }
}

async fn read_lines<R: AsyncBufRead + Unpin>(
    mut read: R,
    max: usize,
    mut incoming: mpsc::Sender<ClientJsonRpcMessage>,
    mut replies: mpsc::Sender<ServerJsonRpcMessage>,
) {
    let mut buf = Vec::new();
    loop {
        let error = match read_line(&mut read, &mut buf, max).await {
            Ok(Line::Eof) => return,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the input stream");
                return;
            }
            Ok(Line::Oversized) => {
                tracing::warn!(max_bytes = max, "incoming message over the size limit; answered with an error");
                ErrorData::invalid_request(
                    format!("Invalid Request: the message exceeds the limit of {max} bytes (body_limit_bytes)"),
                    None,
                )
            }
            Ok(Line::Complete) => {
                let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
                    Ok(message) => {
                        if incoming.send(message).await.is_err() {
                            return; // the service has ended
                        }
                        continue;
                    }
                    // Not JSON at all (decided on its own: the message type buffers its input, so
                    // invalid UTF-8 or nesting past the limit would read as a shape mismatch).
                    Err(_) if serde_json::from_slice::<serde_json::Value>(line).is_err() => {
                        tracing::debug!("incoming line is not JSON; answered with a parse error");
                        ErrorData::parse_error("Parse error: the line is not valid JSON", None)
                    }
                    Err(_) => ErrorData::invalid_request(
                        "Invalid Request: the line is JSON but not a valid JSON-RPC 2.0 message",
                        None,
                    ),
                }
            }
        };
        let id = request_id_of(&buf);
        if replies.send(ServerJsonRpcMessage::error(error, id)).await.is_err() {
            return;
        }
    }
}

/// The id of a line that is JSON but not a valid message, when it has a usable one.
fn request_id_of(line: &[u8]) -> Option<RequestId> {
    let value: serde_json::Value = serde_json::from_slice(line).ok()?;
    serde_json::from_value(value.get("id")?.clone()).ok()
}

async fn write_lines<W: AsyncWrite + Unpin>(mut write: W, mut outgoing: mpsc::Receiver<ServerJsonRpcMessage>) {
    while let Some(message) = outgoing.next().await {
        let mut line = match serde_json::to_vec(&message) {
            Ok(line) => line,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialize an outgoing message");
                continue;
            }
        };
        line.push(b'\n');
        if let Err(e) = async {
            write.write_all(&line).await?;
            write.flush().await
        }
        .await
        {
            tracing::debug!(error = %e, "the output stream is closed");
            return;
        }
    }
    let _ = write.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_bounded_and_the_next_line_still_reads() {
        let input = format!("{}\nshort\nlast-without-newline", "x".repeat(100));
        let mut read = BufReader::with_capacity(8, input.as_bytes());
        let mut buf = Vec::new();
        assert!(matches!(read_line(&mut read, &mut buf, 10).await.unwrap(), Line::Oversized));
        assert!(buf.len() <= 11);
        assert!(matches!(read_line(&mut read, &mut buf, 10).await.unwrap(), Line::Complete));
        assert_eq!(buf, b"short\n");
        assert!(matches!(read_line(&mut read, &mut buf, 10).await.unwrap(), Line::Eof));
    }
}
