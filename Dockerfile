# syntax=docker/dockerfile:1
#
# The Carebase image: the `carebase` binary and the built web app on a slim Debian base, running
# as an unprivileged user. `docker-compose.yml` shows how it is meant to be deployed.

ARG RUST_VERSION=1.95
ARG NODE_VERSION=20

# ---- web build tools from npm (wasm-opt, from the binaryen package) -----------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS web-tools
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund

# ---- build ---------------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src

# The web app's toolchain, in layers of their own so that they are rebuilt only when a version
# changes: the wasm32 target, node (which runs wasm-opt), and the wasm-bindgen CLI at exactly the
# version of the wasm-bindgen library in Cargo.lock (the two must match).
RUN rustup target add wasm32-unknown-unknown
COPY --from=web-tools /usr/local/bin/node /usr/local/bin/node
COPY Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)" \
    && test -n "${version}" \
    && cargo install --locked wasm-bindgen-cli --version "${version}"

COPY . .
COPY --from=web-tools /src/frontend/node_modules /src/frontend/node_modules
ENV PATH=/src/frontend/node_modules/.bin:${PATH}

# The web app, in parts, into frontend/dist (xtask/src/webapp.rs; it fails over its size budgets).
# The npm packages come from the web-tools stage, newer than the lock file they were installed from.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    touch frontend/node_modules/.package-lock.json \
    && cargo xtask frontend \
    && test -f frontend/dist/index.html

# The server. target/ is a cache mount, so the binary is copied out in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p carebase \
    && install -D -m 0755 target/release/carebase /out/carebase

# ---- run -----------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# ca-certificates for TLS to the database and the mail server; curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 carebase \
    && useradd --system --uid 10001 --gid carebase --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin carebase \
    && mkdir -p /app/data \
    && chown carebase:carebase /app/data

WORKDIR /app
COPY --from=builder /out/carebase /usr/local/bin/carebase
COPY --from=builder /src/frontend/dist /app/dist

# /app/data holds the SQLite database and generated keys only when the image is run without
# PostgreSQL and configured keys; mount a volume there in that case.
ENV CAREBASE_STATIC_DIR=/app/dist \
    CAREBASE_DATA_DIR=/app/data \
    CAREBASE_BIND=0.0.0.0:8080 \
    CAREBASE_LOG_FORMAT=json

USER carebase
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/readyz || exit 1

ENTRYPOINT ["carebase"]
CMD ["serve"]
