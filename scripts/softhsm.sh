#!/usr/bin/env bash
# Sourced, not run: `source scripts/softhsm.sh DIR LABEL`. Creates (once) a SoftHSM2 token
# labelled LABEL under DIR with random PINs kept in DIR (mode 600), and exports the COFFER_HSM_*
# and SOFTHSM2_CONF variables that point Coffer at it. Development and tests only: production
# tokens live in a real HSM and are provisioned by their key custodians.
coffer_softhsm() {
  local dir="$1" label="$2"
  mkdir -p "$dir/tokens"
  chmod 700 "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ ! -f "$dir/softhsm2.conf" ]; then
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$dir" > "$dir/softhsm2.conf"
  fi
  export SOFTHSM2_CONF="$dir/softhsm2.conf"
  if [ ! -f "$dir/hsm-pin" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/hsm-pin"; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/hsm-so-pin")
  fi
  if ! softhsm2-util --show-slots 2>/dev/null | grep -q "Label:.*$label\b"; then
    # Token files are key material: readable by this user only.
    umask 077
    softhsm2-util --init-token --free --label "$label" --so-pin "$(cat "$dir/hsm-so-pin")" --pin "$(cat "$dir/hsm-pin")" >/dev/null
  fi
  export COFFER_HSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
  export COFFER_HSM_TOKEN="$label"
  export COFFER_HSM_PIN_FILE="$dir/hsm-pin"
}
coffer_softhsm "$@"
