"""gunicorn settings, from the environment the container is given."""

import os

from prometheus_client import multiprocess

from app.migrate import FAILURE_MARKER
from app.observability import logging_config

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn.workers.UvicornWorker"
# In-flight requests get this long after SIGTERM; Compose's stop_grace_period is longer.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
timeout = int(os.environ.get("WORKER_TIMEOUT", "60"))
keepalive = 5
# Heartbeat files in shared memory, not on the (read-only) root filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn's control socket (gunicornc) defaults to $HOME, which for the
# image's user is /nonexistent on a read-only root: it logged an ERROR at
# every start. The tmpfs keeps it working: inv exec api "gunicornc -s /tmp/gunicorn.ctl".
control_socket = "/tmp/gunicorn.ctl"
accesslog = None
logconfig_dict = logging_config(os.environ.get("APP_LOG_LEVEL", "INFO").upper())


def child_exit(server, worker):
    # A dead worker's live gauges must not linger in the sum.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    # Stopped by a failed start-up migration: exit non-zero so Compose, a
    # restart policy and `inv up` see a failure, not a clean stop.
    if FAILURE_MARKER.exists():
        server.log.error("exiting after a failed start-up migration: %s", FAILURE_MARKER.read_text()[:300])
        os._exit(1)
