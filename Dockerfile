# syntax=docker/dockerfile:1
# The sidecar image: a jlink'd JRE with only the modules the sidecar uses, the shaded jar, a non-root
# user. Base images are build arguments so the image also builds without a registry, from locally
# made bases (see scripts/e2e-images.sh):
#   BUILD_IMAGE   a JDK >= 21 with Maven on the PATH and JAVA_HOME set
#   RUNTIME_BASE  a glibc Linux (Debian bookworm slim by default)
ARG BUILD_IMAGE=docker.io/library/maven:3.9-eclipse-temurin-25
ARG RUNTIME_BASE=docker.io/library/debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY sidecar/pom.xml sidecar/
COPY integration-tests/pom.xml integration-tests/
COPY sidecar/src sidecar/src
RUN mvn -B -ntp -q -pl sidecar -am package -DskipTests \
 && cp sidecar/target/redis-lease-ha-all.jar /redis-lease-ha.jar
# Modules found with: jdeps --print-module-deps --recursive over the sidecar and its dependencies.
RUN "$JAVA_HOME/bin/jlink" \
      --add-modules java.base,java.compiler,java.desktop,java.management,java.naming,java.net.http,java.sql,jdk.httpserver,jdk.unsupported \
      --strip-java-debug-attributes --no-man-pages --no-header-files --compress=zip-6 --generate-cds-archive \
      --output /opt/jre

FROM ${RUNTIME_BASE}
LABEL org.opencontainers.image.title="redis-lease-ha" \
      org.opencontainers.image.description="Redis HA sidecar: Kubernetes Lease election, fencing and a write Service that follows the leader" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/jre /opt/jre
COPY --from=build /redis-lease-ha.jar /app/redis-lease-ha.jar
COPY sidecar/src/main/docker/redis-lease-ha /app/redis-lease-ha
# Train the JDK AOT cache (JEP 483/514) with this very runtime and these flags: the sidecar starts,
# finds neither Redis nor an API server (which still loads and links its start-up classes), and is
# stopped with SIGTERM as in a pod; the cache is written when the JVM exits.
RUN env POD_NAME=aot-training POD_NAMESPACE=aot ANNOUNCE_HOST=127.0.0.1 PEERS=aot-training=127.0.0.1:1 \
      REDIS_PORT=1 KUBE_API_URL=http://127.0.0.1:1 HTTP_PORT=18080 \
      AOT_CACHE_OPTION=-XX:AOTCacheOutput=/app/redis-lease-ha.aot \
      /app/redis-lease-ha run >/tmp/aot-training.log 2>&1 & \
    pid=$!; sleep 6; kill -TERM "$pid"; wait "$pid"; \
    test -s /app/redis-lease-ha.aot || { cat /tmp/aot-training.log; exit 1; }; \
    chmod 0644 /app/redis-lease-ha.aot; rm -f /tmp/aot-training.log
RUN groupadd --gid 10001 sidecar \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sidecar
USER 10001:10001
EXPOSE 8080
# JVM flags: see /app/redis-lease-ha (small heap, serial GC, C1, compact headers, the AOT cache).
ENTRYPOINT ["/app/redis-lease-ha"]
CMD ["run"]
