#!/bin/sh
# `make run`: first run creates ./ubur.db with the demo data, then serves it.
set -eu
cd "$(dirname "$0")/.."
db=${UBUR_DB:-ubur.db}
listen=${UBUR_LISTEN:-127.0.0.1:8080}
if [ ! -e "$db" ]; then
    build/ubur --db "$db" demo --password-file ubur-admin-password.txt
fi
cat <<MSG

  ubur is serving on http://$listen/
  Users and their passwords: ubur-admin-password.txt (mode 0600; one "user password" per line).
  Log in with curl:
    curl -s -X POST http://$listen/api/v1/session \\
         -d "{\"username\":\"admin\",\"password\":\"\$(awk '\$1=="admin"{print \$2}' ubur-admin-password.txt)\"}"
  Stop with Ctrl-C.

MSG
exec build/ubur --db "$db" serve --listen "$listen"
