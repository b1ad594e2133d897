#!/usr/bin/env python3
"""Drive an MCP server with the official Python SDK (`mcp` 2.x) and check the basics.

One run checks one transport:

    check_server.py --transport stdio --command target/debug/mcp-oilfield --arg=--demo ... [--env=NAME=VALUE]
    check_server.py --transport sse   --url http://127.0.0.1:PORT/sse
    check_server.py --transport http  --url http://127.0.0.1:PORT/mcp

What is called comes from a small TOML spec (see specs/*.toml; `--spec`), which CLI flags
can override (`--read-tool`, `--read-args`, `--invalid-tool`, `--invalid-args`, `--expect-tool`).
Without a spec the oilfield defaults apply (`list_wells`).

Checks, in order: initialize, ping, tools/list (non-empty, expected tools present, each with an
object inputSchema, valid names), each read call (no isError, non-empty text content, and the
call's `expect` list: what its structuredContent must show, e.g. that a limit or a filter took
effect), an unknown tool (JSON-RPC error or isError), each invalid-argument call (isError result,
as the spec asks of validation failures; `expect_text` names the cause), the optional header echo
(HTTP transports), and a final ping (the session survived the errors).

`[role_checks]` (stdio runs only, where the server's command is known): the same binary is
started once more over Streamable HTTP with bearer auth and a key of the spec's own, so identity
headers count; for each `[[role_checks.roles]]` the tools a role must and must not see, and a call
it must be refused, are checked; a request without the key must get 401.

An `expect` item: `path` (dotted, into structuredContent; `*` stands for every element of an
array) and one of `equals` (every value selected), `len`, `max_len` (the one array selected).

Each check prints `PASS [transport] name` or `FAIL [transport] name: reason`; the last line is
`checks: N passed, N failed`. Exit status 0 only when nothing failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio

from mcp import types
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

TOOL_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")
HANDSHAKE_VERSIONS = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}

DEFAULT_SPEC: dict[str, Any] = {
    "expected_tools": ["list_wells"],
    "unknown_tool": "no_such_tool_for_harness_check",
    "read_calls": [{"tool": "list_wells", "arguments": {"limit": 3}}],
    "invalid_calls": [{"tool": "list_wells", "arguments": {"limit": "three"}}],
    "http": {"headers": {"X-User-Role": "ADMIN"}},
}


class Checks:
    def __init__(self, transport: str) -> None:
        self.transport = transport
        self.passed = 0
        self.failed = 0

    def ok(self, name: str, detail: str = "") -> None:
        self.passed += 1
        print(f"PASS [{self.transport}] {name}" + (f" ({detail})" if detail else ""), flush=True)

    def fail(self, name: str, reason: str) -> None:
        self.failed += 1
        print(f"FAIL [{self.transport}] {name}: {reason}", flush=True)


def short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def select(value: Any, path: str) -> list[Any]:
    """The values at dotted `path` in `value` (`*`: every element of an array)."""
    found = [value]
    for part in [p for p in path.split(".") if p]:
        nxt: list[Any] = []
        for v in found:
            if part == "*" and isinstance(v, list):
                nxt.extend(v)
            elif isinstance(v, dict) and part in v:
                nxt.append(v[part])
            elif isinstance(v, list) and part.isdigit() and int(part) < len(v):
                nxt.append(v[int(part)])
        found = nxt
    return found


def unmet(structured: Any, expect: list[dict[str, Any]]) -> list[str]:
    """What of `expect` the structured result does not show (empty: all of it)."""
    problems = []
    for e in expect:
        path = e["path"]
        values = select(structured, path)
        if not values:
            problems.append(f"{path}: nothing there")
        elif "equals" in e:
            wrong = [v for v in values if v != e["equals"]]
            if wrong:
                problems.append(f"{path}: wanted {e['equals']!r}, found {short(wrong, 120)}")
        elif "len" in e or "max_len" in e:
            v = values[0]
            if not isinstance(v, list):
                problems.append(f"{path}: not an array ({short(v, 80)})")
            elif "len" in e and len(v) != e["len"]:
                problems.append(f"{path}: {len(v)} items, wanted {e['len']}")
            elif "max_len" in e and len(v) > e["max_len"]:
                problems.append(f"{path}: {len(v)} items, wanted at most {e['max_len']}")
        else:
            problems.append(f"{path}: the expectation names no check (equals, len, max_len)")
    return problems


def load_spec(args: argparse.Namespace) -> dict[str, Any]:
    spec = json.loads(json.dumps(DEFAULT_SPEC))
    if args.spec:
        with open(args.spec, "rb") as f:
            spec.update(tomllib.load(f))
    if args.expect_tool:
        spec["expected_tools"] = args.expect_tool
    if args.read_tool:
        spec["read_calls"] = [{"tool": args.read_tool, "arguments": json.loads(args.read_args or "{}")}]
    if args.invalid_tool:
        spec["invalid_calls"] = [{"tool": args.invalid_tool, "arguments": json.loads(args.invalid_args or "{}")}]
    return spec


def parse_headers(spec: dict[str, Any], extra: list[str]) -> dict[str, str]:
    headers = {str(k): str(v) for k, v in spec.get("http", {}).get("headers", {}).items()}
    for h in extra:
        key, sep, value = h.partition(":")
        if not sep:
            raise SystemExit(f"--header wants 'Name: value', got {h!r}")
        headers[key.strip()] = value.strip()
    return headers


async def run_checks(session: ClientSession, spec: dict[str, Any], checks: Checks, http: bool) -> None:
    # initialize
    try:
        init = await session.initialize()
    except Exception as e:  # noqa: BLE001 - report anything, keep going no further
        checks.fail("initialize", f"{type(e).__name__}: {short(str(e))}")
        return
    problems = []
    if not init.server_info.name:
        problems.append("empty serverInfo.name")
    if init.protocol_version not in HANDSHAKE_VERSIONS:
        problems.append(f"unexpected protocolVersion {init.protocol_version!r}")
    if init.capabilities.tools is None:
        problems.append("no tools capability")
    if problems:
        checks.fail("initialize", "; ".join(problems))
    else:
        checks.ok(
            "initialize",
            f"{init.server_info.name} {init.server_info.version}, protocol {init.protocol_version}",
        )

    # ping
    try:
        await session.send_ping()
        checks.ok("ping")
    except Exception as e:  # noqa: BLE001
        checks.fail("ping", f"{type(e).__name__}: {short(str(e))}")

    # tools/list
    try:
        listed = await session.list_tools()
        tools = {t.name: t for t in listed.tools}
        if not tools:
            checks.fail("tools/list", "no tools listed")
        else:
            missing = [n for n in spec.get("expected_tools", []) if n not in tools]
            bad_schema = [
                n for n, t in tools.items() if not isinstance(t.input_schema, dict) or t.input_schema.get("type") != "object"
            ]
            bad_names = [n for n in tools if not TOOL_NAME_RE.match(n)]
            if missing:
                checks.fail("tools/list", f"expected tools missing: {missing}; listed: {sorted(tools)}")
            elif bad_schema:
                checks.fail("tools/list", f"tools without an object inputSchema: {bad_schema}")
            elif bad_names:
                checks.fail("tools/list", f"invalid tool names: {bad_names}")
            else:
                checks.ok("tools/list", f"{len(tools)} tools")
    except Exception as e:  # noqa: BLE001
        checks.fail("tools/list", f"{type(e).__name__}: {short(str(e))}")

    # read calls
    for call in spec.get("read_calls", []):
        name = f"tools/call {call['tool']} {json.dumps(call.get('arguments', {}))}"
        try:
            result = await session.call_tool(call["tool"], call.get("arguments", {}))
            text = text_of(result)
            problems = unmet(result.structured_content, call.get("expect", []))
            if result.is_error:
                checks.fail(name, f"isError result: {short(text)}")
            elif not text.strip():
                checks.fail(name, f"no text content: {short(result.content)}")
            elif problems:
                checks.fail(name, "; ".join(problems))
            else:
                checks.ok(name, f"{len(text)} chars of text, {len(call.get('expect', []))} expectations met")
        except Exception as e:  # noqa: BLE001
            checks.fail(name, f"{type(e).__name__}: {short(str(e))}")

    # unknown tool
    unknown = spec.get("unknown_tool", DEFAULT_SPEC["unknown_tool"])
    name = f"tools/call unknown tool {unknown}"
    try:
        result = await session.call_tool(unknown, {})
        if result.is_error:
            checks.ok(name, f"isError: {short(text_of(result), 80)}")
        else:
            checks.fail(name, f"succeeded: {short(text_of(result))}")
    except MCPError as e:
        checks.ok(name, f"JSON-RPC error {e.code}: {short(e.message, 80)}")
    except Exception as e:  # noqa: BLE001
        checks.fail(name, f"{type(e).__name__}: {short(str(e))}")

    # invalid arguments: validation failures must be isError results, not protocol errors
    for call in spec.get("invalid_calls", []):
        name = f"tools/call {call['tool']} {json.dumps(call.get('arguments', {}))} -> isError"
        try:
            result = await session.call_tool(call["tool"], call.get("arguments", {}))
            text = text_of(result)
            wanted = call.get("expect_text")
            if not result.is_error:
                checks.fail(name, f"expected isError, got success: {short(text)}")
            elif wanted and wanted not in text:
                checks.fail(name, f"isError without {wanted!r}: {short(text)}")
            else:
                checks.ok(name, f"isError: {short(text, 80)}")
        except MCPError as e:
            checks.fail(name, f"expected an isError result, got JSON-RPC error {e.code}: {short(e.message)}")
        except Exception as e:  # noqa: BLE001
            checks.fail(name, f"{type(e).__name__}: {short(str(e))}")

    # header echo (optional, HTTP transports only)
    echo = spec.get("http", {}).get("header_echo")
    if http and echo:
        name = f"header reaches server via {echo['tool']}"
        try:
            result = await session.call_tool(echo["tool"], echo.get("arguments", {}))
            text = text_of(result)
            if not result.is_error and echo["expect"] in text:
                checks.ok(name, short(text, 80))
            else:
                checks.fail(name, f"wanted {echo['expect']!r} in {short(text)} (isError={result.is_error})")
        except Exception as e:  # noqa: BLE001
            checks.fail(name, f"{type(e).__name__}: {short(str(e))}")

    # the session survived all of the above
    try:
        await session.send_ping()
        checks.ok("ping after errors")
    except Exception as e:  # noqa: BLE001
        checks.fail("ping after errors", f"{type(e).__name__}: {short(str(e))}")


ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
LISTENING_RE = re.compile(r"Listening on (http://\S+)")


def http_server_args(stdio_args: list[str], extra: list[str]) -> list[str]:
    """The stdio run's server arguments with its `--transport stdio` replaced by `extra`."""
    out, skip = [], False
    for a in stdio_args:
        if skip:
            skip = False
        elif a == "--transport":
            skip = True
        elif not a.startswith("--transport="):
            out.append(a)
    return out + extra


async def role_checks(spec: dict[str, Any], args: argparse.Namespace, checks: Checks, errlog: Any) -> None:
    """`[role_checks]`: the server again over HTTP with bearer auth, so identity headers count."""
    rc = spec.get("role_checks")
    if not rc or args.transport != "stdio" or not args.command:
        return
    key = rc["key"]
    env = dict(os.environ) | server_env(args)
    env["MCP_AUTH_TOKENS"] = f"{rc.get('key_name', 'client-checks')}:{key}"
    server_args = http_server_args(
        args.arg, ["--transport", "http", "--host", "127.0.0.1", "--port", "0", "--auth", "bearer"]
    )
    proc = await anyio.open_process(
        [args.command, *server_args],
        cwd=args.cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = None
        buffered = ""
        assert proc.stderr is not None
        with anyio.move_on_after(30):
            async for chunk in proc.stderr:
                text = chunk.decode(errors="replace")
                if errlog is not None:
                    errlog.write(text)
                buffered += ANSI_RE.sub("", text)
                m = LISTENING_RE.search(buffered)
                if m:
                    url = m.group(1).rstrip("/")
                    break
        if url is None:
            checks.fail("roles: server start", f"no `Listening on http://...` within 30 s: {short(buffered)}")
            return
        checks.ok("roles: server start", url)

        async def drain() -> None:  # keep the pipe from filling up
            assert proc.stderr is not None
            async for chunk in proc.stderr:
                if errlog is not None:
                    errlog.write(chunk.decode(errors="replace"))

        async with anyio.create_task_group() as tg:
            tg.start_soon(drain)
            await run_role_checks(rc, f"{url}/mcp", key, checks)
            tg.cancel_scope.cancel()
    finally:
        if proc.returncode is None:
            proc.terminate()
            with anyio.move_on_after(10):
                await proc.wait()
            if proc.returncode is None:
                proc.kill()


async def run_role_checks(rc: dict[str, Any], url: str, key: str, checks: Checks) -> None:
    # Without the key: refused before any MCP handling.
    async with create_mcp_http_client(headers={"X-User-Role": "ADMIN"}) as client:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        r = await client.post(url, json=body, headers={"Accept": "application/json, text/event-stream"})
        if r.status_code == 401:
            checks.ok("roles: no key -> 401")
        else:
            checks.fail("roles: no key -> 401", f"status {r.status_code}: {short(r.text)}")
    for role in rc.get("roles", []):
        name = f"roles: {role['role']}"
        headers = {"Authorization": f"Bearer {key}", "X-User-Role": role["role"]}
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(create_mcp_http_client(headers=headers))
                read, write = await stack.enter_async_context(streamable_http_client(url, http_client=client))
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                names = {t.name for t in (await session.list_tools()).tools}
                missing = [t for t in role.get("listed", []) if t not in names]
                shown = [t for t in role.get("absent", []) if t in names]
                if missing or shown:
                    checks.fail(f"{name} tools/list", f"missing {missing}, must not be listed {shown}")
                else:
                    checks.ok(f"{name} tools/list", f"{len(names)} tools")
                refused = role.get("refused")
                if refused:
                    result = await session.call_tool(refused["tool"], refused.get("arguments", {}))
                    text = text_of(result)
                    if result.is_error and refused["expect_text"] in text:
                        checks.ok(f"{name} refused {refused['tool']}", short(text, 80))
                    else:
                        checks.fail(
                            f"{name} refused {refused['tool']}",
                            f"wanted isError with {refused['expect_text']!r}, got isError={result.is_error}: {short(text)}",
                        )
                for call in role.get("calls", []):
                    cname = f"{name} tools/call {call['tool']} {json.dumps(call.get('arguments', {}))}"
                    result = await session.call_tool(call["tool"], call.get("arguments", {}))
                    problems = unmet(result.structured_content, call.get("expect", []))
                    if result.is_error or problems:
                        checks.fail(cname, f"isError={result.is_error}; " + "; ".join(problems) + f" {short(text_of(result))}")
                    else:
                        checks.ok(cname, f"{len(call.get('expect', []))} expectations met")
        except Exception as e:  # noqa: BLE001
            checks.fail(name, f"{type(e).__name__}: {short(str(e))}")


def server_env(args: argparse.Namespace) -> dict[str, str]:
    """`--env NAME=VALUE` pairs: set for the stdio server (over the SDK's default environment)."""
    env = {}
    for pair in args.env:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"--env wants NAME=VALUE, got {pair!r}")
        env[name] = value
    return env


async def amain(args: argparse.Namespace) -> int:
    spec = load_spec(args)
    headers = parse_headers(spec, args.header)
    checks = Checks(args.tag or args.transport)
    errlog = open(args.server_log, "a") if args.server_log else sys.stderr  # noqa: SIM115
    try:
        with anyio.fail_after(args.timeout):
            async with AsyncExitStack() as stack:
                if args.transport == "stdio":
                    if not args.command:
                        raise SystemExit("--transport stdio needs --command")
                    params = StdioServerParameters(
                        command=args.command, args=args.arg, cwd=args.cwd, env=server_env(args) or None
                    )
                    read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
                elif args.transport == "sse":
                    read, write = await stack.enter_async_context(
                        sse_client(args.url, headers=headers, timeout=args.request_timeout)
                    )
                else:
                    client = await stack.enter_async_context(create_mcp_http_client(headers=headers))
                    read, write = await stack.enter_async_context(streamable_http_client(args.url, http_client=client))
                session = await stack.enter_async_context(
                    ClientSession(read, write, read_timeout_seconds=args.request_timeout)
                )
                await run_checks(session, spec, checks, http=args.transport != "stdio")
            # After the stdio session closed (it shares the database file).
            await role_checks(spec, args, checks, None if errlog is sys.stderr else errlog)
    except TimeoutError:
        checks.fail("run", f"timed out after {args.timeout}s")
    except BaseException as e:  # noqa: BLE001 - exception groups from anyio task groups too
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        checks.fail("connection", f"{type(e).__name__}: {short(str(e))}")
    finally:
        if errlog is not sys.stderr:
            errlog.close()
    if checks.passed + checks.failed == 0:
        checks.fail("run", "no check ran")
    print(f"checks: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--transport", choices=["stdio", "sse", "http"], required=True)
    p.add_argument("--url", help="server URL (/sse for sse, /mcp for http)")
    p.add_argument("--command", help="server executable (stdio)")
    p.add_argument("--arg", action="append", default=[], help="one server argument (stdio); repeat; use --arg=--flag")
    p.add_argument("--cwd", help="working directory for the stdio server")
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE set for the stdio server; repeat")
    p.add_argument("--spec", type=Path, help="TOML spec of tools to call (see specs/)")
    p.add_argument("--header", action="append", default=[], help="extra HTTP header 'Name: value'; repeat")
    p.add_argument("--expect-tool", action="append", help="tool that must be listed; repeat")
    p.add_argument("--read-tool", help="read tool to call (overrides the spec)")
    p.add_argument("--read-args", help="JSON arguments for --read-tool")
    p.add_argument("--invalid-tool", help="tool to call with invalid arguments (overrides the spec)")
    p.add_argument("--invalid-args", help="JSON invalid arguments for --invalid-tool")
    p.add_argument("--server-log", help="append the stdio server's stderr to this file")
    p.add_argument("--tag", help="label printed in each PASS/FAIL line (default: the transport)")
    p.add_argument("--timeout", type=float, default=90.0, help="overall seconds for the run")
    p.add_argument("--request-timeout", type=float, default=20.0, help="seconds per request")
    args = p.parse_args()
    if args.transport != "stdio" and not args.url:
        p.error(f"--transport {args.transport} needs --url")
    return anyio.run(amain, args)


if __name__ == "__main__":
    sys.exit(main())
