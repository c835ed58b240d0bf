#!/usr/bin/env bash
# Sourced, not run: `source scripts/dev-tls.sh DIR`. Makes (once, and again when the server
# certificate is within 30 days of expiring) a development CA and a server certificate for
# localhost and 127.0.0.1 under DIR with OpenSSL, and exports COFFER_TLS_CERT / COFFER_TLS_KEY
# so `coffer serve` speaks TLS. Development only: production certificates come from the
# operator's CA. Import DIR/ca.pem into a browser (or pass curl --cacert) to trust it.
coffer_dev_tls() {
  local dir="$1"
  mkdir -p "$dir"
  chmod 700 "$dir"
  dir="$(cd "$dir" && pwd)"
  (
    umask 077
    if [ ! -f "$dir/ca.pem" ] || ! openssl x509 -checkend 2592000 -noout -in "$dir/ca.pem" >/dev/null 2>&1; then
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
        -subj "/CN=Coffer development CA" -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        >/dev/null 2>&1
      rm -f "$dir/server.pem"
    fi
    if [ ! -f "$dir/server.pem" ] || ! openssl x509 -checkend 2592000 -noout -in "$dir/server.pem" >/dev/null 2>&1; then
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
        -keyout "$dir/server-key.pem" -out "$dir/server.csr" >/dev/null 2>&1
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' > "$dir/server.ext"
      openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
        -CAcreateserial -days 397 -extfile "$dir/server.ext" -out "$dir/server.pem" >/dev/null 2>&1
      rm -f "$dir/server.csr" "$dir/server.ext"
    fi
  )
  export COFFER_TLS_CERT="$dir/server.pem" COFFER_TLS_KEY="$dir/server-key.pem"
}
coffer_dev_tls "$@"
