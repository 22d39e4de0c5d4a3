"""The platform as a user meets it: migrated, seeded, served over HTTP with a real worker.

The journeys do not use the pytest-django test database. They start the platform's own
processes (web server and Celery worker) on a database of their own, so what the browser sees
is what ``make run`` or a deployment serves: the same settings path, the same broker, the same
seed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "results" / "e2e"
DEMO_PASSWORD = "e2e-demo-password-7f3a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_database(url: str, name: str) -> str:
    """Create (or recreate) a database for the journeys beside the configured one."""
    import psycopg

    parsed = urlparse(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


@dataclass
class Platform:
    base_url: str
    env: dict
    data_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def manage(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def enrolment_code(self, username: str) -> str:
        """A one-time two-factor enrolment code for ``username``, issued on the server."""
        result = self.manage("issue_enrolment_code", username, timeout=120)
        found = re.search(r"Enrolment code for \S+: ([A-Z0-9-]+)", result.stdout)
        if result.returncode != 0 or not found:
            raise RuntimeError(f"issue_enrolment_code {username} failed:\n{result.stderr[-2000:]}")
        return found.group(1)

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for log in self.logs:
            if log.exists():
                text = log.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {log.name} ---\n" + "\n".join(text))
        return "\n".join(out)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def start_platform(seed: tuple[str, ...] = ("seed_demo",)) -> Platform:
    data_dir = Path(tempfile.mkdtemp(prefix="ilp-e2e-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_SETTINGS"))
    }
    env.update(
        ILP_ENV="development",
        ILP_DATA_DIR=str(data_dir),
        DEMO_PASSWORD=DEMO_PASSWORD,
        CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_SETTINGS_MODULE="ilp_platform.settings",
        PYTHONUNBUFFERED="1",
        JOB_SWEEP_SECONDS="10",
        JOB_REQUEUE_SECONDS="15",
        # As in production: managers, oversight and administrators enrol a second factor.
        TWO_FACTOR_ENFORCED=os.environ.get("E2E_TWO_FACTOR_ENFORCED", "true"),
    )
    env.pop("TEST_DATABASE_NAME", None)
    if os.environ.get("DATABASE_URL"):
        # One database per parallel test process, should the journeys ever be spread out.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        name = f"e2e_{os.environ.get('TEST_DATABASE_NAME', 'ilp')}{worker}"
        env["DATABASE_URL"] = _postgres_database(os.environ["DATABASE_URL"], name)
    if os.environ.get("REDIS_URL"):
        parsed = urlparse(os.environ["REDIS_URL"])
        env["REDIS_URL"] = parsed._replace(path="/8").geturl()
    port = free_port()
    platform = Platform(base_url=f"http://127.0.0.1:{port}", env=env, data_dir=data_dir)
    for step in (("migrate", "--noinput", "-v", "0"), seed):
        result = platform.manage(*step)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(step)} failed:\n{result.stderr[-4000:]}")
    web_log, worker_log = data_dir / "web.log", data_dir / "worker.log"
    platform.logs = [web_log, worker_log]
    platform.processes.append(
        subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=open(web_log, "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
    )
    platform.processes.append(
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ilp_platform",
                "worker",
                "-B",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"e2e-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(worker_log, "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{platform.base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return platform
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    platform.stop()
    raise RuntimeError(f"the platform did not answer /healthz:\n{platform.log_tail()}")


def attach_platform(base_url: str) -> Platform:
    """A platform someone else started (its logs named by ``E2E_LOG_DIR`` when set)."""
    log_dir = Path(os.environ.get("E2E_LOG_DIR", tempfile.gettempdir()))
    env = dict(os.environ)
    # ``manage`` (an enrolment code, for instance) must reach the same data as the server.
    if os.environ.get("E2E_LOG_DIR") and not os.environ.get("DATABASE_URL"):
        env.setdefault("ILP_DATA_DIR", str(log_dir))
    platform = Platform(base_url=base_url.rstrip("/"), env=env, data_dir=log_dir)
    platform.logs = [log_dir / "web.log", log_dir / "worker.log"]
    return platform


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


if __name__ == "__main__":
    # Start the platform as the journeys do and keep it running: then run the journeys against
    # it with E2E_BASE_URL=<printed address> E2E_LOG_DIR=<printed folder>. SIGTERM or Ctrl-C
    # stops the web server and the worker too.
    import signal

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    running = start_platform()
    print(f"E2E_BASE_URL={running.base_url} E2E_LOG_DIR={running.data_dir}", flush=True)
    try:
        while all(proc.poll() is None for proc in running.processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
