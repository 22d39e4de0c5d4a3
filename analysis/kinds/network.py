"""Network: who is connected to whom.

Entities are tied by explicit links and by being named in the same reports; the network is
ranked by degree, betweenness, closeness and eigenvector centrality, with communities, k-cores
and the shortest path between two entities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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
# Pairs of entities named in one report, before the same pairs of different reports add up:
# each costs a few int64 in memory while they are counted.
MAX_SHARED_PAIRS = 20_000_000
# What the stored result keeps: nodes and ties for the chart and downloads.
MAX_RESULT_NODES = 5_000
MAX_RESULT_EDGES = 20_000
MAX_CHART_NODES = 300

# Which measures read the strength of a tie and which count steps: said on the form, in the
# result's method note and in the column headings.
MEASURES_NOTE = gettext_lazy(
    "Weighted degree and eigenvector centrality use the strength of each tie (a link adds 3, 2 "
    "or 1 by strength, each shared report 1), as do the communities and the shortest path (a "
    "stronger tie is a shorter step). Betweenness and closeness count steps: every tie is one "
    "step whatever its strength, as are degree (neighbours) and the k-core."
)

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


def graph_figures(ties: network.Ties) -> dict[str, int]:
    """What the graph analysed holds: its entities, its ties, the explicit links and the
    shared-report pairs inside those ties, and the entities left without a tie (a chosen
    entity or path end with none)."""
    return {
        "entities": len(ties.nodes),
        "ties": len(ties.source),
        "explicit_links": int(ties.links.sum()),
        "co_occurrence_pairs": int(np.count_nonzero(ties.reports)),
        "entities_without_ties": int(np.count_nonzero(ties.degree() == 0)),
    }


def method_note(params: dict, analysed: network.Ties, measures) -> list[dict]:
    """Method, parameters, correction and limits of this run, in words."""
    seeds = params.get("entities") or []
    if len(seeds) == 1:
        scope = ngettext(
            "the entities within %(hops)s hop of the chosen entity",
            "the entities within %(hops)s hops of the chosen entity",
            params["hops"],
        ) % {"hops": params["hops"]}
    elif seeds:
        scope = ngettext(
            "the entities within %(hops)s hop of the %(n)s chosen entities",
            "the entities within %(hops)s hops of the %(n)s chosen entities",
            params["hops"],
        ) % {"hops": params["hops"], "n": len(seeds)}
    else:
        scope = _("every entity you may read that has a link or shares a report")
    ties = (
        _("explicit links and reports naming both entities")
        if params.get("cooccurrence", True)
        else _("explicit links only")
    )
    if measures.betweenness_sampled:
        sampling = _(
            "Betweenness and closeness are estimated from a random sample of source entities "
            "in components larger than %(n)s entities (seed %(seed)s); rerun with another seed "
            "to see how much the ranking moves."
        ) % {"n": f"{network.EXACT_MAX_NODES:,}", "seed": params.get("seed") or 0}
    else:
        sampling = _("Betweenness and closeness are exact (every entity a source).")
    communities = _("Louvain modularity on tie strength")
    return [
        {
            "heading": _("Method"),
            "text": _(
                "An undirected graph of entities: a tie joins two entities that share an "
                "explicit link or are named in the same report. Degree, weighted degree, "
                "betweenness, closeness and eigenvector centrality rank the entities; "
                "communities by %(communities)s; k-cores by neighbour count; the shortest path "
                "is the strongest chain of ties (step length 1 / strength). %(measures)s"
            )
            % {"communities": communities, "measures": str(MEASURES_NOTE)},
        },
        {
            "heading": _("Parameters"),
            "text": _(
                "Scope: %(scope)s. Ties from %(ties)s. Dates and crime types select the reports "
                "counted as shared; links are counted whatever their date. The graph analysed "
                "holds %(entities)s entities and %(edges)s ties."
            )
            % {
                "scope": scope,
                "ties": ties,
                "entities": f"{len(analysed.nodes):,}",
                "edges": f"{len(analysed.source):,}",
            },
        },
        {
            "heading": _("Correction"),
            "text": _(
                "None: the measures describe the recorded network and test no hypothesis. "
                "Betweenness and closeness are normalised by the size of the whole graph "
                "analysed, so figures compare within one run, not across runs of different "
                "size. %(sampling)s"
            )
            % {"sampling": sampling},
        },
        {
            "heading": _("Limits"),
            "text": _(
                "Only links and reports you may read are counted: a tie nobody recorded, or "
                "recorded in a compartment outside the job, is missing, and a central entity "
                "may be central because it is reported on most. Being named in the same report "
                "is not proof of association. Eigenvector centrality concentrates on the "
                "largest connected part."
            ),
        },
    ]


def result_edges(ties: network.Ties, kept: set) -> list[dict]:
    """The ties between kept entities, strongest first (in graph order among equals), up to
    the result's limit: chosen on arrays, so only the ties kept become dicts."""
    shown = np.fromiter((node in kept for node in ties.nodes), dtype=bool, count=len(ties.nodes))
    inside = np.flatnonzero(shown[ties.source] & shown[ties.target])
    strength = ties.weight[inside]
    if np.array_equal(strength, np.floor(strength)):
        # Whole numbers (links weigh 3, 2 or 1, shared reports 1 each): rounding keeps them.
        weights = strength.tolist()
    else:
        weights = [rounded(w, 2) for w in strength.tolist()]
    order = np.argsort(-np.asarray(weights, dtype=float), kind="stable")[:MAX_RESULT_EDGES]
    chosen = inside[order]
    return [
        {
            "from": ties.nodes[a],
            "to": ties.nodes[b],
            "weight": weights[k],
            "links": links,
            "reports": reports,
        }
        for a, b, k, links, reports in zip(
            ties.source[chosen].tolist(),
            ties.target[chosen].tolist(),
            order.tolist(),
            ties.links[chosen].tolist(),
            ties.reports[chosen].tolist(),
            strict=True,
        )
    ]


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
    named_in, named = selectors.network_mentions(user, selection)
    pairs = network.pairs_named_together(named_in, named)
    if pairs > MAX_SHARED_PAIRS:
        raise JobError(
            _(
                "The reports of the selection name %(n)s pairs of entities together, more than "
                "the %(max)s this analysis handles. Start from chosen entities, narrow the dates "
                "or crime types, or leave out ties through shared reports."
            )
            % {"n": f"{pairs:,}", "max": f"{MAX_SHARED_PAIRS:,}"}
        )
    together = network.cooccurrences(named_in, named)
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
    graph = None
    if seeds:
        # The neighbourhood is found in networkx; its graph is then read as arrays.
        graph = network.build_graph(((n, {}) for n in node_ids), links, together)
        graph = network.neighbourhood(graph, seeds, params["hops"])
        for end in ends:
            if end not in graph:
                graph.add_node(end)
        ties = network.Ties.of(graph)
    else:
        # The whole graph as arrays, in the order networkx would hold it (node_ids' order).
        ties = network.ties(list(node_ids), links, together)
    if len(ties.nodes) == 0:
        raise JobError(
            _("No entity you may read has a link or shares a report; widen the selection.")
        )
    if len(ties.nodes) > MAX_NETWORK_NODES:
        raise JobError(
            _(
                "The network has %(n)s entities, more than the %(max)s this analysis handles. "
                "Start from chosen entities with fewer hops."
            )
            % {"n": f"{len(ties.nodes):,}", "max": f"{MAX_NETWORK_NODES:,}"}
        )
    progress(25, _("Computing centralities"))
    measures = network.metrics(
        ties,
        seed=params.get("seed") or 0,
        progress=lambda f: progress(25 + 60 * f, _("Computing centralities")),
    )
    progress(88, _("Building the chart and tables"))
    ranked = sorted(
        ties.nodes,
        key=lambda n: (-measures.betweenness[n], -measures.weighted_degree[n], n),
    )
    path = None
    if len(ends) == 2:
        path = network.shortest_path(graph if graph is not None else ties, ends[0], ends[1])
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
    edges = result_edges(ties, kept_set)
    by_id = {node["id"]: node for node in nodes}
    columns = [
        _("Rank"),
        _("Entity id"),
        _("Name"),
        _("Kind"),
        _("Degree (neighbours)"),
        _("Weighted degree (strength)"),
        _("Betweenness (steps)"),
        _("Closeness (steps)"),
        _("Eigenvector (strength)"),
        _("k-core (neighbours)"),
        _("Community (strength)"),
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
        **graph_figures(ties),
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
        "method": method_note(params, ties, measures),
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
        description=format_lazy(
            "{} {}",
            gettext_lazy(
                "Who is connected to whom: entities tied by links and shared reports, ranked by "
                "degree, betweenness, closeness and eigenvector centrality, with communities, "
                "k-cores and the shortest path between two entities."
            ),
            MEASURES_NOTE,
        ),
        params=PARAMS,
        run=run,
        check=check,
        area=False,
        notes={"date_from": gettext_lazy("First day of the reports counted as ties.")},
        order=50,
    )
)
