#!/usr/bin/env python3
"""Drive an MCP server with the official Python SDK (`mcp` 2.x) and check the basics.

One run checks one transport:

    check_server.py --transport stdio --command target/debug/mcp-oilfield --arg=--demo ...
    check_server.py --transport sse   --url http://127.0.0.1:PORT/sse
    check_server.py --transport http  --url http://127.0.0.1:PORT/mcp

What is called comes from a small TOML spec (see specs/*.toml; `--spec`), which CLI flags
can override (`--read-tool`, `--read-args`, `--invalid-tool`, `--invalid-args`, `--expect-tool`).
Without a spec the oilfield defaults apply (`list_wells`).

Checks, in order: initialize, ping, tools/list (non-empty, expected tools present, each with an
object inputSchema, valid names), each read call (no isError, non-empty text content), an unknown
tool (JSON-RPC error or isError), each invalid-argument call (isError result, as the spec asks of
validation failures), the optional header echo (HTTP transports), and a final ping (the session
survived the errors).

Each check prints `PASS [transport] name` or `FAIL [transport] name: reason`; the last line is
`checks: N passed, N failed`. Exit status 0 only when nothing failed.
"""

from __future__ import annotations

import argparse
import json
import re
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
            if result.is_error:
                checks.fail(name, f"isError result: {short(text)}")
            elif not text.strip():
                checks.fail(name, f"no text content: {short(result.content)}")
            else:
                checks.ok(name, f"{len(text)} chars of text")
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
            if result.is_error:
                checks.ok(name, f"isError: {short(text_of(result), 80)}")
            else:
                checks.fail(name, f"expected isError, got success: {short(text_of(result))}")
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
                    params = StdioServerParameters(command=args.command, args=args.arg, cwd=args.cwd)
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
