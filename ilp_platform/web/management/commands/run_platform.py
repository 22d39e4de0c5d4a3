"""Run the embedded platform: web server and a real Celery worker (with beat) side by side.

Used by ``make run``. Ctrl-C (or SIGTERM) stops both.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with a Celery worker and scheduler beside it; Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **options):
        python = sys.executable
        worker = subprocess.Popen(  # noqa: S603 - fixed argument list, our own interpreter
            [
                python,
                "-m",
                "celery",
                "-A",
                "ilp_platform",
                "worker",
                "-B",
                "--loglevel=INFO",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
            ]
        )
        web = subprocess.Popen(  # noqa: S603
            [python, "manage.py", "runserver", "--noreload", f"{options['host']}:{options['port']}"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Platform at http://{options['host']}:{options['port']}/ (Ctrl-C stops it)"
            )
        )
        children = [web, worker]

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()

        signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            self.stderr.write("A component stopped; shutting the platform down.")
        except KeyboardInterrupt:
            pass
        finally:
            stop()
