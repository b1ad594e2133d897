-- wrk script of `cargo xtask bench` (the xtask writes it to target/bench/ at each run;
-- edit xtask/src/bench/wrk.lua).
--
-- Arguments after `--`: MODE WELLS LIMIT [SESSION] (oilfield), or `file REQUEST_FILE` (any body)
--   MODE mcp:  POST a JSON-RPC `tools/call` of query_drilling_data {"well_id": SD-xxxx, "limit": LIMIT}
--              (well drawn at random among SD-0001..SD-WELLS) to the URL's path (/mcp), with the
--              Streamable HTTP headers and, when given, `Mcp-Session-Id: SESSION`.
--   MODE bare: POST {"well_id": SD-xxxx, "limit": LIMIT} to the URL's path (/query of bare_reference).
--   MODE file: send the request REQUEST_FILE describes, one directive per line:
--              `method: POST`, `header: Name: value` (repeatable), `body: <one line>` (its first
--              `__ID__` becomes a number unique per request), `wells: N` (then every `__WELL__`
--              of the body becomes a well drawn at random among SD-0001..SD-N, per request),
--              `require: <text>` and `reject: <text>` (repeatable): a 2xx reply is an error
--              unless it contains every required text and none of the rejected ones.
-- Every response is checked. An error is a non-2xx status, or a 2xx body without a result page:
-- for mcp, no `"result"`, a JSON-RPC `"error":{`, `"isError":true`, or no rows (`"items":[{`);
-- for bare, no rows. done() prints one line `BENCH_JSON {...}` with the figures (latencies in µs).

local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end

-- The directives of a `file` mode request file (see the header).
local function read_request_file(path)
  local f = assert(io.open(path, "r"), "cannot open the request file " .. tostring(path))
  local spec = { method = "POST", headers = {}, body = "", require = {}, reject = {} }
  for line in f:lines() do
    local key, value = string.match(line, "^(%a+): (.*)$")
    if key == "method" then
      spec.method = value
    elseif key == "header" then
      local name, v = string.match(value, "^([^:]+): ?(.*)$")
      assert(name ~= nil, "bad header line: " .. line)
      spec.headers[name] = v
    elseif key == "body" then
      spec.body = value
    elseif key == "wells" then
      spec.wells = assert(tonumber(value), "bad wells line: " .. line)
    elseif key == "require" then
      table.insert(spec.require, value)
    elseif key == "reject" then
      table.insert(spec.reject, value)
    elseif line ~= "" and string.sub(line, 1, 1) ~= "#" then
      error("unknown line in the request file: " .. line)
    end
  end
  f:close()
  return spec
end

function init(args)
  mode = args[1] or "mcp"
  if mode == "file" then
    spec = read_request_file(args[2])
    math.randomseed(tid * 7919 + 17)
    seq = 0
    checked = 0
    non2xx = 0
    bad_body = 0
    first_bad = ""
    wrk.method = spec.method
    for name, value in pairs(spec.headers) do
      wrk.headers[name] = value
    end
    local a, b = string.find(spec.body, "__ID__", 1, true)
    if a ~= nil then
      body_head = string.sub(spec.body, 1, a - 1)
      body_tail = (string.gsub(string.sub(spec.body, b + 1), "__ID__", "0"))
    elseif spec.wells == nil then
      fixed_request = wrk.format(nil, nil, nil, spec.body)
    end
    return
  end
  wells = tonumber(args[2] or "1000")
  limit = tonumber(args[3] or "20")
  session = args[4]
  math.randomseed(tid * 7919 + 17)
  seq = 0
  checked = 0
  non2xx = 0
  bad_body = 0
  first_bad = ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if mode == "mcp" then
    wrk.headers["Accept"] = "application/json, text/event-stream"
    wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
    if session ~= nil and session ~= "" then
      wrk.headers["Mcp-Session-Id"] = session
    end
  end
end

function request()
  -- JSON-RPC ids must be unique among a session's requests in flight (a repeated id leaves the
  -- earlier request unanswered): number them per thread and keep the threads apart.
  seq = seq + 1
  local id = tid * 1000000000 + seq
  if mode == "file" then
    if fixed_request ~= nil then
      return fixed_request
    end
    local body = spec.body
    if body_head ~= nil then
      body = body_head .. tostring(id) .. body_tail
    end
    if spec.wells ~= nil then
      body = (string.gsub(body, "__WELL__", string.format("SD-%04d", math.random(1, spec.wells))))
    end
    return wrk.format(nil, nil, nil, body)
  end
  local well = string.format("SD-%04d", math.random(1, wells))
  local body
  if mode == "mcp" then
    body = string.format(
      '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"query_drilling_data","arguments":{"well_id":"%s","limit":%d}}}',
      id, well, limit)
  else
    body = string.format('{"well_id":"%s","limit":%d}', well, limit)
  end
  return wrk.format(nil, nil, nil, body)
end

local function remember(status, body)
  if first_bad == "" then
    first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 300)
  end
end

function response(status, headers, body)
  checked = checked + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    remember(status, body)
    return
  end
  if mode == "file" then
    local ok = body ~= nil
    for _, text in ipairs(spec.require) do
      ok = ok and string.find(body, text, 1, true) ~= nil
    end
    for _, text in ipairs(spec.reject) do
      ok = ok and string.find(body, text, 1, true) == nil
    end
    if not ok then
      bad_body = bad_body + 1
      remember(status, body)
    end
    return
  end
  local ok = body ~= nil and string.find(body, '"items":[{', 1, true) ~= nil
  if ok and mode == "mcp" then
    ok = string.find(body, '"result"', 1, true) ~= nil
      and string.find(body, '"isError":true', 1, true) == nil
      and string.find(body, '"error":{', 1, true) == nil
  end
  if not ok then
    bad_body = bad_body + 1
    remember(status, body)
  end
end

local function escape(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    return string.format("\\u%04x", string.byte(c))
  end)
  return s
end

function done(summary, latency, requests)
  local checked_all, non2xx_all, bad_all, first = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    checked_all = checked_all + (t:get("checked") or 0)
    non2xx_all = non2xx_all + (t:get("non2xx") or 0)
    bad_all = bad_all + (t:get("bad_body") or 0)
    if first == "" then
      first = t:get("first_bad") or ""
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"checked":%d,"non2xx":%d,"bad_body":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"first_bad":"%s"}\n',
    summary.requests, summary.duration, summary.bytes, checked_all, non2xx_all, bad_all,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    escape(first)))
end
