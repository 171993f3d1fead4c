# Helpers shared by the cluster scripts of scripts/cluster/ (sourced, not run).
# Everything lives under var/cluster/ and listens on 127.0.0.1 only.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_DIR="$ROOT/var/cluster"
ENV_FILE="$CLUSTER_DIR/env"
mkdir -p "$CLUSTER_DIR"

# port_taken PORT: true when something listens on 127.0.0.1:PORT
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# refuse_port PORT WHAT: a clear French refusal (exit 1) when the port is taken by somebody else
refuse_port() {
  if port_taken "$1"; then
    echo "Le port 127.0.0.1:$1 est déjà pris ($2 ne peut pas démarrer) : libérez-le ou arrêtez ce qui l'écoute." >&2
    exit 1
  fi
}

# wait_port PORT SECONDS: wait until something listens on the port
wait_port() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    port_taken "$1" && return 0
    sleep 0.1
  done
  return 1
}

# pid_alive FILE: the process of a pid file is running
pid_alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop_pid FILE [SECONDS]: TERM the process of a pid file, KILL it after SECONDS, remove the file
stop_pid() {
  local pid i
  [ -f "$1" ] || return 0
  pid="$(cat "$1")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < ${2:-10} * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

# env_set NAME VALUE: write (or replace) `export NAME=VALUE` in var/cluster/env
env_set() {
  touch "$ENV_FILE"
  grep -v "^export $1=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
  printf 'export %s=%q\n' "$1" "$2" >>"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# env_unset NAME...: remove these variables from var/cluster/env
env_unset() {
  [ -f "$ENV_FILE" ] || return 0
  local name
  for name in "$@"; do
    grep -v "^export $name=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
    mv "$ENV_FILE.tmp" "$ENV_FILE"
  done
}

# status_line NAME PORT PIDFILE: one line « nom : en marche / arrêté »
status_line() {
  if pid_alive "$3"; then
    echo "$1 : en marche (127.0.0.1:$2, pid $(cat "$3"))"
  else
    echo "$1 : arrêté"
  fi
}

# haproxy_cmd COMMAND: one command on HAProxy's admin socket (var/cluster/haproxy/admin.sock), its answer
haproxy_cmd() {
  local sock="$CLUSTER_DIR/haproxy/admin.sock"
  [ -S "$sock" ] || return 1
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
print(s.makefile().read(), end="")' "$sock" "$1"
}
