#!/bin/sh
# Builds pier-test-backend:dev (FROM scratch) without any registry.
#   compose/images/backend/build.sh [BACKEND_STATIC_BIN] [TAG]
# BACKEND_STATIC_BIN defaults to $PIER_BACKEND_STATIC_BIN, then build/tests/support/backend/
# pier-test-backend-static. busybox-static must be installed (apt-get install busybox-static).
# Honours DOCKER_HOST.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
bin=${1:-${PIER_BACKEND_STATIC_BIN:-$repo/build/tests/support/backend/pier-test-backend-static}}
tag=${2:-pier-test-backend:dev}
[ -x "$bin" ] || { echo "build.sh: static backend not found: $bin" >&2; exit 1; }
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  [ -x /bin/busybox ] && busybox=/bin/busybox
fi
[ -n "$busybox" ] || { echo "build.sh: busybox-static is required (apt-get install busybox-static)" >&2; exit 1; }

ctx=$(mktemp -d "${TMPDIR:-/tmp}/pier-backend-img.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/tmp"
chmod 1777 "$ctx/rootfs/tmp"
cp "$bin" "$ctx/rootfs/backend"
cp "$busybox" "$ctx/rootfs/bin/busybox"
for applet in sh wget touch rm sleep kill cat ls; do ln -s busybox "$ctx/rootfs/bin/$applet"; done
cp "$here/backends.sh" "$ctx/rootfs/bin/backends"
chmod 755 "$ctx/rootfs/backend" "$ctx/rootfs/bin/backends"
cp "$here/Dockerfile" "$ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx"
