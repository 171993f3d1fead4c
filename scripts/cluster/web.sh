#!/usr/bin/env bash
# Two formarche application servers (gunicorn gthread, config/gunicorn.py, production settings) on
# 127.0.0.1:28001 and 127.0.0.1:28002, behind HAProxy (haproxy.sh). They read var/cluster/env
# (database, Redis, S3, tasks) written by the other scripts.
# Usage: web.sh up|down|status [1|2]   (without a number: both instances)
#        web.sh restart 1|2             rolling restart: HAProxy stops sending it requests (drain),
#                                       waits for those in flight, restarts it, sends them again
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DIR="$CLUSTER_DIR/web"
mkdir -p "$DIR"
PORTS=(28001 28002)

instances() { if [ -n "${1:-}" ]; then echo "$1"; else echo "1 2"; fi; }

web_env() {
  # shellcheck disable=SC1090
  [ -f "$ENV_FILE" ] && source "$ENV_FILE"
  if [ ! -s "$DIR/secret" ]; then
    (umask 077; "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(64))' >"$DIR/secret")
  fi
  export DJANGO_SETTINGS_MODULE=config.settings.prod
  DJANGO_SECRET_KEY="$(cat "$DIR/secret")"  # throw-away, local to this cluster
  export DJANGO_SECRET_KEY
  export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
  export FORMARCHE_SITE_URL="${FORMARCHE_SITE_URL:-http://127.0.0.1:28000}"  # the links of the e-mails: the proxy
  export DJANGO_SECURE_SSL_REDIRECT=0
  export FORMARCHE_TRUSTED_PROXY_COUNT=1
  export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}"  # no SMTP here
  export GUNICORN_WORKERS="${GUNICORN_WORKERS:-1}"
  export GUNICORN_THREADS="${GUNICORN_THREADS:-4}"
}

start_one() {
  local n="$1" port="${PORTS[$(($1 - 1))]}" pidfile="$DIR/web$1.pid"
  if pid_alive "$pidfile"; then
    echo "Instance $n déjà en marche (127.0.0.1:$port)."
    return 0
  fi
  refuse_port "$port" "l'instance $n de gunicorn"
  (
    web_env
    cd "$ROOT"
    GUNICORN_BIND="127.0.0.1:$port" GUNICORN_PIDFILE="$pidfile" GUNICORN_PROC_NAME="formarche-web$n" \
      GUNICORN_ACCESSLOG="$DIR/web$n.access.log" \
      nohup .venv/bin/gunicorn -c config/gunicorn.py config.wsgi >>"$DIR/web$n.log" 2>&1 &
  )
  if ! wait_port "$port" 30; then
    echo "L'instance $n ne répond pas sur 127.0.0.1:$port (voir $DIR/web$n.log)." >&2
    exit 1
  fi
  for _ in $(seq 50); do [ -s "$pidfile" ] && break; sleep 0.1; done
  echo "Instance $n en marche sur 127.0.0.1:$port."
}

case "${1:-}" in
  up)
    for n in $(instances "${2:-}"); do start_one "$n"; done
    env_set CLUSTER_WEB_URLS "http://127.0.0.1:28001,http://127.0.0.1:28002"
    ;;
  down)
    for n in $(instances "${2:-}"); do
      stop_pid "$DIR/web$n.pid" 25
      echo "Instance $n arrêtée."
    done
    ;;
  status)
    for n in $(instances "${2:-}"); do status_line "Instance $n (gunicorn)" "${PORTS[$((n - 1))]}" "$DIR/web$n.pid"; done
    ;;
  restart)
    n="${2:?numéro d’instance, 1 ou 2}"
    if haproxy_cmd "set server web/web$n state drain" >/dev/null; then
      # in-flight requests of this server: column scur of « show stat »
      for _ in $(seq 100); do
        cur="$(haproxy_cmd "show stat" | awk -F, -v s="web$n" '$1 == "web" && $2 == s {print $5}')"
        [ "${cur:-0}" = 0 ] && break
        sleep 0.1
      done
    fi
    stop_pid "$DIR/web$n.pid" 25
    echo "Instance $n arrêtée."
    start_one "$n"
    if haproxy_cmd "set server web/web$n state ready" >/dev/null; then
      for _ in $(seq 100); do
        haproxy_cmd "show servers state web" | awk -v s="web$n" '$4 == s {print $6}' | grep -qx 2 && break
        sleep 0.1
      done
    fi
    ;;
  manage)
    # run a manage.py command with the servers' environment: web.sh manage migrate …
    shift
    web_env
    cd "$ROOT"
    exec .venv/bin/python manage.py "$@"
    ;;
  *) echo "usage : $0 up|down|status [1|2] — ou : $0 manage <commande>" >&2; exit 2 ;;
esac
