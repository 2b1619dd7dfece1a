#!/bin/sh
# Pier image entrypoint, same contract as Traefik's official image (spec A.12):
#   (a) first argument starts with "-"           -> traefik <args...>   (`command: [--entrypoints...]`)
#   (b) first argument is a Traefik sub-command  -> traefik <args...>   (`version`, `healthcheck`)
#   (c) anything else                            -> run it as a command (`sh -c '...'`, `traefik ...`)
# With no argument at all the image's CMD (`traefik`) applies.
set -e

if [ "$#" -eq 0 ]; then
  set -- traefik
elif [ "${1#-}" != "$1" ]; then
  set -- traefik "$@"
else
  case "$1" in
    version | healthcheck) set -- traefik "$@" ;;
  esac
fi

exec "$@"
