"""A real Celery worker process for the tests that need one (one helper, not a copy per test).

The worker runs the platform's own code on the configured broker (or one the test names) and
on the test's own database, with tasks sent for real (not eagerly).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The URL of the database the test runs on, for a process started beside it."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


class CeleryWorker:
    """A worker process: ``start(name)``, then ``stop()`` (or ``kill()`` to simulate a crash).

    ``env`` overrides the test's own environment (a broker URL, a data directory...), or is
    the whole environment with ``whole_env=True``; the worker's output goes to ``log_path``,
    which a failing test prints.
    """

    def __init__(self, log_path, env: dict | None = None, *, whole_env: bool = False):
        self.log_path = log_path
        self.env = env or {}
        self.whole_env = whole_env
        self.process: subprocess.Popen | None = None

    def start(self, name: str = "test") -> CeleryWorker:
        if self.whole_env:
            env = dict(self.env)
        else:
            env = dict(os.environ)
            env.update(DATABASE_URL=database_url(), CELERY_TASK_ALWAYS_EAGER="false")
            env.update(self.env)
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ilp_platform",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=open(self.log_path, "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        return self

    def log(self) -> str:
        try:
            return open(self.log_path).read()
        except OSError:
            return ""

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextlib.contextmanager
def celery_worker(log_path, name: str = "test", env: dict | None = None, whole_env=False):
    """A worker for the duration of the block."""
    worker = CeleryWorker(log_path, env, whole_env=whole_env).start(name)
    try:
        yield worker
    finally:
        worker.stop()


@contextlib.contextmanager
def sending_tasks():
    """Tasks sent inside the block go to the broker instead of running eagerly."""
    from ilp_platform.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
