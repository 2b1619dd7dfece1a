#!/bin/sh
# Builds the Pier image `pier:dev` WITHOUT any registry, from a locally built pier binary:
# FROM scratch + the binary + the shared libraries `ldd` lists (+ the dynamic loader), CA
# certificates, zoneinfo (when present), busybox-static as /bin/sh (for entrypoint.sh, `sh -c`
# and health checks) and entrypoint.sh. Same layout and contract as the registry Dockerfile:
#   /usr/local/bin/pier, /usr/local/bin/traefik (-> pier), /traefik (-> pier), EXPOSE 80,
#   ENTRYPOINT ["/entrypoint.sh"], CMD ["traefik"].
#
#   compose/images/pier/build-offline.sh [PIER_BIN] [TAG]
# PIER_BIN defaults to $PIER_BIN, then build/src/app/pier; TAG to pier:dev. Honours DOCKER_HOST.
# Needs: docker (any engine; the legacy builder is used, no BuildKit/buildx), ldd, busybox-static.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
bin=${1:-${PIER_BIN:-$repo/build/src/app/pier}}
tag=${2:-pier:dev}
[ -x "$bin" ] || { echo "build-offline.sh: pier binary not found: $bin" >&2; exit 1; }
busybox=""
for c in /bin/busybox /usr/bin/busybox $(command -v busybox || true); do
  if [ -x "$c" ] && ldd "$c" 2>&1 | grep -q 'not a dynamic executable'; then busybox=$c; break; fi
done
[ -n "$busybox" ] || { echo "build-offline.sh: busybox-static is required (apt-get install busybox-static)" >&2; exit 1; }

ctx=$(mktemp -d "${TMPDIR:-/tmp}/pier-img.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs
mkdir -p "$root/usr/local/bin" "$root/bin" "$root/etc/ssl/certs" "$root/etc/traefik" "$root/tmp"
chmod 1777 "$root/tmp"

# The binary (stripped copy when strip is available: the debug build is ~35 MB).
cp "$bin" "$root/usr/local/bin/pier"
if command -v strip >/dev/null 2>&1; then strip --strip-debug "$root/usr/local/bin/pier" || true; fi
chmod 755 "$root/usr/local/bin/pier"
ln -s pier "$root/usr/local/bin/traefik"
ln -s usr/local/bin/pier "$root/traefik"

# Shared libraries at the paths the loader will look for (the "=> /path" column and the loader).
ldd "$bin" | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]*ld-linux/ {print $1}' | sort -u |
while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
if ldd "$bin" | grep -q 'not found'; then
  echo "build-offline.sh: unresolved libraries:" >&2; ldd "$bin" | grep 'not found' >&2; exit 1
fi

# TLS roots and time zones.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
else
  echo "build-offline.sh: warning: no /etc/ssl/certs/ca-certificates.crt (install ca-certificates)" >&2
fi
if [ -d /usr/share/zoneinfo ]; then
  mkdir -p "$root/usr/share"
  cp -a /usr/share/zoneinfo "$root/usr/share/zoneinfo"
fi
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

# busybox: /bin/sh for the entrypoint script, `sh -c`, and wget for health checks.
cp "$busybox" "$root/bin/busybox"
for applet in sh wget nc cat ls echo sleep kill ps; do ln -s busybox "$root/bin/$applet"; done
cp "$here/entrypoint.sh" "$root/entrypoint.sh"
chmod 755 "$root/entrypoint.sh"

cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
EXPOSE 80
# No flags: checks the proxy running as PID 1 with the flags it was started with (see
# src/app/healthcheck.h); compose files may still set their own.
HEALTHCHECK --interval=10s --timeout=6s --start-period=10s CMD ["traefik", "healthcheck"]
ENTRYPOINT ["/entrypoint.sh"]
CMD ["traefik"]
DOCKERFILE
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx"
