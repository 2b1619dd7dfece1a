#!/bin/sh
# Test certificates for examples/docker-compose.yml (never for production), made with the openssl
# CLI (1.1.1 or newer). EC P-256 keys, valid for 365 days.
#
#   NEXTAUTH_HOST=nextauth.example.test examples/make-test-certs.sh [DIR]
#
# DIR defaults to examples/certs (git-ignored). It receives, as PEM:
#   ca.crt ca.key          the test CA ("Pier example test CA"); signs everything below
#   server.crt server.key  Pier's certificate: ${NEXTAUTH_HOST} and *.${NEXTAUTH_HOST}
#                          (the wss:// routes Pier terminates)
#   ns.crt ns.key          ns's own REST API certificate: ns-api.${NEXTAUTH_HOST} (+ ns)
#   mc.crt mc.key          mc's own REST API certificate: mc-api.${NEXTAUTH_HOST} (+ mc)
#                          (both reached by SNI passthrough: clients see these, not Pier's)
#   client.crt client.key  a client certificate, CN=${CLIENT_CN:-api-client}, for TLS peer
#                          verification against ns/mc
# Keys are written world-readable (0644) so that containers running under any user id can read
# them from the bind mount; they are test keys.
set -eu
host=${NEXTAUTH_HOST:-nextauth.mydomain.com}
client_cn=${CLIENT_CN:-api-client}
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/certs}
mkdir -p "$dir"
cd "$dir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pier-certs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# leaf NAME CN EKU SAN...: NAME.crt/NAME.key signed by the CA.
leaf() {
  name=$1 cn=$2 eku=$3
  shift 3
  key "$name.key"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$eku"
    if [ "$#" -gt 0 ]; then
      san=""
      for n in "$@"; do san="${san:+$san,}DNS:$n"; done
      echo "subjectAltName=$san"
    fi
  } > "$tmp/$name.ext"
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$tmp/$name.csr"
  openssl x509 -req -in "$tmp/$name.csr" -CA ca.crt -CAkey ca.key \
    -set_serial "0x$(openssl rand -hex 16)" -days 365 -sha256 \
    -extfile "$tmp/$name.ext" -out "$name.crt" 2>/dev/null
}

key ca.key
openssl req -x509 -new -key ca.key -subj "/CN=Pier example test CA" -days 365 -sha256 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.crt
leaf server "$host" serverAuth "$host" "*.$host"
leaf ns "ns-api.$host" serverAuth "ns-api.$host" ns
leaf mc "mc-api.$host" serverAuth "mc-api.$host" mc
leaf client "$client_cn" clientAuth
chmod 0644 ./*.crt ./*.key
echo "make-test-certs: wrote ca, server ($host, *.$host), ns, mc, client ($client_cn) to $dir"
