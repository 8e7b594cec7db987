# TraceAssist image: `docker build -t traceassist:0.1.0 .`
# Build stage: Debian bookworm with the -dev packages (the same list CI installs, scripts/install-deps.sh).
# Runtime stage: debian:bookworm-slim plus only the shared libraries traceassist-server links (the
# traceassist CLI is static)
# (test/scripts/deploy_image.sh checks this list against `ldd` of the built binary).
FROM debian:bookworm AS build
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN /src/scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DTRACEASSIST_BUILD_TESTS=OFF \
    && cmake --build /build -j"$(nproc)" \
    && cmake --install /build --prefix /out/usr/local --strip

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        libarchive13 \
        libcpp-httplib0.11 \
        libcurl4 \
        libfmt9 \
        libpq5 \
        libpqxx-6.4 \
        libprometheus-cpp-core1.0 \
        libspdlog1.10 \
        libssl3 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
# Nothing is written to the root filesystem at run time (it may be mounted read-only). /certs is where
# docker-compose's one-shot `certs` service writes the serving certificate; owning it makes a fresh named
# volume mounted there writable by the runtime user.
RUN install -d -o 10001 -g 10001 /certs
# A fixed numeric UID/GID, so Kubernetes' runAsNonRoot can verify it (the manifests use the same 10001).
USER 10001:10001
EXPOSE 8000 8443
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["traceassist", "healthcheck"]
ENTRYPOINT ["traceassist"]
CMD ["serve"]
