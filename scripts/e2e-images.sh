#!/usr/bin/env bash
# Prepares podman for the container end-to-end test and builds its images, without a registry:
#   localhost/debian:bookworm                 debootstrap'd minimal Debian
#   localhost/redis-lease-ha-build:jdk        Debian + this machine's JDK + Maven (the build stage)
#   localhost/redis:7-bookworm                Debian's redis-server (stands in for the official image)
#   localhost/redis-lease-ha:e2e              our Dockerfile, built on the two above
# Base images are built once and kept; our image is rebuilt every time. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

E2E_DIR=${E2E_DIR:-/var/tmp/redis-lease-ha-e2e}
JDK=${JAVA_HOME:?JAVA_HOME must point at a JDK >= 21}
MAVEN_VERSION=3.9.11
MIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" != 0 ]; then
  echo "error: make e2e needs root (podman networks, debootstrap)" >&2
  exit 1
fi
missing=""
for cmd in podman buildah debootstrap; do command -v "$cmd" >/dev/null || missing="$missing $cmd"; done
if [ -n "$missing" ]; then
  echo "Installing podman and debootstrap from Debian's packages (missing:$missing)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman debootstrap buildah fuse-overlayfs slirp4netns \
    uidmap iptables runc catatonit curl >/dev/null
fi

mkdir -p "$E2E_DIR"
# Settings podman needs in this sandbox (see ../shared/FACTS.md).
cat > "$E2E_DIR/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$E2E_DIR/containers.conf"

has_image() { podman image exists "$1"; }

if ! has_image localhost/debian:bookworm; then
  echo "Building localhost/debian:bookworm with debootstrap from $MIRROR"
  rm -rf "$E2E_DIR/rootfs"
  debootstrap --variant=minbase bookworm "$E2E_DIR/rootfs" "$MIRROR" >"$E2E_DIR/debootstrap.log" 2>&1
  tar -C "$E2E_DIR/rootfs" -c . | podman import - localhost/debian:bookworm >/dev/null
  rm -rf "$E2E_DIR/rootfs"
fi

if ! has_image localhost/redis-lease-ha-build:jdk; then
  echo "Building localhost/redis-lease-ha-build:jdk from $JDK and Maven $MAVEN_VERSION"
  if [ ! -d "$E2E_DIR/apache-maven-$MAVEN_VERSION" ]; then
    curl -sSfL "https://repo1.maven.org/maven2/org/apache/maven/apache-maven/$MAVEN_VERSION/apache-maven-$MAVEN_VERSION-bin.tar.gz" \
      | tar -xz -C "$E2E_DIR"
  fi
  # Dereference symlinks: Debian's JDK packages link lib/security/cacerts to /etc/ssl/certs.
  rm -rf "$E2E_DIR/jdk" && cp -rL "$JDK" "$E2E_DIR/jdk"
  ctr=$(buildah from localhost/debian:bookworm)
  buildah copy -q "$ctr" "$E2E_DIR/jdk" /opt/java/openjdk >/dev/null
  buildah copy -q "$ctr" "$E2E_DIR/apache-maven-$MAVEN_VERSION" /usr/share/maven >/dev/null
  buildah config --env JAVA_HOME=/opt/java/openjdk \
    --env PATH=/opt/java/openjdk/bin:/usr/share/maven/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit -q "$ctr" localhost/redis-lease-ha-build:jdk >/dev/null
  buildah rm "$ctr" >/dev/null
  rm -rf "$E2E_DIR/jdk"
fi

if ! has_image localhost/redis:7-bookworm; then
  echo "Building localhost/redis:7-bookworm from Debian's redis-server"
  podman build -q -t localhost/redis:7-bookworm -f integration-tests/src/e2e/redis.Containerfile integration-tests/src/e2e >/dev/null
fi

echo "Building localhost/redis-lease-ha:e2e from the Dockerfile"
# The host's Maven repository is mounted so the build stage does not download everything again.
mkdir -p "$HOME/.m2"
podman build -q -t localhost/redis-lease-ha:e2e \
  --build-arg BUILD_IMAGE=localhost/redis-lease-ha-build:jdk \
  --build-arg RUNTIME_BASE=localhost/debian:bookworm \
  -v "$HOME/.m2:/root/.m2" \
  . >/dev/null
podman image prune -f >/dev/null
podman image inspect localhost/redis-lease-ha:e2e --format 'Image localhost/redis-lease-ha:e2e: {{.Size}} bytes'
