#!/usr/bin/env bash
# Installs what is missing, builds Pier, and runs it in front of two echo backends with the
# bundled demo configuration (examples/demo/). No Docker needed. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
[[ -d build-release ]] || meson setup build-release --buildtype=release --wrap-mode=nodownload >/dev/null
ninja -C build-release src/app/pier tests/support/backend/pier-test-backend >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

start_backend() {  # name port
  build-release/tests/support/backend/pier-test-backend --listen "127.0.0.1:$2" --name "$1" \
    >"$work/$1.log" 2>&1 &
  pids+=($!)
}
start_backend demo-a 9101
start_backend demo-b 9102
cp examples/demo/dynamic.yml "$work/dynamic.yml"
sed "s#@DYNAMIC@#$work/dynamic.yml#" examples/demo/pier.yml >"$work/pier.yml"
if [[ -S /var/run/docker.sock ]]; then
  # A Docker engine is here: also route containers that opt in with traefik.enable=true.
  printf '  docker:\n    exposedByDefault: false\n' >>"$work/pier.yml"
  docker_note="  docker run -d --label traefik.enable=true --label 'traefik.http.routers.x.rule=Host(\`x.localhost\`)' <image>  -> routed on :8000"
fi
build-release/src/app/pier --configfile="$work/pier.yml" &
pids+=($!)

for _ in $(seq 1 50); do
  curl -fsS -o /dev/null http://127.0.0.1:8081/ping 2>/dev/null && break
  sleep 0.1
done
echo
echo "Pier is running (demo configuration in $work):"
echo "  curl -H 'Host: demo.localhost' http://127.0.0.1:8000/hello   -> round-robin over demo-a, demo-b"
echo "  curl http://127.0.0.1:8000/api/x                             -> PathPrefix(/api) router"
echo "  curl http://127.0.0.1:8081/ping                              -> OK"
echo "  edit $work/dynamic.yml: changes apply without a restart"
[[ -n "${docker_note:-}" ]] && echo "$docker_note"
echo
curl -sS -H 'Host: demo.localhost' http://127.0.0.1:8000/hello | head -c 300; echo
wait "${pids[-1]}"
