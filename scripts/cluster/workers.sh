#!/usr/bin/env bash
# The cluster's two task workers (`formarche worker`: django-tasks-db's worker plus the recovery of
# the jobs of a dead worker, docs/adr/0011-task-workers.md), production settings,
# FORMARCHE_TASKS=database. They read var/cluster/env (database, Redis, S3…) written by the other
# scripts of scripts/cluster/ when it exists; pid files and logs under var/cluster/workers/.
# Usage: workers.sh up|down|status [1|2]   (without a number: both workers)
#        workers.sh kill 1|2                SIGKILL one worker (the crash the recovery is for)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_DIR="$ROOT/var/cluster"
ENV_FILE="$CLUSTER_DIR/env"
DIR="$CLUSTER_DIR/workers"
mkdir -p "$DIR"

workers() { if [ -n "${1:-}" ]; then echo "$1"; else echo "1 2"; fi; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

worker_env() {
  # shellcheck disable=SC1090
  [ -f "$ENV_FILE" ] && source "$ENV_FILE"
  if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
    # the web instances' throw-away secret when they have one (web.sh), else one of our own
    local secret="$CLUSTER_DIR/web/secret"
    [ -s "$secret" ] || secret="$DIR/secret"
    if [ ! -s "$secret" ]; then
      (umask 077; "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(64))' >"$secret")
    fi
    DJANGO_SECRET_KEY="$(cat "$secret")"
    export DJANGO_SECRET_KEY
  fi
  export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.prod}"
  export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"
  export FORMARCHE_SITE_URL="${FORMARCHE_SITE_URL:-http://127.0.0.1:28000}"  # the links of the e-mails: the proxy
  export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}"  # no SMTP here
  export FORMARCHE_TASKS=database
  export PYTHONUNBUFFERED=1  # the logs are read while the workers run
  if [ -z "${DATABASE_URL:-}" ]; then
    echo "Les travailleurs lisent la file dans PostgreSQL : DATABASE_URL n'est pas défini (ni dans $ENV_FILE)." >&2
    echo "Lancez d'abord scripts/cluster/postgres.sh up, ou exportez DATABASE_URL." >&2
    exit 1
  fi
}

start_one() {
  local n="$1" pidfile="$DIR/worker$1.pid"
  if alive "$pidfile"; then
    echo "Travailleur $n déjà en marche (pid $(cat "$pidfile"))."
    return 0
  fi
  (
    worker_env
    cd "$ROOT"
    nohup .venv/bin/python -m formarche worker --worker-id "$(hostname)-travailleur$n" --interval 1 \
      >>"$DIR/worker$n.log" 2>&1 &
    echo $! >"$pidfile"
  )
  sleep 2
  if ! alive "$pidfile"; then
    echo "Le travailleur $n s'est arrêté au démarrage (voir $DIR/worker$n.log) :" >&2
    tail -5 "$DIR/worker$n.log" >&2
    rm -f "$pidfile"
    exit 1
  fi
  echo "Travailleur $n en marche (pid $(cat "$pidfile"), journal $DIR/worker$n.log)."
}

stop_one() {
  local n="$1" pidfile="$DIR/worker$1.pid" pid
  if alive "$pidfile"; then
    pid="$(cat "$pidfile")"
    # SIGTERM: the worker finishes the task in progress, then stops (django-tasks-db)
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      # still busy after 30 s: killed; its job is taken over by the recovery once its lease expires
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
  echo "Travailleur $n arrêté."
}

case "${1:-}" in
  up)
    for n in $(workers "${2:-}"); do start_one "$n"; done
    ;;
  down)
    for n in $(workers "${2:-}"); do stop_one "$n"; done
    ;;
  status)
    for n in $(workers "${2:-}"); do
      if alive "$DIR/worker$n.pid"; then
        echo "Travailleur $n : en marche (pid $(cat "$DIR/worker$n.pid"))"
      else
        echo "Travailleur $n : arrêté"
      fi
    done
    ;;
  kill)
    n="${2:?numéro du travailleur, 1 ou 2}"
    if alive "$DIR/worker$n.pid"; then
      kill -KILL "$(cat "$DIR/worker$n.pid")"
      rm -f "$DIR/worker$n.pid"
      echo "Travailleur $n tué (SIGKILL) : son travail en cours sera repris par l'autre."
    else
      echo "Travailleur $n : arrêté"
    fi
    ;;
  *)
    echo "usage : $0 up|down|status [1|2] · $0 kill 1|2" >&2
    exit 2
    ;;
esac
