"""The network job's result read from arrays, not from a networkx graph: the same ties shown in
the same order, and the same figures, as the graph gave."""

import random

import pytest

from analysis.algorithms import network
from analysis.kinds import network as kind
from analysis.kinds.shared import rounded


def _recorded(weights, isolated=()):
    rng = random.Random(3)
    nodes = list({rng.randint(1, 500) for _ in range(150)} | set(isolated))
    members = [n for n in nodes if n not in isolated]
    links = [(rng.choice(members), rng.choice(members), rng.choice(weights)) for _ in range(400)]
    pairs = {tuple(sorted(rng.sample(members, 2))) for _ in range(200)}
    together = [(a, b, rng.randint(1, 3)) for a, b in sorted(pairs)]
    return nodes, links, together


@pytest.mark.parametrize(
    "weights",
    [[1.0, 2.0, 3.0], [1.005, 2.675, 0.125, 3.0]],
    ids=["whole-numbers", "fractions-to-round"],
)
def test_the_ties_shown_are_those_between_kept_entities_strongest_first_in_graph_order(
    monkeypatch, weights
):
    """As the job built them from the graph: every tie between two kept entities, its weight
    rounded, sorted strongest first (a stable sort, so equals keep the graph's order), cut at
    the result's limit."""
    monkeypatch.setattr(kind, "MAX_RESULT_EDGES", 60)
    nodes, links, together = _recorded(weights)
    graph = network.build_graph([(n, {}) for n in nodes], links, together)
    kept = set(random.Random(4).sample(nodes, 90))
    expected = [
        {
            "from": a,
            "to": b,
            "weight": rounded(data["weight"], 2),
            "links": data["links"],
            "reports": data["reports"],
        }
        for a, b, data in graph.edges(data=True)
        if a in kept and b in kept
    ]
    expected.sort(key=lambda e: -e["weight"])
    assert len(expected) > 60
    shown = kind.result_edges(network.ties(nodes, links, together), kept)
    assert shown == expected[:60]
    assert [type(e["weight"]) for e in shown] == [float] * 60


def test_the_summary_counts_the_ties_of_the_graph_analysed():
    nodes, links, together = _recorded([1.0, 2.0, 3.0], isolated=(9_001, 9_002))
    graph = network.build_graph([(n, {}) for n in nodes], links, together)
    ties = graph.edges(data=True)
    assert kind.graph_figures(network.ties(nodes, links, together)) == {
        "entities": graph.number_of_nodes(),
        "ties": graph.number_of_edges(),
        "explicit_links": sum(data["links"] for _a, _b, data in ties),
        "co_occurrence_pairs": sum(1 for _a, _b, data in ties if data["reports"]),
        "entities_without_ties": sum(1 for _n, degree in graph.degree() if degree == 0),
    }
    assert kind.graph_figures(network.ties(nodes, links, together))["entities_without_ties"] >= 2
