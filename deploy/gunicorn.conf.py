"""gunicorn settings for safegrid (deploy/systemd/safegrid.service runs gunicorn -c this file).

Environment: SAFEGRID_BIND (default 127.0.0.1:8000, behind nginx), SAFEGRID_WORKERS (2 x cores),
SAFEGRID_THREADS (1 = sync workers; more = gthread), PROMETHEUS_MULTIPROC_DIR (set by the unit).
"""

import multiprocessing
import os
import shutil

bind = os.environ.get("SAFEGRID_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SAFEGRID_WORKERS", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("SAFEGRID_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# Exports and imports of a whole county take a while; nginx waits 120 s (deploy/nginx/safegrid.conf).
timeout = 120
graceful_timeout = 30
# A worker leaves after this many requests (plus jitter), so a slow leak never grows for weeks.
max_requests = 5000
max_requests_jitter = 500
# nginx logs every request with its $request_id; the application logs to stderr (journald).
accesslog = None
errorlog = "-"
forwarded_allow_ips = "127.0.0.1,::1"
# No gunicornc control socket (it would go to $HOME, read-only under systemd): reload with
# `systemctl reload safegrid` (HUP) instead.
control_socket_disable = True


def on_starting(server):
    """Prometheus multiprocess mode: start from an empty folder (old workers' files would be summed)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    """A worker that left: its live gauges no longer count (its counters stay in the sum)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
