"""The analyst's workbench at scale (issue 16, row 9): the link-chart graph, the typeahead and
the operation page.

Goals (the issue's): at scale L, the neighbours at depth 2 of a well-connected entity and a path
between two entities six links apart each answer with p95 under 2x the report list page's p50;
the typeahead's p95 under 100 ms; the operation page with 1,000 reports pinned in query count.

Every sample is a real request through the whole stack (middleware, session, justification,
``visible_to``, the audit event) made in-process with Django's test client as ``bench-analyst``
(who holds 50 of the 500 compartments), so the graph is the one that analyst may see. The
reference, the report list page, is measured the same way in the same run.

- The well-connected entity is the visible entity with the most visible links; the two entities
  six links apart are found once by a breadth-first search over the analyst's visible links
  (read once with plain queries, not timed). When the generated links hold no pair six apart,
  the farthest pair found is used and the row says so.
- The typeahead answers seeded prefixes (three letters of generated entity names).
- The operation page: an operation of the analyst gathers 10, then 1,000 visible reports, and
  the page's queries are counted for each; inside a transaction rolled back at the end.

Run on its own: ``python -m benchmarks.workbench --scale M`` (``--database`` to name it).
"""

from __future__ import annotations

import collections
import time

import numpy as np

SEED = 20261207
PATH_HOPS = 6
GRAPH_GOAL = 2.0  # times the report list page's p50
TYPEAHEAD_GOAL_MS = 100.0
PINNED_REPORTS = 1_000


class _Rollback(Exception):
    pass


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def _client(user):
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    answer = client.post(
        reverse("core:justification"), {"reference": "BENCH workbench", "next": "/"}
    )
    assert answer.status_code in (200, 302), answer.status_code
    return client


def _timed(client, url: str, samples: int, **headers) -> list[float]:
    """Seconds per request (after two warm-up requests); every answer must be a 200."""
    for _ in range(2):
        answer = client.get(url, **headers)
        assert answer.status_code == 200, (url, answer.status_code, answer.content[:300])
    seconds = []
    for _ in range(samples):
        started = time.perf_counter()
        answer = client.get(url, **headers)
        seconds.append(time.perf_counter() - started)
        assert answer.status_code == 200, (url, answer.status_code)
    return seconds


def _visible_graph(user) -> dict[int, set[int]]:
    """The links the analyst may see whose both ends they may see, as an adjacency map."""
    from intelligence.models import Entity, Link

    entities = set(Entity.objects.visible_to(user).values_list("pk", flat=True))
    adjacency: dict[int, set[int]] = collections.defaultdict(set)
    for a, b in Link.objects.visible_to(user).values_list("from_entity_id", "to_entity_id"):
        if a in entities and b in entities and a != b:
            adjacency[a].add(b)
            adjacency[b].add(a)
    return adjacency


def _pair_apart(adjacency: dict[int, set[int]], hops: int) -> tuple[int, int, int]:
    """Two entities ``hops`` links apart (shortest path), or the farthest pair found from the
    best-connected entities, with their distance."""
    best = (0, 0, -1)
    for start in sorted(adjacency, key=lambda n: -len(adjacency[n]))[:20]:
        distance = {start: 0}
        queue = collections.deque([start])
        while queue:
            node = queue.popleft()
            if distance[node] == hops:
                return start, node, hops
            for other in adjacency[node]:
                if other not in distance:
                    distance[other] = distance[node] + 1
                    queue.append(other)
        far = max(distance, key=distance.__getitem__)
        if distance[far] > best[2]:
            best = (start, far, distance[far])
    return best


def _prefixes(user, count: int) -> list[str]:
    from intelligence.models import Entity

    names = list(
        Entity.objects.visible_to(user).order_by("pk").values_list("name", flat=True)[:5000]
    )
    rng = np.random.default_rng(SEED)
    picked = rng.choice(len(names), size=min(count, len(names)), replace=False)
    return [names[int(i)][:3] for i in picked if len(names[int(i)]) >= 3]


def _operation_queries(user) -> tuple[int, int]:
    """Queries of the operation page with 10 and with 1,000 gathered reports (rolled back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from ilp_platform.core import context
    from intelligence.models import Report
    from operations.services import gather, open_operation

    client = _client(user)
    counts: dict[int, int] = {}
    try:
        with transaction.atomic():
            with context.acting(user=user, justification="BENCH workbench", via="command"):
                compartment = Report.objects.visible_to(user).values("compartment")[:1]
                from ilp_platform.accounts.models import Compartment

                operation = open_operation(
                    actor=user,
                    data={
                        "name": "Benchmark operation",
                        "reference": "OP-BENCH-1",
                        "objectives": "Measure the operation page.",
                        "compartment": Compartment.objects.get(pk=compartment),
                    },
                )
                reports = list(Report.objects.visible_to(user).order_by("pk")[:PINNED_REPORTS])
                gather(operation, actor=user, kind="reports", records=reports[:10])
            for size in (10, PINNED_REPORTS):
                if size > 10:
                    with context.acting(user=user, justification="BENCH", via="command"):
                        gather(operation, actor=user, kind="reports", records=reports[10:size])
                url = operation.get_absolute_url()
                assert client.get(url).status_code == 200
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url).status_code == 200
                counts[size] = len(captured)
            raise _Rollback
    except _Rollback:
        pass
    return counts[10], counts[PINNED_REPORTS]


def measure_workbench(ctx) -> list:
    """Row 9: graph neighbours and path against the report list page, the typeahead, the
    operation page's query count."""
    from django.urls import reverse

    from benchmarks.run import Row

    user = ctx.analyst
    samples = max(ctx.scale.samples, 30)
    client = _client(user)
    api = {"HTTP_X_JUSTIFICATION": "BENCH workbench"}
    reference = _timed(client, reverse("intelligence:report_list"), samples)
    ref_p50 = _p(reference, 50)
    adjacency = _visible_graph(user)
    rows = []
    if not adjacency:
        return [Row("9", "Link-chart graph", skipped="the analyst sees no link")]
    hub = max(adjacency, key=lambda n: len(adjacency[n]))
    neighbours = _timed(client, f"/api/v1/graph/neighbours/?entity={hub}&depth=2", samples, **api)
    start, end, hops = _pair_apart(adjacency, PATH_HOPS)
    path = _timed(client, f"/api/v1/graph/path/?from={start}&to={end}", samples, **api)
    for label, values, note in (
        (
            f"Graph neighbours at depth 2 of the best-connected entity ({len(adjacency[hub])} "
            "links)",
            neighbours,
            f"{len(adjacency):,} entities with a visible link",
        ),
        (
            f"Graph path between two entities {hops} links apart",
            path,
            "" if hops == PATH_HOPS else f"no pair {PATH_HOPS} apart: the farthest found",
        ),
    ):
        ratio = _p(values, 95) / ref_p50 if ref_p50 else 0.0
        rows.append(
            Row(
                "9",
                label,
                f"p95 {_p(values, 95) * 1000:.1f} ms (p50 {_p(values, 50) * 1000:.1f} ms)",
                f"{ref_p50 * 1000:.1f} ms (report list page, p50)",
                ratio,
                f"<= {GRAPH_GOAL:g}",
                ratio <= GRAPH_GOAL,
                f"{len(values)} requests as bench-analyst, audited; {note}".rstrip("; "),
                values={"seconds": values, "reference": reference},
            )
        )
    prefixes = _prefixes(user, samples)
    typeahead: list[float] = []
    for prefix in prefixes:
        typeahead += _timed(client, f"/api/v1/lookup/?kind=entity&q={prefix}", 1, **api)
    p95 = _p(typeahead, 95) * 1000
    rows.append(
        Row(
            "9",
            "Typeahead (entities, three letters typed)",
            f"p95 {p95:.1f} ms (p50 {_p(typeahead, 50) * 1000:.1f} ms)",
            "",
            None,
            f"p95 < {TYPEAHEAD_GOAL_MS:.0f} ms",
            p95 < TYPEAHEAD_GOAL_MS,
            f"{len(typeahead)} prefixes, each after two warm-up requests; audited as searches",
            values={"seconds": typeahead},
        )
    )
    few, many = _operation_queries(user)
    rows.append(
        Row(
            "9",
            f"Operation page with {PINNED_REPORTS:,} reports: queries",
            f"{many} queries",
            f"{few} queries (10 reports)",
            many / few if few else 0.0,
            "equal",
            many == few,
            "page fetched as bench-analyst; the operation is rolled back",
            values={"few": few, "many": many},
        )
    )
    ctx.log(
        "  workbench: "
        + "; ".join(f"{row.measure}: {row.figure}" for row in rows if not row.skipped)
    )
    return rows


def main() -> None:
    from benchmarks.common import run_alone

    run_alone(measure_workbench, __doc__.splitlines()[0], "ilp-bench-workbench-")


if __name__ == "__main__":
    main()
