"""gunicorn settings of formarche (``gunicorn -c config/gunicorn.py config.wsgi``).

gthread: a few processes, each with a few threads — pages wait on PostgreSQL and Redis, threads
overlap those waits; processes use the cores (the GIL). Behind HAProxy (scripts/cluster/haproxy.sh)
on the same host, so only 127.0.0.1 may set X-Forwarded-* headers. Every value can be changed by
an environment variable of the same name in capitals, prefixed with GUNICORN_.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
proc_name = os.environ.get("GUNICORN_PROC_NAME", "formarche")
