#!/usr/bin/env bash
# The multi-machine layout of formarche on one machine, 127.0.0.1 only (docs/scaling.md):
# PostgreSQL primary + streaming replica, PgBouncer, Redis, an S3 server, two gunicorn instances
# behind HAProxy and two task workers. Data, logs and pid files under var/cluster/.
#
#   bash scripts/cluster.sh up       start everything (installs what is missing), migrate, load the demo
#   bash scripts/cluster.sh down     stop everything
#   bash scripts/cluster.sh status   what runs
#   bash scripts/cluster.sh test     a fresh cluster, the journey (tests/cluster/), down; its exit code
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
C="$ROOT/scripts/cluster"
CLUSTER_DIR="$ROOT/var/cluster"
ENV_FILE="$CLUSTER_DIR/env"
# start order; down runs it backwards
COMPONENTS=(postgres pgbouncer redis s3 web haproxy workers)
T0=$(date +%s)

say() { printf '[%4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }

timed() {
  local label="$1" start rc
  shift
  start=$(date +%s)
  "$@"
  rc=$?
  say "$label : $(($(date +%s) - start)) s$([ $rc -ne 0 ] && echo " — ÉCHEC ($rc)")"
  return $rc
}

component() {  # component NAME ACTION: run scripts/cluster/NAME.sh ACTION if the script exists
  if [ -f "$C/$1.sh" ]; then
    bash "$C/$1.sh" "$2"
  else
    echo "($1 : scripts/cluster/$1.sh absent, composant ignoré)"
  fi
}

install_missing() {
  local missing=() cmd pkg
  for pair in haproxy:haproxy pgbouncer:pgbouncer redis-server:redis-server; do
    cmd="${pair%%:*}"
    pkg="${pair##*:}"
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installation des paquets Debian manquants : ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" || return 1
  fi
  bash scripts/setup.sh
}

app_env() {  # the servers' environment (web.sh), for manage.py commands
  bash "$C/web.sh" manage "$@"
}

migrate_and_demo() {
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  # migrations on a direct connection to the primary, never through PgBouncer (transaction mode)
  local direct="${DATABASE_DIRECT_URL:-$DATABASE_URL}"
  if [ ! -s "$CLUSTER_DIR/demo-password" ]; then
    (umask 077; .venv/bin/python -c 'import secrets; print("cluster-" + secrets.token_urlsafe(18))' >"$CLUSTER_DIR/demo-password")
  fi
  DATABASE_URL="$direct" app_env migrate --noinput -v 0 || return 1
  app_env collectstatic --noinput -v 0 || return 1
  FORMARCHE_CLUSTER_DEMO_PASSWORD="$(cat "$CLUSTER_DIR/demo-password")" DATABASE_URL="$direct" app_env cluster_demo || return 1
  # a worker killed mid-job loses its lease after 10 s (60 s by default), so the drill stays short
  grep -q '^export FORMARCHE_JOB_LEASE_SECONDS=' "$ENV_FILE" || echo 'export FORMARCHE_JOB_LEASE_SECONDS=10' >>"$ENV_FILE"
  grep -q '^export FORMARCHE_CLUSTER_DEMO_PASSWORD=' "$ENV_FILE" \
    || printf 'export FORMARCHE_CLUSTER_DEMO_PASSWORD=%q\n' "$(cat "$CLUSTER_DIR/demo-password")" >>"$ENV_FILE"
}

up() {
  mkdir -p "$CLUSTER_DIR"
  timed "installation" install_missing || return 1
  local name
  for name in postgres pgbouncer redis s3; do
    timed "$name" component "$name" up || return 1
  done
  timed "migrations et démonstration" migrate_and_demo || return 1
  for name in web haproxy workers; do
    timed "$name" component "$name" up || return 1
  done
  say "Cluster en marche : http://127.0.0.1:28000/ (comptes de démonstration, mot de passe dans var/cluster/demo-password)"
}

down() {
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    component "${COMPONENTS[$i]}" down
  done
}

quiet_down() { down >/dev/null 2>&1; }

status() {
  local name
  for name in "${COMPONENTS[@]}"; do component "$name" status; done
}

journey() {
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  export CLUSTER_ROOT="$ROOT"
  .venv/bin/pytest tests/cluster -m cluster -p no:xdist -q -s -rs --durations=0 "$@"
}

database_tests() {
  # The router against the real streaming replica and the app through PgBouncer
  # (tests/database/test_cluster_*.py; skipped in the normal suites, which have no cluster).
  (
    set -a
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    set +a
    FORMARCHE_CLUSTER_ENV="$ENV_FILE" .venv/bin/pytest tests/database -m postgres -p no:xdist -q -rs
  )
}

case "${1:-}" in
  up) up || { echo "Démarrage du cluster : ÉCHEC (journaux sous var/cluster/)." >&2; exit 1; } ;;
  down) down ;;
  status) status ;;
  test)
    shift
    down >/dev/null 2>&1
    rm -rf "$CLUSTER_DIR"
    if up; then
      timed "parcours (tests/cluster)" journey "$@"
      rc=$?
      timed "réplique et PgBouncer (tests/database)" database_tests
      db_rc=$?
      [ $rc -eq 0 ] && rc=$db_rc
    else
      echo "Démarrage du cluster : ÉCHEC (journaux sous var/cluster/)." >&2
      for log in "$CLUSTER_DIR"/*/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }; done
      rc=1
    fi
    timed "arrêt" quiet_down
    say "cluster.sh test : $([ $rc -eq 0 ] && echo OK || echo "ÉCHEC ($rc)") en $(($(date +%s) - T0)) s"
    exit $rc
    ;;
  *)
    echo "usage : bash scripts/cluster.sh up|down|status|test" >&2
    exit 2
    ;;
esac
