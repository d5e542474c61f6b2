# The hub, built in release. Used by docker-compose.yml.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --bin hubshake

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/hubshake hubshake && mkdir -p /var/lib/hubshake && chown hubshake /var/lib/hubshake
COPY --from=build /src/target/release/hubshake /usr/local/bin/hubshake
USER hubshake
WORKDIR /var/lib/hubshake
EXPOSE 8080
ENV HUBSHAKE_LISTEN=0.0.0.0:8080
ENTRYPOINT ["/usr/local/bin/hubshake"]
