#!/usr/bin/env bash
# Installs the Debian 12 packages Pier needs to build, test and benchmark. Idempotent: only what
# is missing is installed. Run as root.
set -euo pipefail

# libcrypt-dev: libxcrypt's crypt_rn() checks bcrypt and MD5-crypt hashes for basicAuth (see
# src/middleware/htpasswd.h); glibc's toolchain pulls it in anyway, it is listed to be explicit.
# zlib1g-dev, libbrotli-dev, libzstd-dev: the gzip, br and zstd encoders of the compress
# middleware (src/middleware/compress_codec.h); the unit tests decode with the same libraries.
build_pkgs=(meson ninja-build pkg-config g++ clang clang-format libuv1-dev libwolfssl-dev libcrypt-dev
  libcurl4-openssl-dev nlohmann-json3-dev libre2-dev libyaml-cpp-dev doctest-dev libexpected-dev
  node-llhttp zlib1g-dev libbrotli-dev libzstd-dev)
# promtool (prometheus): check metrics. chromium + chromium-driver + python3-selenium: the
# dashboard's headless-browser test (tests/integration/test_dashboard.py). python3-brotli,
# python3-zstandard: the compress integration tests decode br and zstd bodies.
test_pkgs=(python3 python3-pytest curl procps openssl prometheus chromium chromium-driver
  python3-selenium python3-brotli python3-zstandard)
pkgs=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
