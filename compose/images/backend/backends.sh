#!/bin/sh
# backends [PORT[:tls]...]: one pier-test-backend per port (default 80), all in this container.
# Each answers with the name "${BACKEND_NAME:-$HOSTNAME}:PORT", so replicas and ports are told
# apart in test output. Exits (killing the others) when one listener dies; SIGTERM stops all.
#
# PORT:tls serves TLS 1.3 on that port (a server that terminates TLS itself, e.g. a REST API that
# Pier forwards by SNI passthrough), with PEM files named by the environment:
#   BACKEND_TLS_CERT         certificate chain (required for :tls)
#   BACKEND_TLS_KEY          private key (required for :tls)
#   BACKEND_TLS_CLIENT_CA    CA(s) that client certificates must chain to (optional)
#   BACKEND_TLS_CLIENT_AUTH  none | optional | require-any | require
#                            (default: require when BACKEND_TLS_CLIENT_CA is set, else none)
[ "$#" -gt 0 ] || set -- 80
name=${BACKEND_NAME:-${HOSTNAME:-backend}}
pids=""
# The loop's word list is expanded once, so `set --` below only reuses "$@" as the per-port
# argument list (it keeps file names with spaces intact).
for spec in "$@"; do
  port=${spec%%:*}
  case "$spec" in
    *:tls)
      if [ -z "${BACKEND_TLS_CERT:-}" ] || [ -z "${BACKEND_TLS_KEY:-}" ]; then
        echo "backends: $spec needs BACKEND_TLS_CERT and BACKEND_TLS_KEY" >&2
        [ -z "$pids" ] || kill $pids 2>/dev/null
        exit 2
      fi
      set -- --tls-cert "$BACKEND_TLS_CERT" --tls-key "$BACKEND_TLS_KEY"
      [ -z "${BACKEND_TLS_CLIENT_CA:-}" ] || set -- "$@" --tls-client-ca "$BACKEND_TLS_CLIENT_CA"
      [ -z "${BACKEND_TLS_CLIENT_AUTH:-}" ] || set -- "$@" --tls-client-auth "$BACKEND_TLS_CLIENT_AUTH"
      ;;
    "$port") set -- ;;
    *)
      echo "backends: bad port \"$spec\" (PORT or PORT:tls)" >&2
      [ -z "$pids" ] || kill $pids 2>/dev/null
      exit 2
      ;;
  esac
  /backend --listen ":$port" --name "$name:$port" "$@" &
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
