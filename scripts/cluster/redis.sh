#!/usr/bin/env bash
# The cluster's own Redis (cache and sessions), 127.0.0.1:26379 — never the machine's 6379.
# No persistence (--save "" --appendonly no): nothing in it is the only copy of anything (sessions
# are also in the database, cached figures are recomputed), so a restart simply empties it
# (docs/adr/0014-cache-sessions-and-proxy.md).  Usage: redis.sh up|down|status
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT="${CLUSTER_REDIS_PORT:-26379}"
DIR="$CLUSTER_DIR/redis"
PIDFILE="$DIR/redis.pid"
mkdir -p "$DIR"

case "${1:-}" in
  up)
    if pid_alive "$PIDFILE"; then
      echo "Redis est déjà en marche (127.0.0.1:$PORT)."
    else
      command -v redis-server >/dev/null || { echo "redis-server est absent (apt-get install -y redis-server)." >&2; exit 1; }
      refuse_port "$PORT" "Redis"
      redis-server --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no --dir "$DIR" \
        --daemonize yes --pidfile "$PIDFILE" --logfile "$DIR/redis.log" --protected-mode yes
      wait_port "$PORT" 10 || { echo "Redis ne répond pas sur 127.0.0.1:$PORT (voir $DIR/redis.log)." >&2; exit 1; }
      for _ in $(seq 50); do [ -s "$PIDFILE" ] && break; sleep 0.1; done
      echo "Redis en marche sur 127.0.0.1:$PORT."
    fi
    env_set REDIS_URL "redis://127.0.0.1:$PORT/0"
    ;;
  down)
    stop_pid "$PIDFILE" 10
    env_unset REDIS_URL
    echo "Redis arrêté."
    ;;
  status)
    status_line "Redis" "$PORT" "$PIDFILE"
    ;;
  *)
    echo "usage : $0 up|down|status" >&2
    exit 2
    ;;
esac
