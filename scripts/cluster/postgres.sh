#!/usr/bin/env bash
# PostgreSQL 15 primary + streaming replica of the local cluster (issue #15).
#
#   scripts/cluster/postgres.sh up|down|status
#
# up      initdb of a primary under var/cluster/pg-primary (127.0.0.1:25432, wal_level=replica, trust
#         for 127.0.0.1 including replication), a replica made by `pg_basebackup -R` under
#         var/cluster/pg-replica (127.0.0.1:25433, hot_standby), the database `formarche`; writes
#         DATABASE_DIRECT_URL, DATABASE_REPLICA_URL (and DATABASE_URL unless PgBouncer owns it) to
#         var/cluster/env. Idempotent: what runs already is kept.
# down    stops the replica then the primary (the data stays, `up` starts them again).
# status  what runs, the replication state and the replay lag.
#
# The binaries refuse to run as root: as root, they run as user `postgres` (runuser), and the data
# directories belong to it. Ports and folder can be moved for side-by-side runs:
# FORMARCHE_PG_PRIMARY_PORT, FORMARCHE_PG_REPLICA_PORT, FORMARCHE_CLUSTER_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_DIR="${FORMARCHE_CLUSTER_DIR:-$ROOT/var/cluster}"
PRIMARY_PORT="${FORMARCHE_PG_PRIMARY_PORT:-25432}"
REPLICA_PORT="${FORMARCHE_PG_REPLICA_PORT:-25433}"
PGBIN="${FORMARCHE_PG_BIN:-/usr/lib/postgresql/15/bin}"
PRIMARY="$CLUSTER_DIR/pg-primary"
REPLICA="$CLUSTER_DIR/pg-replica"
RUN="$CLUSTER_DIR/postgres"   # logs and unix sockets
ENV_FILE="$CLUSTER_DIR/env"
DB_NAME="${FORMARCHE_CLUSTER_DB:-formarche}"

die() { echo "postgres.sh : $*" >&2; exit 1; }

[ -x "$PGBIN/initdb" ] || die "PostgreSQL 15 introuvable dans $PGBIN (Debian : apt-get install -y postgresql-15)."

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() { as_pg "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

psql_at() { as_pg "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atc "$2"; }

set_env() {  # set_env NAME VALUE: replaces this variable's line only
  mkdir -p "$CLUSTER_DIR"; touch "$ENV_FILE"
  grep -v "^export $1=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
  echo "export $1=$2" >>"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

unset_env() {
  [ -f "$ENV_FILE" ] || return 0
  grep -v "^export $1=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

refuse_taken_port() {  # refuse_taken_port PORT DATADIR WHAT
  if ! running "$2" && port_taken "$1"; then
    die "le port $1 ($3) est déjà pris par un autre programme sur 127.0.0.1 ; libérez-le ou choisissez un autre port (FORMARCHE_PG_PRIMARY_PORT / FORMARCHE_PG_REPLICA_PORT). Rien n'a été démarré."
  fi
}

prepare_dirs() {
  mkdir -p "$CLUSTER_DIR" "$RUN"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$RUN"
    # postgres must reach the folders above its data (the worktree may be root's, 0755 is enough)
  fi
}

init_primary() {
  [ -f "$PRIMARY/PG_VERSION" ] && return 0
  mkdir -p "$PRIMARY"; [ "$(id -u)" = 0 ] && chown postgres: "$PRIMARY"
  chmod 700 "$PRIMARY"
  as_pg "$PGBIN/initdb" -D "$PRIMARY" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$RUN/initdb.log"
  as_pg tee -a "$PRIMARY/postgresql.conf" >/dev/null <<CONF

# --- formarche cluster (scripts/cluster/postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$RUN'
wal_level = replica
max_wal_senders = 10
wal_keep_size = '512MB'
hot_standby = on
max_connections = 200
timezone = 'UTC'
log_timezone = 'UTC'
CONF
  as_pg tee "$PRIMARY/pg_hba.conf" >/dev/null <<HBA
# formarche cluster: 127.0.0.1 only, trust (a local test cluster, never a production setup)
local   all          all                 trust
local   replication  all                 trust
host    all          all   127.0.0.1/32  trust
host    replication  all   127.0.0.1/32  trust
HBA
}

start() {  # start DATADIR LOG
  running "$1" && return 0
  as_pg "$PGBIN/pg_ctl" -D "$1" -l "$2" -w -t 60 start >/dev/null
}

init_replica() {
  [ -f "$REPLICA/PG_VERSION" ] && return 0
  mkdir -p "$REPLICA"; [ "$(id -u)" = 0 ] && chown postgres: "$REPLICA"
  chmod 700 "$REPLICA"
  as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA" -R -X stream -c fast
  # the copied postgresql.conf carries the primary's port: the replica's own settings come last
  as_pg tee -a "$REPLICA/postgresql.conf" >/dev/null <<CONF

# --- formarche cluster: the streaming replica ---
port = $REPLICA_PORT
hot_standby = on
hot_standby_feedback = on
CONF
}

wait_streaming() {
  for _ in $(seq 1 60); do
    [ "$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" -ge 1 ] 2>/dev/null && return 0
    sleep 0.5
  done
  die "la réplique ne reçoit pas le flux du primaire (journaux : $RUN/replica.log)."
}

up() {
  refuse_taken_port "$PRIMARY_PORT" "$PRIMARY" "primaire PostgreSQL"
  refuse_taken_port "$REPLICA_PORT" "$REPLICA" "réplique PostgreSQL"
  prepare_dirs
  init_primary
  start "$PRIMARY" "$RUN/primary.log"
  if [ "$(psql_at "$PRIMARY_PORT" "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    psql_at "$PRIMARY_PORT" "CREATE DATABASE $DB_NAME"
  fi
  init_replica
  start "$REPLICA" "$RUN/replica.log"
  wait_streaming
  local direct="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB_NAME"
  set_env DATABASE_DIRECT_URL "$direct"
  set_env DATABASE_REPLICA_URL "postgres://postgres@127.0.0.1:$REPLICA_PORT/$DB_NAME"
  if ! grep -q "^export DATABASE_POOLER=" "$ENV_FILE"; then
    set_env DATABASE_URL "$direct"
  fi
  echo "PostgreSQL : primaire 127.0.0.1:$PRIMARY_PORT, réplique 127.0.0.1:$REPLICA_PORT (flux de réplication actif) ; variables dans $ENV_FILE"
}

down() {
  for dir in "$REPLICA" "$PRIMARY"; do
    if [ -f "$dir/PG_VERSION" ] && running "$dir"; then
      as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
  done
  unset_env DATABASE_REPLICA_URL
  unset_env DATABASE_DIRECT_URL
  if ! grep -q "^export DATABASE_POOLER=" "$ENV_FILE" 2>/dev/null; then unset_env DATABASE_URL; fi
  echo "PostgreSQL : primaire et réplique arrêtés (données gardées sous $CLUSTER_DIR)."
}

status() {
  local rc=0
  for pair in "primaire:$PRIMARY:$PRIMARY_PORT" "réplique:$REPLICA:$REPLICA_PORT"; do
    IFS=: read -r what dir port <<<"$pair"
    if [ -f "$dir/PG_VERSION" ] && running "$dir"; then
      echo "$what : en marche sur 127.0.0.1:$port"
    else
      echo "$what : arrêté"; rc=3
    fi
  done
  if [ $rc = 0 ]; then
    psql_at "$PRIMARY_PORT" "SELECT 'réplication : ' || state || ', retard ' || pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) || ' octets, ' || COALESCE(extract(epoch FROM replay_lag)::text, '0') || ' s' FROM pg_stat_replication" || rc=3
  fi
  return $rc
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage : $0 up|down|status" >&2; exit 2 ;;
esac
