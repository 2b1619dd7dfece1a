#!/bin/sh
# backends [PORT...]: one pier-test-backend per port (default 80), all in this container.
# Each answers with the name "${BACKEND_NAME:-$HOSTNAME}:PORT", so replicas and ports are told
# apart in test output. Exits (killing the others) when one listener dies; SIGTERM stops all.
[ "$#" -gt 0 ] || set -- 80
name=${BACKEND_NAME:-${HOSTNAME:-backend}}
pids=""
for port in "$@"; do
  /backend --listen ":$port" --name "$name:$port" &
  pids="$pids $!"
done
trap 'kill $pids 2>/dev/null; exit 0' TERM INT
while :; do
  for p in $pids; do
    if ! kill -0 "$p" 2>/dev/null; then
      kill $pids 2>/dev/null
      exit 1
    fi
  done
  sleep 1 &
  wait $!
done
