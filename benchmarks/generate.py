"""Seeded data generator: the same seed and scale give the same data, loaded with COPY.

Builds a fresh PostgreSQL database (``bench_<scale>``), applies the migrations, then streams
generated rows through ``COPY ... FROM STDIN`` table by table, with the table's secondary
indexes dropped during the load and rebuilt after it. Audit events continue the real hash
chain: each hash is computed with ``audit.chain.compute_hash`` as the rows stream, so
``verify_audit`` passes on the result.

Run on its own: ``python -m benchmarks.generate --scale S``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import tempfile
import time

import numpy as np

from benchmarks.common import DATA_VERSION, SCALES, Scale, database_url, libpq_url, setup_django

CHUNK = 50_000  # rows per COPY write: bounded memory whatever the scale
EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SPAN_SECONDS = 2 * 365 * 86400
# Share of reports naming 0, 1, 2, 3 and 4 entities.
MENTIONS_PER_REPORT = (0.3, 0.25, 0.2, 0.15, 0.1)
MENTIONS_STREAM = 5  # the mentions' own random stream, beside the seed
BLANK_AUDIT_COLUMNS = ("purpose_type",)
CENTRE = (51.4545, -2.5879)  # a city-sized area
# Search terms with a known share of reports (row 3): common, medium, rare.
SEARCH_TERMS = {"vehicle": 0.15, "firearm": 0.01, "zanzibar": 0.0002}
ANALYST = "bench-analyst"  # holds ``scale.granted`` compartments
EVERYONE = "bench-all"  # holds every compartment


def _words(rng: np.random.Generator, count: int) -> np.ndarray:
    syllables = np.array(
        ["ka", "lo", "mi", "ra", "tu", "ve", "do", "sen", "mar", "tel", "gor", "pin", "dal"]
    )
    picks = rng.integers(0, len(syllables), size=(count, 3))
    words = np.array(["".join(s) for s in syllables[picks]])
    common = np.array(
        [
            "seen",
            "near",
            "the",
            "address",
            "car",
            "man",
            "woman",
            "drugs",
            "cash",
            "phone",
            "street",
            "house",
            "shop",
            "late",
            "night",
            "market",
            "park",
            "bridge",
            "station",
            "flat",
            "deal",
            "meeting",
            "van",
            "knife",
        ]
    )
    return np.concatenate([common, words])


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(libpq_url(database_url("postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def indexes_dropped(raw, tables: tuple[str, ...]):
    """Drop the tables' secondary indexes for a bulk load and rebuild them after it (each in
    its own transaction: deferred foreign-key checks must run before an index is built)."""
    with raw.transaction(), raw.cursor() as cursor:
        indexes = []
        for table in tables:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes += cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with raw.transaction(), raw.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)


def copy_rows(cursor, table: str, columns: tuple[str, ...], chunks) -> int:
    """Stream text-format chunks (``\\t``-separated, ``\\N`` for null) into ``table``."""
    from psycopg.copy import QueuedLibpqWriter

    total = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        for rows, text in chunks:
            copy.write(text)
            total += rows
    return total


def _lines(*columns) -> str:
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    base = np.datetime64(EPOCH.replace(tzinfo=None), "s")
    return np.datetime_as_string(base + seconds.astype("timedelta64[s]"), unit="s").astype(object)


def _ids(cursor, sql: str, params=()) -> np.ndarray:
    cursor.execute(sql, params)
    return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


class Generator:
    def __init__(self, scale: Scale, seed: int, log=print):
        self.scale, self.seed, self.log = scale, seed, log
        self.rng = np.random.default_rng(seed)
        self.now = "2026-01-01 00:00:00+00"

    # -- people and compartments ---------------------------------------------------------------
    def people(self, cursor) -> None:
        s = self.scale
        slugs = [f"comp-{n:04d}" for n in range(s.compartments)]
        copy_rows(
            cursor,
            "accounts_compartment",
            ("slug", "name", "description", "is_active", "created_at"),
            [
                (
                    len(slugs),
                    _lines(
                        slugs,
                        [f"Operation {n:04d}" for n in range(len(slugs))],
                        [""] * len(slugs),
                        ["t"] * len(slugs),
                        [self.now] * len(slugs),
                    ),
                )
            ],
        )
        names = [ANALYST, EVERYONE] + [f"bench-user-{n:05d}" for n in range(s.users - 2)]
        self.usernames = names
        n = len(names)
        copy_rows(
            cursor,
            "accounts_user",
            (
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "collar_number",
                "language",  # blank: the platform's default
            ),
            [
                (
                    n,
                    _lines(
                        ["!unusable"] * n,
                        ["f"] * n,
                        names,
                        [""] * n,
                        [""] * n,
                        [""] * n,
                        ["f"] * n,
                        ["t"] * n,
                        [self.now] * n,
                        [""] * n,
                        [""] * n,
                    ),
                )
            ],
        )
        self.user_ids = _ids(
            cursor, "SELECT id FROM accounts_user WHERE username LIKE 'bench-%%' ORDER BY id"
        )
        self.compartment_ids = _ids(
            cursor, "SELECT id FROM accounts_compartment WHERE slug LIKE 'comp-%%' ORDER BY id"
        )
        cursor.execute("SELECT id FROM auth_group WHERE name = 'analyst'")
        analyst_group = cursor.fetchone()[0]
        copy_rows(
            cursor,
            "accounts_user_groups",
            ("user_id", "group_id"),
            [(n, _lines([str(u) for u in self.user_ids], [str(analyst_group)] * n))],
        )
        cursor.execute(
            "SELECT p.id FROM auth_permission p JOIN django_content_type t "
            "ON t.id = p.content_type_id WHERE t.app_label = 'accounts' "
            "AND t.model = 'compartment' AND p.codename = 'view_compartment'"
        )
        permission = str(cursor.fetchone()[0])
        grants_user, grants_comp = [], []
        per_user = max(1, s.compartments // 10)
        for index, user in enumerate(self.user_ids):
            if index == 0:
                held = self.rng.choice(self.compartment_ids, s.granted, replace=False)
            elif index == 1:
                held = self.compartment_ids
            else:
                held = self.rng.choice(self.compartment_ids, per_user, replace=False)
            grants_user += [str(user)] * len(held)
            grants_comp += [str(c) for c in held]
        copy_rows(
            cursor,
            "accounts_compartmentuserobjectpermission",
            ("user_id", "permission_id", "content_object_id"),
            [
                (
                    len(grants_user),
                    _lines(grants_user, [permission] * len(grants_user), grants_comp),
                )
            ],
        )
        self.slug_of = dict(zip(self.compartment_ids.tolist(), slugs, strict=True))

    # -- reports -----------------------------------------------------------------------------------
    def reports(self, cursor) -> None:
        s, rng = self.scale, self.rng
        words = _words(rng, 3000)
        columns = (
            "urn",
            "compartment_id",
            "status",
            "grading_scheme",
            "source_evaluation",
            "intelligence_assessment",
            "handling_code",
            "handling_conditions",
            "text",
            "sanitised_text",
            "is_personal_assessment",
            "has_special_category",
            "occurred_at",
            "latitude",
            "longitude",
            "place_name",
            "review_due",
            "submitted_by_id",
            "submitted_at",
            "evaluated_by_id",
            "evaluated_at",
            "created_at",
            "updated_at",
            "erasure_reason",
            "search_document",
        )

        def chunks():
            for first in range(0, s.reports, CHUNK):
                n = min(CHUNK, s.reports - first)
                picks = words[rng.integers(0, len(words), size=(n, 18))]
                text = np.array([" ".join(row) for row in picks], dtype=object)
                for term, share in SEARCH_TERMS.items():
                    hit = rng.random(n) < share
                    text[hit] = text[hit] + " " + term
                seconds = rng.integers(0, SPAN_SECONDS, n)
                when = _timestamps(seconds)
                urns = [f"IR-2025-{first + k + 1:07d}" for k in range(n)]
                submitted = rng.choice(self.user_ids, n).astype(str)
                comp = rng.choice(self.compartment_ids, n).astype(str)
                status = np.where(rng.random(n) < 0.9, "evaluated", "submitted").astype(object)
                place = np.array([f"{k % 400} Street" for k in range(n)], dtype=object)
                document = [f"{u}\\n{t}\\n{p}" for u, t, p in zip(urns, text, place, strict=True)]
                lat = (CENTRE[0] + rng.normal(0, 0.03, n)).round(6).astype(str)
                lon = (CENTRE[1] + rng.normal(0, 0.05, n)).round(6).astype(str)
                yield (
                    n,
                    _lines(
                        urns,
                        comp,
                        status,
                        ["3x5x2"] * n,
                        ["2"] * n,
                        ["B"] * n,
                        ["P"] * n,
                        [""] * n,
                        text,
                        text,
                        ["f"] * n,
                        ["f"] * n,
                        when,
                        lat,
                        lon,
                        place,
                        ["2031-01-01"] * n,
                        submitted,
                        when,
                        submitted,
                        when,
                        when,
                        when,
                        [""] * n,
                        document,
                    ),
                )

        copy_rows(cursor, "intelligence_report", columns, chunks())

    # -- incidents -------------------------------------------------------------------------------
    def incidents(self, cursor) -> None:
        s, rng = self.scale, self.rng
        crime_types = _ids(cursor, "SELECT id FROM intelligence_crimetype ORDER BY id")
        hotspots = rng.normal(0, 1, size=(40, 2)) * (0.03, 0.05) + CENTRE
        columns = (
            "reference",
            "crime_type_id",
            "occurred_from",
            "occurred_to",
            "latitude",
            "longitude",
            "address",
            "compartment_id",
            "created_at",
        )

        def chunks():
            for first in range(0, s.incidents, CHUNK):
                n = min(CHUNK, s.incidents - first)
                centre = hotspots[rng.integers(0, len(hotspots), n)]
                spread = np.where(rng.random(n) < 0.6, 0.004, 0.04)[:, None]
                points = centre + rng.normal(0, 1, (n, 2)) * spread
                seconds = rng.integers(0, SPAN_SECONDS, n)
                start = _timestamps(seconds)
                end = _timestamps(seconds + rng.integers(600, 8 * 3600, n))
                end[rng.random(n) < 0.7] = "\\N"
                yield (
                    n,
                    _lines(
                        [f"INC-{first + k:09d}" for k in range(n)],
                        rng.choice(crime_types, n).astype(str),
                        start,
                        end,
                        points[:, 0].round(6).astype(str),
                        points[:, 1].round(6).astype(str),
                        [f"{k % 997} Road" for k in range(n)],
                        rng.choice(self.compartment_ids, n).astype(str),
                        [self.now] * n,
                    ),
                )

        copy_rows(cursor, "intelligence_incident", columns, chunks())

    # -- entities and links ----------------------------------------------------------------------
    def entities(self, cursor) -> None:
        s, rng = self.scale, self.rng
        kinds = np.array(["person", "person", "person", "vehicle", "organisation", "location"])
        n = s.entities
        kind = rng.choice(kinds, n)
        names = [f"{k.title()} {i:06d}" for i, k in enumerate(kind)]
        comp = rng.choice(self.compartment_ids, n)
        creator = str(self.user_ids[0])
        copy_rows(
            cursor,
            "intelligence_entity",
            (
                "kind",
                "name",
                "name_key",
                "description",
                "compartment_id",
                "created_by_id",
                "created_at",
                "updated_at",
            ),
            [
                (
                    n,
                    _lines(
                        kind.astype(object),
                        names,
                        [x.lower() for x in names],
                        [""] * n,
                        comp.astype(str),
                        [creator] * n,
                        [self.now] * n,
                        [self.now] * n,
                    ),
                )
            ],
        )
        entity_ids = _ids(cursor, "SELECT id FROM intelligence_entity ORDER BY id")
        # Links stay within a compartment: pick the partner among the same compartment.
        order = np.argsort(comp, kind="stable")
        ids_sorted, comp_sorted = entity_ids[order], comp[order]
        starts = np.searchsorted(comp_sorted, comp_sorted, side="left")
        ends = np.searchsorted(comp_sorted, comp_sorted, side="right")
        src = rng.integers(0, n, s.links)
        offset = rng.integers(0, 1 << 30, s.links)
        size = ends[src] - starts[src]
        dst = starts[src] + offset % np.maximum(size, 1)
        keep = ids_sorted[src] != ids_sorted[dst]
        src, dst = src[keep], dst[keep]
        m = len(src)
        copy_rows(
            cursor,
            "intelligence_link",
            (
                "compartment_id",
                "from_entity_id",
                "to_entity_id",
                "kind",
                "strength",
                "note",
                "created_by_id",
                "created_at",
            ),
            [
                (
                    m,
                    _lines(
                        comp_sorted[src].astype(str),
                        ids_sorted[src].astype(str),
                        ids_sorted[dst].astype(str),
                        rng.choice(["associate", "family", "uses", "owns"], m).astype(object),
                        rng.choice(["confirmed", "tentative", "unconfirmed"], m).astype(object),
                        [""] * m,
                        [creator] * m,
                        [self.now] * m,
                    ),
                )
            ],
        )

    # -- report mentions -------------------------------------------------------------------------
    def mentions(self, cursor) -> None:
        """Entities named in reports (what the network job counts as co-occurrence): 0 to 4 per
        report (1.5 on average), chosen among the entities of the report's compartment, as an
        officer names the people and vehicles a unit already knows. Drawn from a generator of
        their own, so the other tables stay what the seed made them before mentions existed."""
        rng = np.random.default_rng([self.seed, MENTIONS_STREAM])
        cursor.execute("SELECT id, compartment_id FROM intelligence_entity ORDER BY id")
        entities = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
        cursor.execute("SELECT id, compartment_id FROM intelligence_report ORDER BY id")
        reports = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
        if not len(entities) or not len(reports):
            return
        order = np.argsort(entities[:, 1], kind="stable")
        entity_ids, entity_comp = entities[order, 0], entities[order, 1]
        per_report = rng.choice(
            np.arange(len(MENTIONS_PER_REPORT)), len(reports), p=MENTIONS_PER_REPORT
        )
        report = np.repeat(np.arange(len(reports)), per_report)
        comp = reports[report, 1]
        starts = np.searchsorted(entity_comp, comp, side="left")
        size = np.searchsorted(entity_comp, comp, side="right") - starts
        keep = size > 0
        report, starts, size = report[keep], starts[keep], size[keep]
        entity = entity_ids[starts + rng.integers(0, 1 << 30, len(report)) % size]
        report_id = reports[report, 0]
        # One mention of an entity per report (the table's unique constraint).
        pairs = np.unique(np.column_stack([report_id, entity]), axis=0)
        m = len(pairs)
        creator = str(self.user_ids[0])
        copy_rows(
            cursor,
            "intelligence_reportentity",
            (
                "report_id",
                "entity_id",
                "subject_category",
                "is_assessment",
                "created_by_id",
                "created_at",
            ),
            [
                (
                    m,
                    _lines(
                        pairs[:, 0].astype(str),
                        pairs[:, 1].astype(str),
                        [""] * m,
                        np.where(rng.random(m) < 0.2, "t", "f").astype(object),
                        [creator] * m,
                        [self.now] * m,
                    ),
                )
            ],
        )

    # -- audit events ------------------------------------------------------------------------------
    def audit_events(self, cursor) -> None:
        from audit.chain import chain_head, compute_hash

        s, rng = self.scale, self.rng
        prev = chain_head_sql(cursor) or chain_head()
        users = self.user_ids
        names = dict(zip(users.tolist(), self.usernames, strict=True))
        actions = np.array(["view", "view", "view", "list", "list", "search", "create", "update"])
        columns = (
            "occurred_at",
            "actor_id",
            "actor_username",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "compartment",
            "justification",
            "recipient",
            "details",
            "request_id",
            "ip",
            "user_agent",
            "via",
            "outcome",
            "prev_hash",
            "hash",
        )
        # Text columns added to the log since (the purpose an event was done for): empty, as an
        # event naming none has them; an empty purpose leaves the hash as it was.
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = "
            "'audit_auditevent' AND column_name = ANY(%s)",
            [list(BLANK_AUDIT_COLUMNS)],
        )
        blank = tuple(sorted(row[0] for row in cursor.fetchall()))
        columns += blank
        start = EPOCH.timestamp()
        step = SPAN_SECONDS / max(1, s.audit_events)

        def chunks():
            nonlocal prev
            for first in range(0, s.audit_events, CHUNK):
                n = min(CHUNK, s.audit_events - first)
                actor = rng.choice(users, n)
                action = rng.choice(actions, n)
                object_id = rng.integers(1, max(2, s.reports), n)
                comp = rng.choice(self.compartment_ids, n)
                request = rng.integers(0, 1 << 62, n)
                jitter = rng.random(n) * step
                out = []
                for k in range(n):
                    at = dt.datetime.fromtimestamp(
                        start + (first + k) * step + jitter[k], tz=dt.UTC
                    ).replace(microsecond=0)
                    act = str(action[k])
                    details = (
                        {"ids": [str(object_id[k])]}
                        if act == "list"
                        else {"query": "vehicle", "count": 3}
                        if act == "search"
                        else {}
                    )
                    values = {
                        "occurred_at": at,
                        "actor_id": int(actor[k]),
                        "actor_username": names[int(actor[k])],
                        "action": act,
                        "object_type": "intelligence.report",
                        "object_id": str(object_id[k]),
                        "object_repr": f"IR-2025-{object_id[k]:07d}",
                        "compartment": self.slug_of[int(comp[k])],
                        "justification": "OP-BENCH case review",
                        "recipient": "",
                        "details": details,
                        "request_id": f"{request[k]:016x}",
                        "ip": "10.0.0.1",
                        "user_agent": "bench",
                        "via": "web",
                        "outcome": "success",
                    }
                    digest = compute_hash(values, prev)
                    out.append(
                        "\t".join(
                            (
                                at.strftime("%Y-%m-%d %H:%M:%S+00"),
                                str(values["actor_id"]),
                                values["actor_username"],
                                act,
                                values["object_type"],
                                values["object_id"],
                                values["object_repr"],
                                values["compartment"],
                                values["justification"],
                                "",
                                json.dumps(details),
                                values["request_id"],
                                values["ip"],
                                values["user_agent"],
                                "web",
                                "success",
                                prev,
                                digest,
                                *[""] * len(blank),
                            )
                        )
                    )
                    prev = digest
                yield n, "\n".join(out) + "\n"

        copy_rows(cursor, "audit_auditevent", columns, chunks())


# Each step and the tables whose secondary indexes are rebuilt after its load.
STEPS = (
    ("people", ()),
    ("reports", ("intelligence_report",)),
    ("incidents", ("intelligence_incident",)),
    ("entities", ("intelligence_entity", "intelligence_link")),
    ("mentions", ("intelligence_reportentity",)),
    ("audit_events", ("audit_auditevent",)),
)


def chain_head_sql(cursor) -> str | None:
    cursor.execute("SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return row[0] if row else None


def generate(scale: Scale, name: str, seed: int, log=print, without: tuple[str, ...] = ()) -> dict:
    """Build database ``name`` at ``scale``; returns what was generated and how long it took.

    ``without`` leaves steps out (``audit_events``: the ten million events of scale L take
    most of its generation and only the audit row reads them); the runner rebuilds such a
    database before a measurement that needs what is missing."""
    from django.core.management import call_command
    from django.db import connection

    timings: dict[str, float] = {}
    began = time.monotonic()
    recreate_database(name)
    connection.close()
    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate"] = time.monotonic() - began
    generator = Generator(scale, seed, log)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
    for step, tables in STEPS:
        if step in without:
            log(f"  left out {step}")
            continue
        started = time.monotonic()
        with indexes_dropped(raw, tables), raw.transaction(), raw.cursor() as cursor:
            getattr(generator, step)(cursor)
        timings[step] = round(time.monotonic() - started, 2)
        log(f"  generated {step} in {timings[step]:.1f}s")
    started = time.monotonic()
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value jsonb)")
        meta = {
            "scale": scale.as_dict(),
            "seed": seed,
            "version": DATA_VERSION,
            "without": sorted(without),
            "generated_seconds": round(time.monotonic() - began, 1),
            "steps": timings,
        }
        cursor.execute("INSERT INTO bench_meta VALUES ('generated', %s)", [json.dumps(meta)])
    timings["vacuum"] = round(time.monotonic() - started, 2)
    connection.close()
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--database", default=None, help="default: bench_<scale>")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        choices=("audit_events",),
        help="leave a step out (the runner measures rows 1-4 and 6 on such a database)",
    )
    args = parser.parse_args()
    scale = SCALES[args.scale]
    name = args.database or f"bench_{scale.name.lower()}"
    setup_django(database_url(name), tempfile.mkdtemp(prefix="ilp-bench-"))
    meta = generate(scale, name, args.seed, without=tuple(args.without))
    print(f"{name}: generated in {meta['generated_seconds']}s")


if __name__ == "__main__":
    main()
