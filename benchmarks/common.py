"""What the generator and the runner share: scales, database addresses, Django start-up."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# Bumped when the generated data changes shape, so an older benchmark database is rebuilt.
DATA_VERSION = 2  # 2: reports name entities (intelligence_reportentity)


@dataclass(frozen=True)
class Scale:
    name: str
    reports: int
    incidents: int
    entities: int
    links: int
    audit_events: int
    users: int
    compartments: int
    granted: int  # compartments held by the benchmark analyst
    import_rows: int  # rows of the import file (row 1)
    http_seconds: float  # duration of each requests/s measurement
    samples: int  # sequential requests per latency figure

    def as_dict(self) -> dict:
        return asdict(self)


SCALES = {
    "S": Scale("S", 2_000, 10_000, 500, 1_000, 20_000, 20, 20, 2, 5_000, 1.0, 5),
    "M": Scale("M", 100_000, 500_000, 10_000, 20_000, 1_000_000, 200, 500, 50, 1_000_000, 8, 40),
    "L": Scale(
        "L", 1_000_000, 5_000_000, 100_000, 200_000, 10_000_000, 2_000, 500, 50, 1_000_000, 15, 60
    ),
}


def server_url() -> str:
    """The PostgreSQL server to use: ``BENCH_DATABASE_URL`` or ``DATABASE_URL`` (any database
    on it; the benchmark creates its own)."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL to a postgres:// address.")
    return url


def database_url(name: str, base: str | None = None) -> str:
    parts = urlsplit(base or server_url())
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def setup_django(database: str, data_dir: str) -> None:
    """Point Django at the benchmark database (not the application's) and start it."""
    os.environ["DATABASE_URL"] = database
    os.environ["ILP_DATA_DIR"] = data_dir
    os.environ.setdefault("ILP_ENV", "development")
    os.environ["DEBUG"] = "false"  # no query log growing in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilp_platform.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def run_alone(measure, description: str, prefix: str) -> None:
    """A measure of the runner run on its own against a generated database: ``--scale`` and
    ``--database`` (default ``bench_<scale>``); prints its rows as the table does."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--database", default=None, help="default: bench_<scale>")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    name = args.database or f"bench_{scale.name.lower()}"
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    setup_django(database_url(name), str(tmp / "data"))
    from benchmarks.run import Context

    ctx = Context(scale, name, tmp, print)
    for row in measure(ctx):
        print(
            f"| {row.number} | {row.measure} | {row.figure} | {row.reference} | "
            f"{row.ratio_text()} | {row.goal} | {row.met_text()} | {row.note} {row.skipped} |"
        )
