"""Benchmark runner: every figure is a ratio against a reference measured in the same run.

``python -m benchmarks.run --scale M`` (``make bench SCALE=M``): builds ``bench_m`` with the
seeded generator when it is missing or was built differently, runs the six measurements, prints
one table and writes ``benchmarks/results/<scale>-<date>.json`` and ``.md``. A goal that is
missed is marked so; a measurement that cannot run says why instead of giving a figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.common import (
    DATA_VERSION,
    RESULTS,
    ROOT,
    SCALES,
    Scale,
    database_url,
    libpq_url,
    server_url,
    setup_django,
)

JUSTIFICATION = "OP-BENCH performance measurement"
# A search term no generated report contains (row 3 measures it beside the planted ones).
NO_MATCH_TERM = "quagmire"
CLIENTS = 4  # concurrent HTTP clients
# gunicorn workers per web server: what the image runs (``WEB_CONCURRENCY``, default 3).
WEB_WORKERS = int(os.environ.get("WEB_CONCURRENCY") or 3)


@dataclass
class Row:
    number: str
    measure: str
    figure: str = ""
    reference: str = ""
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None
    note: str = ""
    skipped: str = ""
    values: dict = field(default_factory=dict)
    # On what machine and under what load the row was measured (``LoadProbe``).
    machine: str = ""

    def ratio_text(self) -> str:
        return "" if self.ratio is None else f"{self.ratio:.2f}"

    def met_text(self) -> str:
        if self.skipped:
            return "skipped"
        if self.met is None:
            return "—"
        return "yes" if self.met else "**MISSED**"


def _goal(ratio: float, op: str, target: float) -> bool:
    return ratio >= target if op == ">=" else ratio <= target


# --- Machine and load -----------------------------------------------------------------------------


def _host_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot (``/proc/stat``)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, short command, CPU seconds used) for every process."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        parts = rest.split()
        found[int(entry.name)] = (
            int(parts[1]),
            command.strip() or name,
            (int(parts[11]) + int(parts[12])) / tick,
        )
    return found


def _label(command: str) -> str:
    """A short name for a process: ``pytest``, ``postgres test_ilp``, ``celery``..."""
    if command.startswith("postgres:"):
        words = command.split()
        return f"postgres {words[3]}" if len(words) > 3 else "postgres"
    for known in ("pytest", "celery", "gunicorn", "playwright", "chromium", "ruff", "mypy"):
        if known in command:
            return known
    if "exec(eval(sys.stdin" in command:
        return "pytest-xdist worker"  # execnet's bootstrap
    words = command.split()
    if "-m" in words[:-1]:
        return words[words.index("-m") + 1][:30]
    return Path(words[0]).name[:20] if words else command[:20]


class LoadProbe:
    """What else used the machine while a measurement ran.

    Load average before and after, how busy the whole machine was, and the CPU other
    processes took: everything but this runner, its children (the web servers, ``psql``) and
    the PostgreSQL backends serving the benchmark database.
    """

    def __init__(self, database: str):
        self.database = database
        self.load = os.getloadavg()[0]
        self.cpu = _host_cpu()
        self.before = _processes()
        self.started = time.monotonic()

    def _ours(self, table: dict) -> set[int]:
        ours = {os.getpid()}
        grew = True
        while grew:
            grew = False
            for pid, (parent, _command, _cpu) in table.items():
                if pid not in ours and parent in ours:
                    ours.add(pid)
                    grew = True
        for pid, (_parent, command, _cpu) in table.items():
            words = command.split()
            if command.startswith("postgres:") and self.database in words[3:4]:
                ours.add(pid)
        return ours

    def finish(self) -> dict:
        after = _processes()
        seconds = max(1e-6, time.monotonic() - self.started)
        busy, total = _host_cpu()
        cpus = os.cpu_count() or 1
        host = 100.0 * (busy - self.cpu[0]) / max(1, total - self.cpu[1])
        ours = self._ours(after) | self._ours(self.before)
        others: dict[str, float] = {}
        for pid, (_parent, command, cpu) in after.items():
            if pid in ours:
                continue
            used = cpu - self.before.get(pid, (0, "", 0.0))[2]
            if used > 0.05:
                label = _label(command)
                others[label] = others.get(label, 0.0) + used
        share = 100.0 * sum(others.values()) / (seconds * cpus)
        named = sorted(others.items(), key=lambda item: -item[1])[:3]
        return {
            "cpus": cpus,
            "load": [round(self.load, 2), round(os.getloadavg()[0], 2)],
            "host_busy_percent": round(host, 1),
            "others_percent": round(share, 1),
            "others": {name: round(used, 1) for name, used in named},
            "seconds": round(seconds, 1),
        }


def load_text(probe: dict) -> str:
    others = ", ".join(name for name in probe["others"] if probe["others"][name] >= 0.5)
    text = (
        f"{probe['cpus']} CPUs; load {probe['load'][0]:.1f}→{probe['load'][1]:.1f}; "
        f"busy {probe['host_busy_percent']:.0f}%, others {probe['others_percent']:.0f}%"
    )
    return text + (f" ({others})" if others else "")


class Context:
    def __init__(self, scale: Scale, name: str, tmp: Path, log):
        self.scale, self.name, self.tmp, self.log = scale, name, tmp, log
        self.kinds: list[str] = []  # analysis kinds to measure (row 4); empty: all of them
        self.url = database_url(name)
        from ilp_platform.accounts.models import User

        self.analyst = User.objects.get(username="bench-analyst")
        self.everyone = User.objects.get(username="bench-all")

    def acting(self, user):
        from ilp_platform.core import context

        return context.acting(user=user, justification=JUSTIFICATION, via="command")


# --- 1. Import ------------------------------------------------------------------------------------


def _import_file(path: Path, rows: int, seed: int, prefix: str, bad_line: int | None = None):
    rng = np.random.default_rng(seed)
    slugs = np.array(["burglary", "robbery", "vehicle-crime", "drugs", "theft", "asb"])
    base = np.datetime64("2025-01-01T00:00:00", "s")
    chunk = 200_000
    with open(path, "w", encoding="utf-8") as out:
        out.write("reference,crime_type,occurred_from,occurred_to,latitude,longitude,address\n")
        for first in range(0, rows, chunk):
            n = min(chunk, rows - first)
            when = np.datetime_as_string(
                base + rng.integers(0, 730 * 86400, n).astype("timedelta64[s]"), unit="s"
            )
            lat = (51.45 + rng.normal(0, 0.03, n)).round(6).astype(str)
            if bad_line is not None and first <= bad_line - 2 < first + n:
                lat[bad_line - 2 - first] = "95.5"
            lon = (-2.59 + rng.normal(0, 0.05, n)).round(6).astype(str)
            lines = zip(
                [f"{prefix}-{first + k:09d}" for k in range(n)],
                rng.choice(slugs, n),
                when,
                [""] * n,
                lat,
                lon,
                [f"{k % 991} Lane" for k in range(n)],
                strict=True,
            )
            out.write("\n".join(map(",".join, lines)) + "\n")


# The reference table: the incident table's shape for this file (crime type as its code),
# with the same indexes and the same deferred foreign-key checks, so both sides pay for them.
_RAW_TABLE = """
CREATE TABLE bench_raw_incident (
    id bigserial PRIMARY KEY,
    reference varchar(50) NOT NULL UNIQUE,
    crime_type varchar(50) NOT NULL REFERENCES intelligence_crimetype (slug)
        DEFERRABLE INITIALLY DEFERRED,
    occurred_from timestamptz NOT NULL,
    occurred_to timestamptz,
    latitude double precision NOT NULL,
    longitude double precision NOT NULL,
    address varchar(300) NOT NULL,
    compartment_id bigint NOT NULL DEFAULT %(compartment)s REFERENCES accounts_compartment (id)
        DEFERRABLE INITIALLY DEFERRED,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON bench_raw_incident (occurred_from);
CREATE INDEX ON bench_raw_incident (crime_type, occurred_from);
CREATE INDEX ON bench_raw_incident (compartment_id, occurred_from);
CREATE INDEX ON bench_raw_incident (crime_type);
CREATE INDEX ON bench_raw_incident (compartment_id);
"""


def _psql_copy(ctx: Context, path: Path) -> float:
    psql = shutil.which("psql")
    if psql is None:
        raise RuntimeError("psql is not installed: the raw COPY reference needs it")
    command = (
        "\\copy bench_raw_incident (reference, crime_type, occurred_from, occurred_to, latitude, "
        f"longitude, address) FROM '{path}' WITH (FORMAT csv, HEADER true)"
    )
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - fixed arguments
        [psql, libpq_url(ctx.url), "-q", "-v", "ON_ERROR_STOP=1", "-c", command],
        check=True,
        capture_output=True,
    )
    return time.monotonic() - started


def measure_import(ctx: Context) -> list[Row]:
    from django.db import connection

    from ilp_platform.accounts.models import Compartment
    from intelligence.imports import services
    from intelligence.models import ImportJob, Incident

    n = ctx.scale.import_rows
    path = ctx.tmp / "import.csv"
    run = secrets.token_hex(3)
    _import_file(path, n, 7, f"BIMP-{run}")
    size_mb = path.stat().st_size / 1e6
    compartment = Compartment.objects.visible_to(ctx.analyst).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_incident")
        cursor.execute(_RAW_TABLE % {"compartment": int(compartment.pk)})
        cursor.execute("SELECT coalesce(max(id), 0) FROM intelligence_incident")
        last_id = cursor.fetchone()[0]
    ctx.log(f"  import: {n:,} rows ({size_mb:.0f} MB); raw COPY with psql")
    raw_seconds = [_psql_copy(ctx, path)]
    try:
        ctx.log("  import: through the product (upload checks, validation, load)")
        started = time.monotonic()
        with ctx.acting(ctx.analyst), open(path, "rb") as handle:
            job = services.import_file(
                actor=ctx.analyst,
                upload=handle,
                file_name=path.name,
                size=path.stat().st_size,
                compartment=compartment,
                enqueue=False,
            )
            services.run_import(job.pk)
        product_seconds = time.monotonic() - started
        job = ImportJob.objects.get(pk=job.pk)
        if job.status != "succeeded" or job.rows_inserted != n:
            raise RuntimeError(f"the import did not load every row: {job.message}")
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_raw_incident")
        raw_seconds.append(_psql_copy(ctx, path))  # again after, to even out drift
        # One bad row among them all: refused with its line number, nothing loaded.
        bad_line = 2 + (n * 2) // 3
        bad_path = ctx.tmp / "import-bad.csv"
        _import_file(bad_path, n, 8, f"BBAD-{run}", bad_line=bad_line)
        started = time.monotonic()
        with ctx.acting(ctx.analyst), open(bad_path, "rb") as handle:
            bad = services.import_file(
                actor=ctx.analyst,
                upload=handle,
                file_name=bad_path.name,
                size=bad_path.stat().st_size,
                compartment=compartment,
                enqueue=False,
            )
            services.run_import(bad.pk)
        bad_seconds = time.monotonic() - started
        bad = ImportJob.objects.get(pk=bad.pk)
        refused_ok = (
            bad.status == "failed"
            and bad.rows_refused == 1
            and bad.error_report[0]["line"] == bad_line
            and not Incident.objects.filter(reference__startswith=f"BBAD-{run}").exists()
        )
        bad_path.unlink(missing_ok=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_raw_incident")
            cursor.execute("DELETE FROM intelligence_incident WHERE id > %s", [last_id])
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE intelligence_incident")
        path.unlink(missing_ok=True)
    raw = statistics.mean(raw_seconds)
    product_rate, raw_rate = n / product_seconds, n / raw
    ratio = product_rate / raw_rate
    result = job.result or {}
    return [
        Row(
            "1",
            f"Import {n:,} incident rows (CSV, {size_mb:.0f} MB)",
            f"{product_rate:,.0f} rows/s",
            f"{raw_rate:,.0f} rows/s (psql \\copy, same indexes and keys)",
            ratio,
            ">= 0.5",
            _goal(ratio, ">=", 0.5),
            (
                f"product {product_seconds:.1f}s (checks {result.get('check_seconds', 0):.1f}s); "
                f"raw {raw:.1f}s; one bad row of {n:,} refused at line {bad_line:,} "
                f"in {bad_seconds:.1f}s, nothing loaded: {'yes' if refused_ok else 'NO'}"
            ),
            values={
                "rows": n,
                "product_seconds": product_seconds,
                "raw_seconds": raw_seconds,
                "bad_row_refused": refused_ok,
                "bad_row_seconds": bad_seconds,
            },
        )
    ]


# --- 2, 3. HTTP -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebServer:
    """A gunicorn server on the benchmark database with production-like settings."""

    def __init__(self, ctx: Context, audit_off: bool, workers: int = WEB_WORKERS):
        self.port = _free_port()
        self.workers = workers
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DATABASE_URL": ctx.url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "ILP_DATA_DIR": str(ctx.tmp / ("web-off" if audit_off else "web")),
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
            "ILP_BENCH_AUDIT_OFF": "1" if audit_off else "0",
        }
        # Production settings need Redis; without it the development profile (DEBUG off).
        env["ILP_ENV"] = "production" if os.environ.get("REDIS_URL") else "development"
        self.profile = env["ILP_ENV"]
        self.log = open(ctx.tmp / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--chdir",
                str(ROOT),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "ilp_platform.wsgi:application",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait()

    def _wait(self) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log.name}")
            try:
                requests.get(self.base + "/api/v1/", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _throughput(base: str, paths: list[str], headers: dict, seconds: float) -> tuple[float, int]:
    import requests

    deadline = time.monotonic() + seconds

    def client(offset: int) -> tuple[int, int]:
        session = requests.Session()
        done = errors = 0
        index = offset
        while time.monotonic() < deadline:
            response = session.get(base + paths[index % len(paths)], headers=headers, timeout=30)
            index += CLIENTS
            if response.status_code == 200:
                done += 1
            else:
                errors += 1
        return done, errors

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    elapsed = time.monotonic() - started
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def _latencies(base: str, path: str, headers: dict, samples: int) -> list[float]:
    import requests

    session = requests.Session()
    session.get(base + path, headers=headers, timeout=60)  # warm
    times = []
    for _ in range(samples):
        started = time.monotonic()
        response = session.get(base + path, headers=headers, timeout=60)
        times.append(time.monotonic() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
    return times


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def _deep_cursor(position: int) -> str:
    import base64
    from urllib.parse import urlencode

    query = urlencode({"p": str(position)}, doseq=True)
    return base64.b64encode(query.encode("ascii")).decode("ascii")


def _audited_ratio(
    ctx: Context,
    audited: WebServer,
    unaudited: WebServer,
    label: str,
    paths: list[str],
    headers: dict,
    seconds: float,
) -> Row:
    rates: dict[str, list[float]] = {"on": [], "off": []}
    errors = 0
    for server in (audited, unaudited):  # warm every worker (imports, connections)
        _throughput(server.base, paths, headers, 1.0)
    # Alternate on/off/off/on so both see the same machine conditions.
    for server, key in (
        (audited, "on"),
        (unaudited, "off"),
        (unaudited, "off"),
        (audited, "on"),
    ):
        rate, failed = _throughput(server.base, paths, headers, seconds / 2)
        rates[key].append(rate)
        errors += failed
    on, off = statistics.mean(rates["on"]), statistics.mean(rates["off"])
    ratio = on / off if off else 0.0
    ctx.log(f"  http {label} ({audited.workers} workers): audited {on:.1f}/s, off {off:.1f}/s")
    return Row(
        "2",
        f"Report {label} over HTTP, {CLIENTS} clients, {audited.workers} workers per server, "
        "audited",
        f"{on:,.1f} req/s",
        f"{off:,.1f} req/s (auditing off)",
        ratio,
        ">= 0.9",
        _goal(ratio, ">=", 0.9) if not errors else False,
        f"{errors} non-200 answers" if errors else f"{audited.profile} settings",
        values={"audited": rates["on"], "unaudited": rates["off"], "workers": audited.workers},
    )


def measure_http(ctx: Context) -> list[Row]:
    from rest_framework.authtoken.models import Token

    from intelligence.models import Report

    token, _created = Token.objects.get_or_create(user=ctx.analyst)
    headers = {"Authorization": f"Token {token.key}", "X-Justification": JUSTIFICATION}
    visible = Report.objects.visible_to(ctx.analyst)
    ids = list(visible.order_by("-id").values_list("id", flat=True)[:2000])
    rng = np.random.default_rng(3)
    detail_paths = [f"/api/v1/reports/{i}/" for i in rng.choice(ids, min(200, len(ids)))]
    list_paths = ["/api/v1/reports/?page_size=50"]
    audited = WebServer(ctx, audit_off=False)
    unaudited = WebServer(ctx, audit_off=True)
    rows: list[Row] = []
    try:
        seconds = ctx.scale.http_seconds
        for label, paths in (("list (50 per page)", list_paths), ("detail", detail_paths)):
            rows.append(_audited_ratio(ctx, audited, unaudited, label, paths, headers, seconds))
        if WEB_WORKERS != 2:
            # The runner's earlier setting, for comparison: two workers per server.
            audited2 = WebServer(ctx, audit_off=False, workers=2)
            unaudited2 = WebServer(ctx, audit_off=True, workers=2)
            try:
                rows.append(
                    _audited_ratio(
                        ctx, audited2, unaudited2, "detail", detail_paths, headers, seconds
                    )
                )
            finally:
                audited2.stop()
                unaudited2.stop()
        # Depth is measured as the person holding every compartment, so it can reach
        # 1,000,000 at scale L (the analyst sees a tenth of the reports).
        everyone, _created = Token.objects.get_or_create(user=ctx.everyone)
        all_headers = {**headers, "Authorization": f"Token {everyone.key}"}
        visible_all = Report.objects.visible_to(ctx.everyone)
        total = visible_all.count()
        depth = min(1_000_000, max(0, total - 100))
        position = visible_all.order_by("-id").values_list("id", flat=True)[depth]
        deep_path = f"/api/v1/reports/?page_size=50&cursor={_deep_cursor(position + 1)}"
        first = _latencies(audited.base, list_paths[0], all_headers, ctx.scale.samples)
        deep = _latencies(audited.base, deep_path, all_headers, ctx.scale.samples)
        ratio = _p(deep, 50) / _p(first, 50)
        rows.append(
            Row(
                "2",
                f"Cursor page at depth {depth:,} (of {total:,} visible reports), p50",
                f"{_p(deep, 50):.1f} ms",
                f"{_p(first, 50):.1f} ms (page 1)",
                ratio,
                "<= 2",
                _goal(ratio, "<=", 2),
                f"p95 {_p(deep, 95):.1f} ms vs {_p(first, 95):.1f} ms",
                values={"deep": deep, "first": first, "depth": depth},
            )
        )
        first = _latencies(audited.base, list_paths[0], headers, ctx.scale.samples)
        rows += _search_rows(ctx, audited, headers, first)
    finally:
        audited.stop()
        unaudited.stop()
    return rows


def _search_rows(ctx: Context, server: WebServer, headers: dict, first: list[float]):
    from django.db import connection

    from benchmarks.generate import SEARCH_TERMS

    rows = []
    for term in (*SEARCH_TERMS, NO_MATCH_TERM):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM intelligence_report "
                "WHERE search_vector @@ plainto_tsquery('english', %s)",
                [term],
            )
            matches = cursor.fetchone()[0]
        times = _latencies(server.base, f"/api/v1/reports/?q={term}", headers, ctx.scale.samples)
        # The goal: every term's p95 within twice the list page's p50.
        ratio = _p(times, 95) / _p(first, 50)
        ctx.log(f"  search {term!r}: p50 {_p(times, 50):.1f} ms, {matches:,} matches")
        rows.append(
            Row(
                "3",
                f"Full-text search {term!r} ({matches:,} matching reports), p50 / p95",
                f"{_p(times, 50):.1f} / {_p(times, 95):.1f} ms",
                f"{_p(first, 50):.1f} ms (list page 1, p50)",
                ratio,
                "<= 2 (p95)",
                _goal(ratio, "<=", 2),
                "API ?q= first page (newest first), audited, restricted to the caller",
                values={"times": times, "matches": matches},
            )
        )
    return rows


# --- 4. Analysis jobs -----------------------------------------------------------------------------

# Rounds of each kind: the job and its reference in turn, the figures their medians. On a
# shared machine one pair is noisy (two near-repeat samples a minute apart at scale L: 3.46x
# and 4.39x); the median of three pairs, each side first in turn, is steadier and favours
# neither side.
ANALYSIS_ROUNDS = 3


def _job_rows_into_pandas(held: list[int], params: dict, source: str) -> tuple[str, dict]:
    """The reference of row 4: loads the rows a job reads into pandas; says what it loaded
    (and, for the network, hands the frames on to the library-direct reference)."""
    import pandas as pd
    from django.db import connection

    with connection.cursor() as cursor:
        if source == "links":
            # A network job reads the explicit links and, for co-occurrence, which entities
            # each report names: the reference loads both.
            cursor.execute(
                "SELECT from_entity_id, to_entity_id, kind, strength FROM intelligence_link "
                "WHERE compartment_id = ANY(%s)",
                [held],
            )
            frame = pd.DataFrame(cursor.fetchall(), columns=["from", "to", "kind", "strength"])
            cursor.execute(
                "SELECT m.report_id, m.entity_id FROM intelligence_reportentity m "
                "JOIN intelligence_report r ON r.id = m.report_id "
                "JOIN intelligence_entity e ON e.id = m.entity_id "
                "WHERE r.compartment_id = ANY(%s) AND e.compartment_id = ANY(%s)",
                [held, held],
            )
            mentions = pd.DataFrame(cursor.fetchall(), columns=["report", "entity"])
            read = f"{len(frame):,} links, {len(mentions):,} report mentions"
            return read, {"links": frame, "mentions": mentions}
        sql = (
            "SELECT occurred_from, occurred_to, latitude, longitude, crime_type_id "
            "FROM intelligence_incident WHERE compartment_id = ANY(%s)"
        )
        args = [held]
        if params.get("date_from"):
            sql += " AND occurred_from >= %s AND occurred_from < %s::date + 1"
            args += [params["date_from"], params["date_to"]]
        cursor.execute(sql, args)
        frame = pd.DataFrame(cursor.fetchall(), columns=["from", "to", "lat", "lon", "crime_type"])
        return f"{len(frame):,} incidents", {}


def _network_library_direct(frames: dict, seed: int = 0) -> str:
    """The network job's second reference: igraph computing the job's measures directly on
    the edge list of the loaded rows (links weighted 3/2/1 by strength, plus one for each
    report naming both entities), with nothing else around it: degree and weighted degree,
    betweenness, closeness, eigenvector centrality, k-cores and Louvain communities."""
    import random

    import igraph
    import pandas as pd

    from analysis.selectors import LINK_WEIGHTS

    links, mentions = frames["links"], frames["mentions"]
    pairs = mentions.merge(mentions, on="report")
    pairs = pairs[pairs["entity_x"] < pairs["entity_y"]]
    together = pairs.groupby(["entity_x", "entity_y"]).size().reset_index(name="weight")
    ties = pd.concat(
        [
            pd.DataFrame(
                {
                    "a": links["from"].to_numpy(),
                    "b": links["to"].to_numpy(),
                    "weight": links["strength"].map(LINK_WEIGHTS).fillna(1.0).to_numpy(),
                }
            ),
            together.rename(columns={"entity_x": "a", "entity_y": "b"}),
        ]
    )
    ties = ties[ties["a"] != ties["b"]]
    low = np.minimum(ties["a"].to_numpy(), ties["b"].to_numpy())
    high = np.maximum(ties["a"].to_numpy(), ties["b"].to_numpy())
    edges = (
        pd.DataFrame({"a": low, "b": high, "weight": ties["weight"].to_numpy(dtype=float)})
        .groupby(["a", "b"], sort=False)["weight"]
        .sum()
        .reset_index()
    )
    if edges.empty:
        return "no ties"
    graph = igraph.Graph.DataFrame(edges, directed=False, use_vids=False)
    weights = graph.es["weight"]
    graph.degree()
    graph.strength(weights=weights)
    graph.betweenness(directed=False)
    graph.closeness(normalized=True)
    graph.eigenvector_centrality(weights=weights, scale=False)
    graph.coreness()
    igraph.set_random_number_generator(random.Random(seed))
    try:
        graph.community_multilevel(weights=weights)
    finally:
        igraph.set_random_number_generator(random)
    return f"{graph.vcount():,} entities, {graph.ecount():,} ties"


def measure_analysis(ctx: Context) -> list[Row]:
    try:
        from analysis.services.jobs import execute_job, request_job
    except ImportError as exc:
        return [Row("4", "Analysis jobs", skipped=f"analysis jobs are not available ({exc})")]

    from ilp_platform.accounts.models import Compartment

    user = ctx.analyst
    held = list(Compartment.objects.visible_to(user).values_list("pk", flat=True))
    window = {"date_from": "2026-10-01", "date_to": "2026-12-31"}
    plans = {
        "hotspot": ({}, "incidents"),
        "temporal": ({}, "incidents"),
        "trend": ({}, "incidents"),
        "near_repeat": (window, "incidents"),
        "network": ({}, "links"),
    }
    kinds = ctx.kinds or list(plans)
    # Every kind's module and what it imports (scipy, esda, igraph ...) loaded before any
    # timing, so the first job measured does not pay the imports of all of them.
    from analysis.kinds import registry

    registry.kinds()
    import analysis.algorithms.near_repeat
    import analysis.algorithms.network  # noqa: F401

    # The compiled near-repeat kernel as a worker has it when it takes jobs (compiled or loaded
    # from the cache at its start), not compiled inside the first job measured.
    kernel = analysis.algorithms.near_repeat.compiled_kernel()
    if kernel is not None:
        kernel.warm_up()

    rows = []
    for kind in kinds:
        params, source = plans[kind]
        label = f"Analysis job {kind}"
        jobs, loads, libraries = [], [], []
        skipped = ""
        for round_ in range(ANALYSIS_ROUNDS):
            # The job and its reference in turn, first one then the other, so neither side
            # always meets the caches (or the machine) the other left.
            for side in ("job", "reference") if round_ % 2 == 0 else ("reference", "job"):
                if side == "reference":
                    started = time.monotonic()
                    read, frames = _job_rows_into_pandas(held, params, source)
                    loads.append(time.monotonic() - started)
                    if kind == "network":
                        # The network's goal: the job against igraph computing the same
                        # measures directly on the same edge list, plus loading the rows.
                        started = time.monotonic()
                        graph_read = _network_library_direct(frames)
                        libraries.append(time.monotonic() - started)
                    continue
                try:
                    with ctx.acting(user):
                        started = time.monotonic()
                        job = request_job(actor=user, kind=kind, params=dict(params))
                        status = execute_job(job.pk)
                        jobs.append(time.monotonic() - started)
                    job.refresh_from_db()
                except Exception as exc:  # a job the generated data cannot feed: say why
                    skipped = f"{type(exc).__name__}: {exc}"[:200]
                    break
                if status != "succeeded":
                    skipped = f"job {status}: {job.message}"[:200]
                    break
            if skipped:
                break
        if skipped:
            rows.append(Row("4", label, skipped=skipped))
            continue
        job_seconds = statistics.median(jobs)
        pandas_seconds = statistics.median(loads)
        ratio = job_seconds / pandas_seconds if pandas_seconds else 0.0
        values = {
            "job_seconds": job_seconds,
            "pandas_seconds": pandas_seconds,
            "job_samples": jobs,
            "pandas_samples": loads,
        }
        summary = job.result.get("summary", {}) if isinstance(job.result, dict) else {}
        note = (
            f"requested and run synchronously, audited; median of {ANALYSIS_ROUNDS} rounds, "
            "job and reference in turn"
        )
        if kind == "near_repeat":
            note += (
                f"; {summary.get('iterations', '?')} shuffles of {summary.get('incidents', 0):,} "
                "incidents"
            )
        if kind != "network":
            rounds = [j / p for j, p in zip(jobs, loads, strict=True) if p]
            rows.append(
                Row(
                    "4",
                    f"{label} ({read})",
                    f"{job_seconds:.2f} s",
                    f"{pandas_seconds:.2f} s (same rows into pandas)",
                    ratio,
                    "<= 3",
                    _goal(ratio, "<=", 3),
                    f"{note}; ratio per round {_spread(rounds)}",
                    values=values,
                )
            )
            continue
        references = [p + q for p, q in zip(loads, libraries, strict=True)]
        library_seconds = statistics.median(libraries)
        reference = statistics.median(references)
        values.update(
            {
                "library_seconds": library_seconds,
                "reference_seconds": reference,
                "library_samples": libraries,
            }
        )
        direct = job_seconds / reference if reference else 0.0
        rounds = [j / r for j, r in zip(jobs, references, strict=True) if r]
        rows.append(
            Row(
                "4",
                f"{label} ({read}; {summary.get('entities', 0):,} entities, "
                f"{summary.get('ties', 0):,} ties)",
                f"{job_seconds:.2f} s",
                f"{reference:.2f} s (rows into pandas {pandas_seconds:.2f} s, then igraph "
                f"directly {library_seconds:.2f} s: {graph_read})",
                direct,
                "<= 1.5",
                _goal(direct, "<=", 1.5),
                f"{note}; ratio per round {_spread(rounds)}; against loading alone {ratio:.1f}x",
                values=values,
            )
        )
    return rows


def _spread(ratios: list[float]) -> str:
    return ", ".join(f"{r:.2f}" for r in ratios)


# --- 5. Audit chain -------------------------------------------------------------------------------


def _copy_events(ctx: Context) -> tuple[int, float]:
    """Rows and seconds of reading the event table with ``COPY ... TO STDOUT``."""
    import psycopg

    started = time.monotonic()
    rows = 0
    statement = "COPY (SELECT * FROM audit_auditevent ORDER BY id) TO STDOUT"
    with (
        psycopg.connect(libpq_url(ctx.url)) as conn,
        conn.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for block in copy:
            rows += bytes(block).count(b"\n")
    return rows, time.monotonic() - started


# Events whose canonical bytes are hashed alone for the hashlib reference (a prefix of the
# chain at L: the rate, not the total, is what is compared).
HASHLIB_EVENTS = 2_000_000


def _hashlib_alone(limit: int) -> tuple[int, float, int]:
    """Hash the canonical bytes verification hashes, for the first ``limit`` events, timing
    nothing but ``hashlib.sha256(...).hexdigest()``: (events, seconds, bytes)."""
    import hashlib

    from django.db import connection

    from audit.chain_sql import BATCH_QUERY, VERIFY_SQL_BATCH, canonical_text

    sha256 = hashlib.sha256
    events = size = 0
    seconds = 0.0
    low = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM audit_auditevent")
        last = cursor.fetchone()[0]
    while events < limit and low < last:
        with connection.cursor() as cursor:
            cursor.execute(BATCH_QUERY, [low, low + VERIFY_SQL_BATCH])
            rows = cursor.fetchall()
        low += VERIFY_SQL_BATCH
        contents = [
            canonical_text(prev, values, details).encode() for _, prev, _, values, details in rows
        ]
        started = time.perf_counter()
        for content in contents:
            sha256(content).hexdigest()
        seconds += time.perf_counter() - started
        events += len(contents)
        size += sum(map(len, contents))
    return events, seconds, size


def measure_audit(ctx: Context) -> list[Row]:
    from audit.verification import verify_chain

    # One untimed read first, so both sides find the table as cached as the machine allows;
    # then the verification and COPY again.
    warm_rows, warm_seconds = _copy_events(ctx)
    started = time.monotonic()
    result = verify_chain()
    verify_seconds = time.monotonic() - started
    if not result.ok:
        return [Row("5", "Audit chain verification", skipped=f"chain broken: {result.message}")]
    rows, copy_seconds = _copy_events(ctx)
    verify_rate = result.events_checked / verify_seconds
    copy_rate = rows / copy_seconds
    ratio = verify_rate / copy_rate
    ctx.log(f"  audit: verify {verify_rate:,.0f}/s, COPY {copy_rate:,.0f}/s")
    hashed, hash_seconds, hashed_bytes = _hashlib_alone(HASHLIB_EVENTS)
    hash_rate = hashed / hash_seconds
    ctx.log(f"  audit: hashlib alone {hash_rate:,.0f}/s over {hashed:,} events")
    return [
        Row(
            "5",
            f"Audit chain verification ({result.events_checked:,} events)",
            f"{verify_rate:,.0f} events/s",
            f"{copy_rate:,.0f} events/s (COPY of the table)",
            ratio,
            ">= 0.5",
            _goal(ratio, ">=", 0.5),
            f"verify {verify_seconds:.1f}s, COPY {copy_seconds:.1f}s (after an untimed COPY "
            f"that warmed the cache, {warm_seconds:.1f}s)",
            values={
                "verify_seconds": verify_seconds,
                "copy_seconds": copy_seconds,
                "warm_copy_seconds": warm_seconds,
            },
        ),
        Row(
            "5",
            f"Audit chain verification against hashlib alone ({hashed:,} events hashed)",
            f"{verify_rate:,.0f} events/s",
            f"{hash_rate:,.0f} events/s (sha256 of the same canonical bytes, nothing else)",
            verify_rate / hash_rate,
            "",
            None,
            f"hashing alone {hash_seconds:.1f}s for {hashed_bytes / hashed:.0f} bytes an event; "
            "the rest of verification is reading, escaping and assembling them",
            values={"hash_seconds": hash_seconds, "hashed": hashed, "bytes": hashed_bytes},
        ),
    ]


# --- 6. visible_to --------------------------------------------------------------------------------


def _timed_pair(first, second, repeat: int) -> tuple[float, float, int, int]:
    """Median seconds of ``list(first())`` and ``list(second())``, sampled in turn (first,
    second, second, first, ...) so both see the same machine; and the queries each runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for query in (first, second):
        list(query())  # warm
        with CaptureQueriesContext(connection) as captured:
            list(query())
        counts.append(len(captured.captured_queries))
    times: tuple[list, list] = ([], [])
    for turn in range(repeat):
        order = (0, 1) if turn % 2 == 0 else (1, 0)
        for which in order:
            query = (first, second)[which]
            started = time.perf_counter()
            list(query())
            times[which].append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1]), counts[0], counts[1]


def measure_visible(ctx: Context) -> list[Row]:
    from ilp_platform.accounts.models import Compartment
    from intelligence.models import Report

    user = ctx.analyst
    held = Compartment.objects.visible_to(user).count()
    total = Compartment.objects.count()
    repeat = max(200, ctx.scale.samples * 5)
    middle = Report.objects.order_by("-id").values_list("id", flat=True)[
        Report.objects.count() // 2
    ]
    rows = []
    for label, extra in (("page 1", {}), ("keyset page mid-table", {"id__lt": middle})):
        restricted, unrestricted, restricted_queries, unrestricted_queries = _timed_pair(
            lambda extra=extra: (
                Report.objects.visible_to(user).filter(**extra).order_by("-id")[:50]
            ),
            lambda extra=extra: Report.objects.filter(**extra).order_by("-id")[:50],
            repeat,
        )
        ratio = unrestricted / restricted
        same = restricted_queries == unrestricted_queries == 1
        rows.append(
            Row(
                "6",
                f"visible_to report list, {label}, user holding {held} of {total} compartments",
                f"{restricted * 1000:.2f} ms",
                f"{unrestricted * 1000:.2f} ms (unrestricted query)",
                ratio,
                ">= 0.8",
                _goal(ratio, ">=", 0.8) and same,
                f"queries: {restricted_queries} vs {unrestricted_queries} (fixed, one each)"
                if same
                else f"queries differ: {restricted_queries} vs {unrestricted_queries}",
                values={"restricted": restricted, "unrestricted": unrestricted},
            )
        )
    return rows


def measure_subjects(ctx: Context) -> list[Row]:
    from benchmarks.subjects import measure_subjects as measure

    return measure(ctx)


def measure_workbench(ctx: Context) -> list[Row]:
    from benchmarks.workbench import measure_workbench as measure

    return measure(ctx)


def measure_exchange(ctx: Context) -> list[Row]:
    from benchmarks.exchange import measure_exchange as measure

    return measure(ctx)


MEASURES = {
    "import": measure_import,
    "http": measure_http,
    "analysis": measure_analysis,
    "audit": measure_audit,
    "visible": measure_visible,
    "subjects": measure_subjects,
    "workbench": measure_workbench,
    "exchange": measure_exchange,
}
# Measures that build a large data set of their own (minutes even at scale S): run only when
# named (``--only exchange``), so the default table and CI's smoke run stay short.
ON_REQUEST = {"exchange"}


# --- Running and reporting ------------------------------------------------------------------------


def _generated(name: str) -> dict | None:
    import psycopg

    try:
        with psycopg.connect(libpq_url(database_url(name)), connect_timeout=5) as conn:
            row = conn.execute("SELECT value FROM bench_meta WHERE key = 'generated'").fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


def machine(name: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    memory = 0
    try:
        with open("/proc/meminfo") as handle:
            memory = int(handle.readline().split()[1]) * 1024
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "ram_gb": round(memory / 2**30, 1),
        "postgresql": version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "database": name,
    }


def markdown(rows: list[Row], meta: dict) -> str:
    m = meta["machine"]
    lines = [
        f"Scale {meta['scale']['name']} ({meta['scale']['reports']:,} reports, "
        f"{meta['scale']['incidents']:,} incidents, {meta['scale']['entities']:,} entities, "
        f"{meta['scale']['audit_events']:,} audit events, {meta['scale']['users']:,} users, "
        f"{meta['scale']['compartments']:,} compartments), {meta['date']}; "
        f"{m['cpus']} CPUs, {m['ram_gb']} GB RAM, PostgreSQL {m['postgresql']}, "
        f"load average at start {m['load_average'][0]}; run took {meta['seconds']:.0f}s "
        f"(data generation {meta.get('generation_seconds', 0):.0f}s)."
        + (f" Beside it: {meta['note']}." if meta.get("note") else ""),
        "",
        "Machine and load: the machine's CPUs; load average when the measurement started and "
        "ended; how busy the whole machine was meanwhile, and the share of it other processes "
        "took (not this runner, its web servers or the benchmark database's backends), with "
        "the busiest of them.",
        "",
        "| # | Measure | Figure | Reference (same run) | Ratio | Goal | Met | Notes "
        "| Machine and load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        note = row.skipped or row.note
        lines.append(
            f"| {row.number} | {row.measure} | {row.figure} | {row.reference} | "
            f"{row.ratio_text()} | {row.goal} | {row.met_text()} | {note} | {row.machine} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--database", default=None, help="default: bench_<scale>")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data first")
    parser.add_argument("--only", action="append", choices=sorted(MEASURES), default=None)
    parser.add_argument("--import-rows", type=int, default=None)
    parser.add_argument(
        "--kind",
        action="append",
        default=None,
        choices=("hotspot", "temporal", "trend", "near_repeat", "network"),
        help="row 4: measure only these analysis kinds (repeatable)",
    )
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument(
        "--note", default="", help="what else ran on the machine, for the table's header"
    )
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    if args.import_rows:
        scale = Scale(**{**scale.as_dict(), "import_rows": args.import_rows})
    name = args.database or f"bench_{scale.name.lower()}"
    server_url()  # refuses anything but PostgreSQL, with a sentence
    began = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="ilp-bench-"))
    setup_django(database_url(name), str(tmp / "data"))

    def log(message: str) -> None:
        print(message, flush=True)

    from benchmarks.generate import generate

    generated = _generated(name)
    wanted = {"scale": scale.as_dict(), "seed": args.seed, "version": DATA_VERSION}
    stale = generated is None or any(
        generated.get(k) != v if k != "scale" else _data_shape(generated[k]) != _data_shape(v)
        for k, v in wanted.items()
    )
    # A database generated without the audit events serves every row but the audit one.
    if generated and generated.get("without") and (not args.only or "audit" in args.only):
        stale = True
    generation_seconds = 0.0
    if args.regenerate or stale:
        log(f"Generating scale {scale.name} into {name} (seed {args.seed})")
        started = time.monotonic()
        generate(scale, name, args.seed, log)
        generation_seconds = time.monotonic() - started
    else:
        log(f"Reusing {name} (scale {scale.name}, seed {args.seed})")
    ctx = Context(scale, name, tmp, log)
    ctx.kinds = args.kind or []
    rows: list[Row] = []
    for key, measure in MEASURES.items():
        if (args.only and key not in args.only) or (not args.only and key in ON_REQUEST):
            continue
        log(f"Measuring {key}")
        probe = LoadProbe(name)
        try:
            measured = measure(ctx)
        except Exception as exc:
            traceback.print_exc()
            measured = [Row("?", key, skipped=f"failed: {type(exc).__name__}: {exc}"[:300])]
        load = probe.finish()
        log(f"  load: {load_text(load)}")
        for row in measured:
            row.machine = load_text(load)
            row.values["load"] = load
        rows += measured
    meta = {
        "scale": scale.as_dict(),
        "seed": args.seed,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(name),
        "seconds": time.monotonic() - began,
        "generation_seconds": generation_seconds,
        "note": args.note,
    }
    table = markdown(rows, meta)
    print()
    print(table)
    out = Path(args.results)
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    (out / f"{scale.name}-{stamp}.json").write_text(
        json.dumps({**meta, "rows": [asdict(r) for r in rows]}, indent=2, default=str)
    )
    (out / f"{scale.name}-{stamp}.md").write_text(table)
    if not args.only and not args.kind:  # a partial run leaves the latest full table be
        (out / f"latest-{scale.name}.md").write_text(table)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _data_shape(scale: dict) -> tuple:
    # What the generated data depends on (not the run-time knobs such as import_rows).
    keys = ("reports", "incidents", "entities", "links", "audit_events", "users", "compartments")
    return tuple(scale.get(k) for k in keys) + (scale.get("granted"),)


if __name__ == "__main__":
    sys.exit(main())
