#!/usr/bin/env bash
# The cluster's S3 server (issue #15): moto in server mode on 127.0.0.1:29000, with the bucket of
# every stored file (invoices, signed invoices, titres de reversement, imports, documents).
#
#   scripts/cluster/s3.sh up|down|status
#
# up      starts moto_server (log and pid under var/cluster/s3/), creates the private bucket, and
#         writes its `export S3_...=` lines into var/cluster/env (its own lines only). Idempotent:
#         run again, it keeps the server and makes sure the bucket exists.
# down    stops the server and removes its lines from var/cluster/env.
# status  whether it runs, and how many objects the bucket holds.
#
# moto keeps its data IN MEMORY: stopping the server loses every object (the database rows then
# name files that no longer exist; their pages answer « Fichier introuvable »). That is acceptable
# for the cluster's test journey, not for production, where S3_* point at a real S3-compatible
# service (docs/adr/0012-object-storage.md). moto checks no credentials; the ones written below
# only keep the settings complete. Overridable: FORMARCHE_S3_PORT, FORMARCHE_CLUSTER_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_DIR="${FORMARCHE_CLUSTER_DIR:-$ROOT/var/cluster}"
PORT="${FORMARCHE_S3_PORT:-29000}"
DIR="$CLUSTER_DIR/s3"
PIDFILE="$DIR/moto.pid"
LOG="$DIR/moto.log"
ENV_FILE="$CLUSTER_DIR/env"
PYTHON="$ROOT/.venv/bin/python"
MOTO="$ROOT/.venv/bin/moto_server"
[ -x "$MOTO" ] || MOTO="$(command -v moto_server || true)"

ENDPOINT="http://127.0.0.1:$PORT"
BUCKET="formarche-cluster"
REGION="eu-west-3"
ACCESS_KEY="formarche-cluster"
SECRET_KEY="formarche-cluster-secret"

die() { echo "s3.sh : $*" >&2; exit 1; }
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

env_write() {  # replace this script's S3_* lines of var/cluster/env, keep everybody else's
  mkdir -p "$CLUSTER_DIR"
  touch "$ENV_FILE"
  grep -v -E '^export S3_(BUCKET|ENDPOINT_URL|ACCESS_KEY_ID|SECRET_ACCESS_KEY|REGION)=' "$ENV_FILE" >"$ENV_FILE.tmp" || true
  if [ "${1:-}" = set ]; then
    {
      echo "export S3_BUCKET=$BUCKET"
      echo "export S3_ENDPOINT_URL=$ENDPOINT"
      echo "export S3_ACCESS_KEY_ID=$ACCESS_KEY"
      echo "export S3_SECRET_ACCESS_KEY=$SECRET_KEY"
      echo "export S3_REGION=$REGION"
    } >>"$ENV_FILE.tmp"
  fi
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

bucket() {  # bucket ensure|count
  "$PYTHON" - "$1" "$ENDPOINT" "$BUCKET" "$REGION" "$ACCESS_KEY" "$SECRET_KEY" <<'PY'
import sys

import boto3
from botocore.exceptions import ClientError

action, endpoint, bucket, region, key, secret = sys.argv[1:]
s3 = boto3.client(
    "s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=key, aws_secret_access_key=secret
)
if action == "ensure":
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    # Private: no public ACL on the bucket, public access blocked.
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
else:
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        count += page.get("KeyCount", 0)
    print(count)
PY
}

case "${1:-}" in
  up)
    mkdir -p "$DIR"
    if pid_alive; then
      echo "Le serveur S3 (moto) est déjà en marche ($ENDPOINT)."
    else
      [ -n "$MOTO" ] || die "moto_server est introuvable (pip install 'moto[server]', voir requirements.lock)."
      if port_taken "$PORT"; then
        die "le port 127.0.0.1:$PORT est déjà pris : le serveur S3 ne peut pas démarrer. Libérez-le ou choisissez un autre port (FORMARCHE_S3_PORT). Rien n'a été démarré."
      fi
      nohup "$MOTO" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
      echo $! >"$PIDFILE"
      for _ in $(seq 200); do port_taken "$PORT" && break; pid_alive || break; sleep 0.1; done
      port_taken "$PORT" || { rm -f "$PIDFILE"; die "le serveur S3 ne répond pas sur $ENDPOINT (voir $LOG)."; }
      echo "Serveur S3 (moto, données en mémoire) en marche sur $ENDPOINT."
    fi
    bucket ensure || die "le seau $BUCKET n'a pas pu être créé (voir $LOG)."
    env_write set
    echo "Seau privé « $BUCKET » prêt ; S3_* écrits dans $ENV_FILE."
    ;;
  down)
    if pid_alive; then
      pid="$(cat "$PIDFILE")"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    [ -f "$ENV_FILE" ] && env_write unset
    echo "Serveur S3 arrêté (ses objets, gardés en mémoire, sont perdus)."
    ;;
  status)
    if pid_alive; then
      echo "S3 (moto) : en marche ($ENDPOINT, pid $(cat "$PIDFILE")), seau « $BUCKET » : $(bucket count 2>/dev/null || echo '?') objet(s)"
    else
      echo "S3 (moto) : arrêté"
    fi
    ;;
  *)
    echo "usage : $0 up|down|status" >&2
    exit 2
    ;;
esac
