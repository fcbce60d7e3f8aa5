#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Seals end to end through the real binary, and against another implementation:
# the openssl command-line tool verifies ubur's seals over the bytes the seal
# says it signs (raw r||s turned into DER), and ubur verifies seals whose
# signature openssl made. Also `ubur keys new` file modes and refusals, exit
# codes, and rendering. Speaks TAP. Run from the repository root.
set -u
cd "$(dirname "$0")/.."
ubur=${UBUR_BIN:-build/ubur}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { # name, command...
    name=$1; shift
    if "$@" >"$tmp/out" 2>&1; then ok "$name"; else nok "$name"; sed 's/^/# /' "$tmp/out"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# Seal hex -> signed bytes and DER signature files, from `ubur seal decode --json`.
split_seal() { # hex, prefix
    "$ubur" seal decode --json "$1" >"$2.json" || return 1
    python3 - "$1" "$2" <<'EOF'
import json, sys
hexseal, prefix = sys.argv[1], sys.argv[2]
d = json.load(open(prefix + ".json"))
b = bytes.fromhex(hexseal)
open(prefix + ".signed", "wb").write(b[: d["signed_len"]])
raw = bytes.fromhex(d["signature"])
half = len(raw) // 2
def der_int(x):
    x = x.lstrip(b"\0") or b"\0"
    if x[0] & 0x80:
        x = b"\0" + x
    return b"\x02" + bytes([len(x)]) + x
body = der_int(raw[:half]) + der_int(raw[half:])
assert len(body) < 128
open(prefix + ".der", "wb").write(b"\x30" + bytes([len(body)]) + body)
EOF
}

# DER signature -> raw r||s of the key's size, appended as tag 0xFF to the signed bytes.
assemble_seal() { # signed-file, der-file, half
    python3 - "$1" "$2" "$3" <<'EOF'
import sys
signed, der, half = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), int(sys.argv[3])
def read_int(b, i):
    assert b[i] == 2
    n = b[i + 1]
    return b[i + 2 : i + 2 + n], i + 2 + n
i = 2 if der[1] < 0x80 else 3
r, i = read_int(der, i)
s, i = read_int(der, i)
raw = r.lstrip(b"\0").rjust(half, b"\0") + s.lstrip(b"\0").rjust(half, b"\0")
sig = bytes([0xFF]) + (bytes([len(raw)]) if len(raw) < 128 else bytes([0x81, len(raw)])) + raw
print((signed + sig).hex())
EOF
}

L1='V<IRQAL<HASHIMI<<AHMAD<MUHAMMAD<<<<<<<<<<<<<'
L2='IQV1234560SYR8503150M2706306<<<<<<<<<<<<<<<<'

# ---- keys ----
check "keys new creates a CSCA and a signer" "$ubur" keys new --country IRQ --signer IQVS --out "$tmp/k"
key=$(ls "$tmp"/k/IQVS-*.key 2>/dev/null | head -1)
cert=${key%.key}.pem
mode() { stat -c %a "$1"; }
if [ -n "$key" ] && [ "$(mode "$key")" = 600 ] && [ "$(mode "$tmp/k/csca-IRQ.key")" = 600 ] &&
    [ "$(mode "$tmp/k")" = 700 ] && [ "$(mode "$cert")" = 644 ]; then
    ok "private keys are 0600, the directory 0700"
else
    nok "private keys are 0600, the directory 0700"
fi
before=$(ls "$tmp/k" | wc -l)
if ! "$ubur" keys new --country IRQ --signer IQV2 --out "$tmp/k" 2>"$tmp/err" &&
    grep -q "exists; nothing written" "$tmp/err" && [ "$(ls "$tmp/k" | wc -l)" = "$before" ]; then
    ok "keys new refuses to overwrite a CSCA and writes nothing"
else
    nok "keys new refuses to overwrite a CSCA and writes nothing"
fi
check "keys new issues a second signer under the existing CSCA" "$ubur" keys new --country IRQ \
    --signer IQV2 --out "$tmp/k2" --csca-key "$tmp/k/csca-IRQ.key" --csca-cert "$tmp/k/csca-IRQ.pem"
"$ubur" keys new --country IRQ --signer iqvs --out "$tmp/k3" >/dev/null 2>"$tmp/err"
if [ $? -eq 1 ] && grep -q "signer:" "$tmp/err" && [ ! -e "$tmp/k3" ]; then
    ok "keys new names the bad field and creates nothing"
else
    nok "keys new names the bad field and creates nothing"
fi
check "keys new makes a P-384 signer" "$ubur" keys new --country SYR --signer SYVS --curve P-384 --out "$tmp/k384"
key384=$(ls "$tmp"/k384/SYVS-*.key | head -1)
L1S='V<SYRAL<JUBURI<<FATIMA<<<<<<<<<<<<<<'
L2S='SV00428711IRQ9201017F2701150<<<<<<<<'

# ---- sign, decode, verify ----
seal=$("$ubur" seal sign --key "$key" --cert "$cert" --mrz "$L1" --mrz "$L2" --entries 1 \
    --days 30 --passport N1234567 2>"$tmp/err")
if [ -n "$seal" ]; then ok "seal sign prints a seal"; else nok "seal sign prints a seal"; sed 's/^/# /' "$tmp/err"; fi
"$ubur" seal decode --json "$seal" >"$tmp/dec.json"
if python3 -c "
import json,sys; d=json.load(open('$tmp/dec.json')); v=d['visa']
assert d['issuing_country']=='IRQ' and d['signer']=='IQVS' and d['feature_ref']==93
assert v['mrz']==['$L1','${L2%????????????????}'] and v['entries']==1 and v['duration']['days']==30
assert v['passport_number']=='N1234567' and v['format']=='MRVA' and d['signature_len']==64
"; then ok "seal decode --json gives the signed fields"; else nok "seal decode --json gives the signed fields"; fi
check "seal verify: valid with the signer certificate and CSCA" "$ubur" seal verify --cert "$cert" --ca "$tmp/k/csca-IRQ.pem" "$seal"
echo "$seal" | "$ubur" seal verify --cert "$cert" - >/dev/null 2>&1 && ok "seal verify reads hex from stdin" || nok "seal verify reads hex from stdin"
python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex('$seal'))" >"$tmp/seal.bin"
"$ubur" seal verify --cert "$cert" - <"$tmp/seal.bin" >/dev/null 2>&1 && ok "seal verify reads binary from stdin" || nok "seal verify reads binary from stdin"
bad=$(echo "$seal" | sed 's/^\(.\{60\}\)./\1f/; s/^\(.\{60\}\)ff/\1fe/')
[ "$bad" = "$seal" ] && bad=$(echo "$seal" | sed 's/^\(.\{60\}\)./\10/')
"$ubur" seal verify --cert "$cert" "$bad" >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "^invalid: " "$tmp/out"; then ok "seal verify: a changed byte is invalid, exit 1 with the reason"; else nok "seal verify: a changed byte is invalid, exit 1 with the reason (rc $rc)"; sed 's/^/# /' "$tmp/out"; fi
"$ubur" seal verify --json --cert "$tmp/k2/$(ls "$tmp/k2" | grep '\.pem$' | head -1)" "$seal" >"$tmp/v.json"
if [ $? -eq 1 ] && python3 -c "
import json; d=json.load(open('$tmp/v.json')); assert d['valid'] is False and d['field']=='signer', d"; then
    ok "seal verify --json: another signer's certificate is invalid (field signer)"
else
    nok "seal verify --json: another signer's certificate is invalid (field signer)"
fi
"$ubur" seal verify "$seal" >/dev/null 2>&1
[ $? -eq 2 ] && ok "seal verify without --cert is a usage error (2)" || nok "seal verify without --cert is a usage error (2)"
"$ubur" seal decode "dc03zz" >/dev/null 2>"$tmp/err"
if [ $? -eq 1 ] && grep -q "seal: 'z' at position 5" "$tmp/err"; then ok "seal decode names the bad character"; else nok "seal decode names the bad character"; sed 's/^/# /' "$tmp/err"; fi
"$ubur" seal sign --key "$key" --cert "$cert" --mrz "$L1" --mrz "$L2" --days 300 --passport N1 >/dev/null 2>"$tmp/err"
if [ $? -eq 1 ] && grep -q "^ubur: days:" "$tmp/err"; then ok "seal sign names the bad field"; else nok "seal sign names the bad field"; sed 's/^/# /' "$tmp/err"; fi

# ---- openssl verifies ubur's seals ----
interop() { # name, hex, cert-file, cert-form, digest
    split_seal "$2" "$tmp/x" &&
        openssl x509 -in "$3" -inform "$4" -pubkey -noout >"$tmp/x.pub" &&
        openssl dgst "-$5" -verify "$tmp/x.pub" -signature "$tmp/x.der" "$tmp/x.signed" >"$tmp/out" 2>&1 &&
        grep -q "Verified OK" "$tmp/out"
}
interop p256 "$seal" "$cert" PEM sha256 && ok "openssl verifies a P-256 seal (SHA-256)" || { nok "openssl verifies a P-256 seal (SHA-256)"; sed 's/^/# /' "$tmp/out"; }
seal384=$("$ubur" seal sign --key "$key384" --cert "${key384%.key}.pem" --mrz "$L1S" --mrz "$L2S" --entries 0 --months 3 --passport A1234567)
interop p384 "$seal384" "${key384%.key}.pem" PEM sha384 && ok "openssl verifies a P-384 seal (SHA-384)" || { nok "openssl verifies a P-384 seal (SHA-384)"; sed 's/^/# /' "$tmp/out"; }
if ! interop tampered "$bad" "$cert" PEM sha256; then ok "openssl rejects the changed seal too"; else nok "openssl rejects the changed seal too"; fi
for g in tests/data/vds/golden.json; do
    python3 -c "
import json
for v in json.load(open('$g')): print(v['name'], v['hex'], v['cert'], {64:'sha256',56:'sha224',96:'sha384'}[v['expect']['signature_len']])
" | while read -r name hex gcert dg; do
        interop "$name" "$hex" "$gcert" PEM "$dg" && echo "ok - golden $name" || echo "FAIL - golden $name"
    done >"$tmp/golden"
    if ! grep -q FAIL "$tmp/golden" && [ "$(grep -c '^ok' "$tmp/golden")" -ge 4 ]; then ok "openssl verifies every golden seal"; else nok "openssl verifies every golden seal"; sed 's/^/# /' "$tmp/golden"; fi
done
shared=../shared/data/vds
if [ -f "$shared/bsi_tr03137_annexF_visa.json" ] && [ -f "$shared/sealgen_DETS32.crt" ]; then
    bsi=$(python3 -c "import json; print(json.load(open('$shared/bsi_tr03137_annexF_visa.json'))['hex'])")
    interop bsi "$bsi" "$shared/sealgen_DETS32.crt" DER sha224 && ok "openssl and ubur agree on the BSI Annex F seal bytes" || nok "openssl and ubur agree on the BSI Annex F seal bytes"
    check "ubur verifies the BSI Annex F seal" "$ubur" seal verify --cert "$shared/sealgen_DETS32.crt" "$bsi"
else
    skip "openssl and ubur agree on the BSI Annex F seal bytes" "../shared/data absent"
    skip "ubur verifies the BSI Annex F seal" "../shared/data absent"
fi

# ---- ubur verifies a seal openssl signed ----
split_seal "$seal" "$tmp/o" &&
    openssl dgst -sha256 -sign "$key" -out "$tmp/o.sig" "$tmp/o.signed" &&
    oseal=$(assemble_seal "$tmp/o.signed" "$tmp/o.sig" 32) &&
    [ "$oseal" != "$seal" ] &&
    "$ubur" seal verify --cert "$cert" "$oseal" >"$tmp/out" 2>&1
if [ $? -eq 0 ]; then ok "ubur verifies a seal signed by openssl"; else nok "ubur verifies a seal signed by openssl"; sed 's/^/# /' "$tmp/out"; fi

# ---- render ----
"$ubur" seal render "$seal" --png "$tmp/s.png" 2>/dev/null &&
    [ "$(head -c 8 "$tmp/s.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
    ok "seal render writes a PNG" || nok "seal render writes a PNG"
"$ubur" seal render "$seal" --svg - >"$tmp/s.svg" 2>/dev/null && grep -q '</svg>' "$tmp/s.svg" &&
    ok "seal render writes SVG to stdout" || nok "seal render writes SVG to stdout"
"$ubur" seal render "dc0102" --png "$tmp/no.png" >/dev/null 2>&1
[ $? -eq 1 ] && [ ! -e "$tmp/no.png" ] && ok "seal render refuses a non-seal and writes nothing" || nok "seal render refuses a non-seal and writes nothing"

echo "1..$n"
