# Build: docker build -f deploy/mcp-rocketchat.Dockerfile -t mcp-rocketchat .
# Run (each request brings its user's own token, X-RocketChat-User-Id + X-RocketChat-Auth-Token;
# the MCP endpoint protected by a key):
#        docker run -p 8081:8081 -e ROCKET_CHAT_URL=https://chat.example.com \
#          -e MCP_SERVER_AUTH=bearer -e MCP_AUTH_TOKENS=librechat:<key> mcp-rocketchat
# Run (one account for every caller, the guide's .env):
#        docker run -p 8081:8081 --env-file .env -e ROCKET_CHAT_CREDENTIALS=env \
#          -e MCP_SERVER_AUTH=bearer -e MCP_AUTH_TOKENS=librechat:<key> mcp-rocketchat
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p mcp-rocketchat --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-create-home rocketchat
COPY --from=build /src/target/release/mcp-rocketchat /usr/local/bin/mcp-rocketchat
USER rocketchat
# Shared HTTP deployment by default: per-request credentials, so a caller without a Rocket.Chat
# token of their own can do nothing; set MCP_SERVER_AUTH=bearer to protect the endpoint as well.
ENV MCP_SERVER_MODE=http MCP_SERVER_HOST=0.0.0.0 MCP_SERVER_PORT=8081 ROCKET_CHAT_CREDENTIALS=per_request \
    MCP_ALLOW_UNAUTHENTICATED=true MCP_ALLOWED_HOSTS=* MCP_LOG_FORMAT=json
EXPOSE 8081
# bash, not sh: /dev/tcp is a bash feature (Debian's sh is dash). The image has no curl.
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8081 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"status\":\"ok\"' <&3"]
ENTRYPOINT ["/usr/local/bin/mcp-rocketchat"]
CMD ["serve"]
