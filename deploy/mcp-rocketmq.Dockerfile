# Build: docker build -f deploy/mcp-rocketmq.Dockerfile -t mcp-rocketmq .
# Run (each request brings its own Volcengine credentials, Authorization: Bearer base64(JSON)):
#        docker run -p 8000:8000 mcp-rocketmq
# Run (one set of credentials for every caller, the MCP endpoint protected by a key):
#        docker run -p 8000:8000 -e MCP_SERVER_AUTH=bearer -e MCP_AUTH_TOKENS=librechat:<key> \
#          -e VOLCENGINE_CREDENTIAL_TYPE=env -e VOLCENGINE_ACCESS_KEY=<ak> -e VOLCENGINE_SECRET_KEY=<sk> mcp-rocketmq
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p mcp-rocketmq --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-create-home rocketmq
COPY --from=build /src/target/release/mcp-rocketmq /usr/local/bin/mcp-rocketmq
USER rocketmq
# Token mode: credentials arrive with each request (auth none behind a proxy that authenticates).
ENV MCP_SERVER_MODE=http MCP_SERVER_HOST=0.0.0.0 MCP_SERVER_PORT=8000 MCP_ALLOW_UNAUTHENTICATED=true \
    VOLCENGINE_CREDENTIAL_TYPE=token MCP_ALLOWED_HOSTS=* MCP_LOG_FORMAT=json
EXPOSE 8000
# bash, not sh: /dev/tcp is a bash feature (Debian's sh is dash). The image has no curl.
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"status\":\"ok\"' <&3"]
ENTRYPOINT ["/usr/local/bin/mcp-rocketmq"]
CMD ["serve"]
