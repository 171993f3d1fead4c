#!/usr/bin/env bash
# TEMPORARY (cluster helper, until the replica helper's script is merged): the cluster's own
# PostgreSQL primary on 127.0.0.1:55432 (initdb, run as user postgres), no replica.
# Usage: postgres.sh up|down|status
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT=55432
DIR="$CLUSTER_DIR/postgres"
DATA="$DIR/primary"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"

case "${1:-}" in
  up)
    if [ -f "$DATA/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      echo "PostgreSQL (primaire) est déjà en marche (127.0.0.1:$PORT)."
    else
      refuse_port "$PORT" "PostgreSQL"
      [ -f "$DATA/PG_VERSION" ] || as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust >/dev/null
      as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/primary.log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
      echo "PostgreSQL (primaire) en marche sur 127.0.0.1:$PORT."
    fi
    psql -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='formarche'" | grep -q 1 \
      || psql -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE formarche" >/dev/null
    env_set DATABASE_URL "postgres://postgres@127.0.0.1:$PORT/formarche"
    ;;
  down)
    if [ -f "$DATA/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true; fi
    env_unset DATABASE_URL
    echo "PostgreSQL arrêté."
    ;;
  status)
    if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then echo "PostgreSQL (primaire) : en marche (127.0.0.1:$PORT)"; else echo "PostgreSQL : arrêté"; fi
    ;;
  *) echo "usage : $0 up|down|status" >&2; exit 2 ;;
esac
