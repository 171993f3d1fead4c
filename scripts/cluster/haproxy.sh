#!/usr/bin/env bash
# HAProxy (Debian) on 127.0.0.1:28000 in front of the two gunicorn instances (web.sh): round robin,
# a health check every second (an instance that stops answering is out after 2 failures, back after
# 2 successes), a request whose connection is refused is sent to the other instance (retries +
# redispatch: the request never reached the first one, so even a POST is safe to resend),
# X-Forwarded-For added and X-Forwarded-Proto set (never the client's own).
# Usage: haproxy.sh up|down|status
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT=28000
DIR="$CLUSTER_DIR/haproxy"
PIDFILE="$DIR/haproxy.pid"
CFG="$DIR/haproxy.cfg"
mkdir -p "$DIR"

write_config() {
  cat >"$CFG" <<CFG
global
    log stdout format raw local0 notice
    maxconn 2000
    stats socket $DIR/admin.sock mode 600 level admin

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 2s
    timeout client 60s
    timeout server 120s
    timeout http-request 10s
    retries 3
    option redispatch 1

frontend formarche
    bind 127.0.0.1:$PORT
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /compte/connexion/ ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 maxconn 32
    server web1 127.0.0.1:28001 check
    server web2 127.0.0.1:28002 check
CFG
}

case "${1:-}" in
  up)
    if pid_alive "$PIDFILE"; then
      echo "HAProxy est déjà en marche (127.0.0.1:$PORT)."
    else
      command -v haproxy >/dev/null || { echo "haproxy est absent (apt-get install -y haproxy)." >&2; exit 1; }
      refuse_port "$PORT" "HAProxy"
      write_config
      haproxy -c -q -f "$CFG"
      haproxy -f "$CFG" -D -p "$PIDFILE" >>"$DIR/haproxy.log" 2>&1
      wait_port "$PORT" 10 || { echo "HAProxy ne répond pas sur 127.0.0.1:$PORT (voir $DIR/haproxy.log)." >&2; exit 1; }
      echo "HAProxy en marche sur 127.0.0.1:$PORT (→ 28001, 28002)."
    fi
    env_set CLUSTER_URL "http://127.0.0.1:$PORT"
    env_set CLUSTER_HAPROXY_SOCKET "$DIR/admin.sock"
    ;;
  down)
    stop_pid "$PIDFILE" 10
    env_unset CLUSTER_URL CLUSTER_HAPROXY_SOCKET
    echo "HAProxy arrêté."
    ;;
  status)
    status_line "HAProxy" "$PORT" "$PIDFILE"
    ;;
  *) echo "usage : $0 up|down|status" >&2; exit 2 ;;
esac
