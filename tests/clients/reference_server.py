#!/usr/bin/env python3
"""Harness self-test server, written with the official Python SDK (mcp 2.x `MCPServer`).

It mimics the command-line contract of our Rust server binaries closely enough for
`cargo xtask clients --reference` to prove the harness itself works:

    reference_server.py --transport stdio
    reference_server.py --transport http --host 127.0.0.1 --port 0

Over HTTP it serves Streamable HTTP at /mcp and legacy SSE at /sse (+ /messages/), and
writes exactly one `Listening on http://HOST:PORT` line to stderr once bound.
It offers the same read tools as the oilfield demo (`list_wells`, `get_well`) over a
tiny in-memory table, plus `whoami`, which echoes the `X-User-Role` request header.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from typing import Annotated

from pydantic import Field

from mcp import types
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

WELLS = [
    {"well_id": "W-001", "name": "North 1", "block": "north", "status": "producing"},
    {"well_id": "W-002", "name": "North 2", "block": "north", "status": "shut-in"},
    {"well_id": "W-003", "name": "South 1", "block": "south", "status": "producing"},
]

server = MCPServer(name="reference-server", version="0.0.1", log_level="WARNING")


async def _set_logging_level(_ctx: object, _params: types.SetLevelRequestParams) -> types.EmptyResult:
    return types.EmptyResult()


# MCPServer declares no logging capability; our Rust servers do (conformance `logging-set-level`).
server._lowlevel_server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, _set_logging_level)


@server.tool(description="List wells, optionally filtered by block.")
def list_wells(
    block: Annotated[str | None, Field(description="Block name filter")] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Maximum rows")] = 50,
) -> str:
    rows = [w for w in WELLS if block is None or w["block"] == block][:limit]
    return "\n".join(f"{w['well_id']}\t{w['name']}\t{w['block']}\t{w['status']}" for w in rows) or "no wells"


@server.tool(description="Get one well by id.")
def get_well(well_id: Annotated[str, Field(description="Well id, e.g. W-001")]) -> str:
    for w in WELLS:
        if w["well_id"] == well_id:
            return str(w)
    raise ToolError(f"unknown well_id {well_id!r}; call list_wells to see valid ids")


@server.tool(description="Echo the caller's X-User-Role header (HTTP transports only).")
def whoami(ctx: Context) -> str:
    headers = ctx.headers or {}
    return f"role={headers.get('x-user-role', '<none>')}"


async def serve_http(host: str, port: int) -> None:
    import uvicorn

    app = server.streamable_http_app(host=host)
    sse = server.sse_app(host=host)
    app.router.routes.extend(sse.routes)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    bound_port = sock.getsockname()[1]

    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    # uvicorn installs SIGINT/SIGTERM handlers that make serve() return cleanly.
    task = asyncio.create_task(srv.serve(sockets=[sock]))
    while not srv.started:
        if task.done():
            await task
            return
        await asyncio.sleep(0.02)
    print(f"Listening on http://{host}:{bound_port}", file=sys.stderr, flush=True)
    await task


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--demo", action="store_true", help="accepted for CLI compatibility; ignored")
    parser.add_argument("--database", help="accepted for CLI compatibility; ignored")
    args = parser.parse_args()

    if args.transport == "stdio":
        server.run("stdio")
        return 0
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # replaced by uvicorn once serving
    try:
        asyncio.run(serve_http(args.host, args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
