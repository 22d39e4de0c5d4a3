"""Network: who is connected to whom.

Entities are tied by explicit links and by being named in the same reports; the network is
ranked by degree, betweenness, closeness and eigenvector centrality, with communities, k-cores
and the shortest path between two entities.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis import charts, selectors
from analysis.algorithms import network
from analysis.kinds import registry
from analysis.kinds.params import BOOLEAN, ENTITIES, ENTITY, INTEGER, Context, Param
from analysis.kinds.shared import (
    SEED,
    TABLE_ROWS,
    crime_type_ids,
    local_day_start,
    rounded,
    table,
)
from ilp_platform.core.jobs import JobError

# The network ranks every node: it stops earlier than the counting kinds.
MAX_NETWORK_EDGES = 1_000_000
MAX_NETWORK_NODES = 50_000
# What the stored result keeps: nodes and ties for the chart and downloads.
MAX_RESULT_NODES = 5_000
MAX_RESULT_EDGES = 20_000
MAX_CHART_NODES = 300

PARAMS = (
    Param(
        "entities",
        label=gettext_lazy("Start from entities"),
        type=ENTITIES,
        help=gettext_lazy(
            "Optional: type part of a name and choose, or entity ids separated by commas or "
            "spaces; the network around them only. Empty: every entity you may read that has a "
            "link or shares a report."
        ),
    ),
    Param(
        "hops",
        label=gettext_lazy("Hops from those entities"),
        type=INTEGER,
        default=2,
        minimum=1,
        maximum=4,
        help=gettext_lazy("How many steps out from the chosen entities (1-4)."),
    ),
    Param(
        "path_from",
        label=gettext_lazy("Shortest path from"),
        type=ENTITY,
        help=gettext_lazy(
            "Optional: the strongest chain of ties between two entities (choose each by name "
            "or type its id)."
        ),
    ),
    Param("path_to", label=gettext_lazy("Shortest path to"), type=ENTITY),
    Param(
        "cooccurrence",
        label=gettext_lazy("Count entities named in the same report as tied"),
        type=BOOLEAN,
        default=True,
        help=gettext_lazy(
            "Each shared report adds 1 to the tie; a link adds 3, 2 or 1 by strength."
        ),
    ),
    SEED,
)


def check(params: dict, context: Context) -> None:
    """A path has both ends or none."""
    errors = context.errors
    if (params.get("path_from") is None) != (params.get("path_to") is None) and not (
        "path_from" in errors or "path_to" in errors
    ):
        missing = "path_to" if params.get("path_to") is None else "path_from"
        errors.add(missing, _("Give both ends of the path, or neither."))


def run(user, params, compartment_ids, progress) -> dict:
    selection = selectors.NetworkFilter(
        compartment_ids=compartment_ids,
        crime_type_ids=crime_type_ids(params),
        start=local_day_start(params.get("date_from")),
        end=local_day_start(params.get("date_to"), after=True),
        cooccurrence=params.get("cooccurrence", True),
    )
    progress(5, _("Reading links"))
    links = selectors.network_links(user, selection)
    progress(15, _("Counting co-occurrence in reports"))
    together = selectors.network_cooccurrences(user, selection)
    if len(links) + len(together) > MAX_NETWORK_EDGES:
        raise JobError(
            _(
                "The selection holds %(n)s ties, more than the %(max)s this analysis handles. "
                "Start from chosen entities, or narrow the dates or crime types."
            )
            % {"n": f"{len(links) + len(together):,}", "max": f"{MAX_NETWORK_EDGES:,}"}
        )
    seeds = params.get("entities") or []
    ends = [e for e in (params.get("path_from"), params.get("path_to")) if e]
    node_ids = {a for a, _b, _w in links} | {b for _a, b, _w in links}
    node_ids |= {a for a, _b, _n in together} | {b for _a, b, _n in together}
    node_ids |= set(seeds) | set(ends)
    graph = network.build_graph(((n, {}) for n in node_ids), links, together)
    if seeds:
        graph = network.neighbourhood(graph, seeds, params["hops"])
        for end in ends:
            if end not in graph:
                graph.add_node(end)
    if len(graph) == 0:
        raise JobError(
            _("No entity you may read has a link or shares a report; widen the selection.")
        )
    if len(graph) > MAX_NETWORK_NODES:
        raise JobError(
            _(
                "The network has %(n)s entities, more than the %(max)s this analysis handles. "
                "Start from chosen entities with fewer hops."
            )
            % {"n": f"{len(graph):,}", "max": f"{MAX_NETWORK_NODES:,}"}
        )
    progress(25, _("Computing centralities"))
    measures = network.metrics(
        graph,
        seed=params.get("seed") or 0,
        progress=lambda f: progress(25 + 60 * f, _("Computing centralities")),
    )
    progress(88, _("Building the chart and tables"))
    ranked = sorted(
        graph.nodes,
        key=lambda n: (-measures.betweenness[n], -measures.weighted_degree[n], n),
    )
    path = None
    if len(ends) == 2:
        path = network.shortest_path(graph, ends[0], ends[1])
    kept = ranked[:MAX_RESULT_NODES]
    kept_set = set(kept) | set(path or []) | set(ends)
    kept = [n for n in ranked if n in kept_set]
    chart_nodes = set(ranked[:MAX_CHART_NODES]) | set(path or []) | set(seeds) | set(ends)
    labels = selectors.entity_labels(user, selection, kept)
    nodes = []
    for rank, n in enumerate(kept, start=1):
        name, kind = labels.get(n, (str(n), ""))
        nodes.append(
            {
                "id": n,
                "label": name,
                "kind": kind,
                "rank": rank,
                "degree": rounded(measures.degree.get(n, 0), 4),
                "weighted_degree": rounded(measures.weighted_degree.get(n, 0), 2),
                "betweenness": rounded(measures.betweenness.get(n, 0), 5),
                "closeness": rounded(measures.closeness.get(n, 0), 5),
                "eigenvector": rounded(measures.eigenvector.get(n, 0), 5),
                "core": int(measures.core.get(n, 0)),
                "community": int(measures.community.get(n, 0)),
                "in_chart": n in chart_nodes,
                "on_path": bool(path and n in path),
                "seed": n in seeds,
            }
        )
    edges = []
    for a, b, data in graph.edges(data=True):
        if a in kept_set and b in kept_set:
            edges.append(
                {
                    "from": a,
                    "to": b,
                    "weight": rounded(data["weight"], 2),
                    "links": data["links"],
                    "reports": data["reports"],
                }
            )
    edges.sort(key=lambda e: -e["weight"])
    edges = edges[:MAX_RESULT_EDGES]
    by_id = {node["id"]: node for node in nodes}
    columns = [
        _("Rank"),
        _("Entity id"),
        _("Name"),
        _("Kind"),
        _("Degree"),
        _("Weighted degree"),
        _("Betweenness"),
        _("Closeness"),
        _("Eigenvector"),
        _("k-core"),
        _("Community"),
    ]
    keys = (
        "rank",
        "id",
        "label",
        "kind",
        "degree",
        "weighted_degree",
        "betweenness",
        "closeness",
        "eigenvector",
        "core",
        "community",
    )
    tables = [
        table(
            _("Entities ranked by betweenness"),
            columns,
            [[node[k] for k in keys] for node in nodes[:TABLE_ROWS]],
        ),
        table(
            _("Communities"),
            [_("Community"), _("Entities"), _("Most central members")],
            [
                [
                    k + 1,
                    len(group),
                    ", ".join(
                        by_id[n]["label"]
                        for n in sorted(
                            (m for m in group if m in by_id), key=lambda m: by_id[m]["rank"]
                        )[:5]
                    ),
                ]
                for k, group in enumerate(measures.communities[:TABLE_ROWS])
            ],
        ),
    ]
    summary: dict[str, Any] = {
        "entities": graph.number_of_nodes(),
        "ties": graph.number_of_edges(),
        "explicit_links": len(links),
        "co_occurrence_pairs": len(together),
        "communities": len(measures.communities),
        "max_core": max(measures.core.values(), default=0),
        "most_central": by_id[ranked[0]]["label"] if ranked and ranked[0] in by_id else None,
        "betweenness_sampled": measures.betweenness_sampled,
        "community_method": measures.community_method,
    }
    if len(ends) == 2:
        summary["path_found"] = path is not None
        summary["path_length"] = len(path) - 1 if path else None
        summary["path"] = path or []
        tables.insert(
            0,
            table(
                _("Shortest path"),
                [_("Step"), _("Entity id"), _("Name"), _("Kind")],
                [[k, n, by_id[n]["label"], by_id[n]["kind"]] for k, n in enumerate(path or [])],
            ),
        )
    top = nodes[:15]
    return {
        "summary": summary,
        "tables": tables,
        "charts": [
            {
                "title": _("Betweenness of the 15 most central entities"),
                "svg": charts.bar_chart(
                    _("Betweenness of the 15 most central entities"),
                    [node["label"] for node in top],
                    [node["betweenness"] or 0 for node in top],
                ),
            }
        ],
        "network": {"nodes": nodes, "edges": edges},
    }


registry.register(
    registry.Kind(
        name="network",
        label=gettext_lazy("Network (link analysis)"),
        description=gettext_lazy(
            "Who is connected to whom: entities tied by links and shared reports, ranked by "
            "degree, betweenness, closeness and eigenvector centrality, with communities, k-cores "
            "and the shortest path between two entities."
        ),
        params=PARAMS,
        run=run,
        check=check,
        area=False,
        notes={"date_from": gettext_lazy("First day of the reports counted as ties.")},
        order=50,
    )
)
