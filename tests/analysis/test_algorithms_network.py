"""Network metrics against networkx on a known graph; shortest paths follow the strongest ties."""

import random

import networkx as nx
import numpy as np
import pytest

from analysis.algorithms import network


def _karate():
    reference = nx.karate_club_graph()
    nodes = [(n, {"label": str(n)}) for n in reference.nodes]
    links = [(a, b, 1.0) for a, b in reference.edges]
    return reference, network.build_graph(nodes, links)


def test_centralities_match_networkx_on_the_karate_club_graph():
    reference, graph = _karate()
    result = network.metrics(graph, seed=1)
    for node in reference:
        assert result.degree[node] == pytest.approx(nx.degree_centrality(reference)[node])
    between = nx.betweenness_centrality(reference, weight=None)
    close = nx.closeness_centrality(reference)
    eigen = nx.eigenvector_centrality(reference, max_iter=1000, tol=1e-8, weight=None)
    for node in reference:
        assert result.betweenness[node] == pytest.approx(between[node])
        assert result.closeness[node] == pytest.approx(close[node])
        assert result.eigenvector[node] == pytest.approx(eigen[node], abs=1e-6)
    assert result.core == nx.core_number(reference)
    # The two leaders are the most central people, as every study of this graph finds.
    top = sorted(result.betweenness, key=result.betweenness.get, reverse=True)[:2]
    assert set(top) == {0, 33}


def test_hop_centralities_match_networkx_on_a_graph_of_several_components():
    reference = nx.disjoint_union_all(
        [
            nx.gnm_random_graph(60, 150, seed=3),
            nx.barabasi_albert_graph(40, 2, seed=4),
            nx.path_graph(5),
            nx.empty_graph(2),
        ]
    )
    graph = network.build_graph(
        [(n, {}) for n in reference.nodes], [(a, b, 2.5) for a, b in reference.edges]
    )
    between, close, sampled = network.path_centralities(graph)
    assert not sampled
    expected_between = nx.betweenness_centrality(reference)
    expected_close = nx.closeness_centrality(reference)
    for node in reference:
        assert between[node] == pytest.approx(expected_between[node], abs=1e-12)
        assert close[node] == pytest.approx(expected_close[node], abs=1e-12)


def test_weighted_eigenvector_centrality_matches_networkx():
    reference = nx.les_miserables_graph()
    mapping = {name: k for k, name in enumerate(reference.nodes)}
    reference = nx.relabel_nodes(reference, mapping)
    graph = network.build_graph(
        [(n, {}) for n in reference.nodes],
        [(a, b, d["weight"]) for a, b, d in reference.edges(data=True)],
    )
    expected = nx.eigenvector_centrality(reference, weight="weight", max_iter=1000, tol=1e-8)
    result = network.eigenvector(graph)
    for node in reference:
        assert result[node] == pytest.approx(expected[node], abs=1e-6)


def test_a_large_component_is_estimated_from_sampled_sources_close_to_the_exact_figures(
    monkeypatch,
):
    reference = nx.barabasi_albert_graph(400, 2, seed=5)
    graph = network.build_graph(
        [(n, {}) for n in reference], [(a, b, 1) for a, b in reference.edges]
    )
    monkeypatch.setattr(network, "EXACT_MAX_NODES", 100)
    monkeypatch.setattr(network, "SAMPLED_SOURCES", 200)
    between, close, sampled = network.path_centralities(graph, seed=2)
    assert sampled
    exact_between = nx.betweenness_centrality(reference)
    exact_close = nx.closeness_centrality(reference)
    top_exact = sorted(exact_between, key=exact_between.get, reverse=True)[:5]
    top_sampled = sorted(between, key=between.get, reverse=True)[:5]
    assert len(set(top_exact) & set(top_sampled)) >= 4
    for node in reference:
        assert close[node] == pytest.approx(exact_close[node], rel=0.15)


def test_communities_partition_every_node_once():
    _reference, graph = _karate()
    result = network.metrics(graph, seed=1)
    assert sorted(n for group in result.communities for n in group) == sorted(graph.nodes)
    assert 2 <= len(result.communities) <= 6


def test_links_and_co_occurrence_add_up_into_edge_weights():
    graph = network.build_graph(
        [(1, {}), (2, {}), (3, {})], [(1, 2, 3.0), (2, 1, 1.0)], [(1, 2, 2), (2, 3, 1), (3, 9, 4)]
    )
    assert graph.edges[1, 2]["weight"] == 6.0
    assert graph.edges[1, 2]["links"] == 2 and graph.edges[1, 2]["reports"] == 2
    assert graph.edges[2, 3]["weight"] == 1.0
    assert 9 not in graph  # an entity outside the node set never enters the graph


def test_the_shortest_path_prefers_strong_ties_and_is_none_between_islands():
    graph = network.build_graph(
        [(n, {}) for n in range(1, 7)],
        [(1, 2, 0.2), (2, 3, 0.2), (1, 4, 3.0), (4, 5, 3.0), (5, 3, 3.0)],
    )
    assert network.shortest_path(graph, 1, 3) == [1, 4, 5, 3]
    assert network.shortest_path(graph, 1, 6) is None
    assert network.shortest_path(graph, 1, 99) is None


def test_the_neighbourhood_keeps_what_lies_within_the_hops():
    graph = network.build_graph([(n, {}) for n in range(5)], [(0, 1, 1), (1, 2, 1), (2, 3, 1)])
    assert set(network.neighbourhood(graph, [0], 2)) == {0, 1, 2}


def _les_miserables():
    reference = nx.les_miserables_graph()
    reference = nx.relabel_nodes(reference, {name: k for k, name in enumerate(reference.nodes)})
    graph = network.build_graph(
        [(n, {}) for n in reference.nodes],
        [(a, b, d["weight"]) for a, b, d in reference.edges(data=True)],
    )
    return reference, graph


def test_every_measure_matches_networkx_on_a_weighted_graph():
    """Les Misérables co-appearances (weights 1 to 31): hop measures as networkx computes them
    unweighted, strength measures as it computes them weighted, to 1e-6."""
    reference, graph = _les_miserables()
    result = network.metrics(graph, seed=3)
    degree = nx.degree_centrality(reference)
    between = nx.betweenness_centrality(reference, weight=None)
    close = nx.closeness_centrality(reference)
    eigen = nx.eigenvector_centrality(reference, weight="weight", max_iter=1000, tol=1e-8)
    strength = dict(reference.degree(weight="weight"))
    for node in reference:
        assert result.degree[node] == pytest.approx(degree[node], abs=1e-6)
        assert result.betweenness[node] == pytest.approx(between[node], abs=1e-6)
        assert result.closeness[node] == pytest.approx(close[node], abs=1e-6)
        assert result.eigenvector[node] == pytest.approx(eigen[node], abs=1e-6)
        assert result.weighted_degree[node] == pytest.approx(strength[node], abs=1e-6)
    assert result.core == nx.core_number(reference)


def test_small_components_stay_exact_beside_a_sampled_large_one(monkeypatch):
    reference = nx.disjoint_union_all(
        [nx.barabasi_albert_graph(300, 2, seed=6), nx.karate_club_graph(), nx.path_graph(4)]
    )
    graph = network.build_graph(
        [(n, {}) for n in reference], [(a, b, 1) for a, b in reference.edges]
    )
    monkeypatch.setattr(network, "EXACT_MAX_NODES", 100)
    between, close, sampled = network.path_centralities(graph, seed=4)
    assert sampled
    expected_between = nx.betweenness_centrality(reference)
    expected_close = nx.closeness_centrality(reference)
    for node in range(300, len(reference)):  # the karate club and the path: exact
        assert between[node] == pytest.approx(expected_between[node], abs=1e-12)
        assert close[node] == pytest.approx(expected_close[node], abs=1e-12)
    for node in range(300):  # the large component: estimated from 256 of its 300 entities
        assert close[node] == pytest.approx(expected_close[node], rel=0.05)


@pytest.mark.parametrize("graphs", [_karate, _les_miserables], ids=["karate", "les-miserables"])
def test_communities_are_as_modular_as_networkx_louvain_and_repeat_with_the_seed(graphs):
    _reference, graph = graphs()
    result = network.metrics(graph, seed=7)
    again = network.metrics(graph, seed=7)
    assert result.communities == again.communities
    assert result.community_method == "louvain"
    # Both on the graph analysed (the karate club's ties all weigh 1 there).
    ours = nx.community.modularity(graph, result.communities, weight="weight")
    theirs = max(
        nx.community.modularity(
            graph, nx.community.louvain_communities(graph, weight="weight", seed=s), weight="weight"
        )
        for s in range(5)
    )
    assert ours >= theirs - 0.02
    assert {node: k + 1 for k, g in enumerate(result.communities) for node in g} == (
        result.community
    )


def test_sampled_figures_do_not_depend_on_how_many_sources_are_asked_at_once(monkeypatch):
    reference = nx.barabasi_albert_graph(300, 2, seed=9)
    graph = network.build_graph(
        [(n, {}) for n in reference], [(a, b, 1) for a, b in reference.edges]
    )
    monkeypatch.setattr(network, "EXACT_MAX_NODES", 100)
    monkeypatch.setattr(network, "SAMPLED_SOURCES", 40)
    whole = network.path_centralities(graph, seed=3)
    monkeypatch.setattr(network, "DISTANCE_CELLS", 1)  # one source at a time
    one_by_one = network.path_centralities(graph, seed=3)
    assert whole[2] and one_by_one[2]
    for node in reference:
        assert one_by_one[0][node] == pytest.approx(whole[0][node], abs=1e-12)
        assert one_by_one[1][node] == pytest.approx(whole[1][node], abs=1e-12)


def _recorded(seed: int = 5, groups: int = 6):
    """Ties as the job reads them: links recorded either way round, some twice, shared reports
    on top of links, a link of an entity with itself and one to an entity outside the graph;
    the entities in the order of a set, as the job gathers them, in several groups."""
    rng = random.Random(seed)
    nodes: list[int] = []
    links: list[tuple[int, int, float]] = []
    together: dict[tuple[int, int], int] = {}
    for group in range(groups):
        members = rng.sample(range(1000 * group + 1, 1000 * group + 900), rng.randint(8, 40))
        nodes += members
        for _ in range(3 * len(members)):
            a, b = rng.sample(members, 2)
            links.append((a, b, rng.choice([1.0, 2.0, 3.0])))
        for _ in range(2 * len(members)):
            a, b = sorted(rng.sample(members, 2))
            together[(a, b)] = rng.randint(1, 4)
    links += [(nodes[0], nodes[0], 3.0), (nodes[1], 99_999, 2.0)]
    order = list(set(nodes))
    return order, links, [(a, b, n) for (a, b), n in sorted(together.items())]


def test_the_arrays_hold_the_graph_networkx_builds_in_its_order():
    """Nodes, ties, weights, links and shared reports as the networkx graph lists them: each
    node in its order, each tie once, from the node that comes first."""
    nodes, links, together = _recorded()
    graph = network.build_graph([(n, {}) for n in nodes], links, together)
    ties = network.ties(nodes, links, together)
    assert ties.nodes == list(graph.nodes)
    seen = [
        (
            ties.nodes[a],
            ties.nodes[b],
            float(w),
            int(k),
            int(r),
        )
        for a, b, w, k, r in zip(
            ties.source, ties.target, ties.weight, ties.links, ties.reports, strict=True
        )
    ]
    assert seen == [
        (a, b, d["weight"], d["links"], d["reports"]) for a, b, d in graph.edges(data=True)
    ]
    assert 99_999 not in ties.nodes and all(a != b for a, b, *_rest in seen)


def test_every_measure_of_the_arrays_equals_that_of_the_networkx_graph():
    nodes, links, together = _recorded(seed=6)
    graph = network.build_graph([(n, {}) for n in nodes], links, together)
    from_arrays = network.metrics(network.ties(nodes, links, together), seed=4)
    from_graph = network.metrics(graph, seed=4)
    assert from_arrays == from_graph
    assert len(from_arrays.communities) >= 6


def test_the_shortest_path_over_the_arrays_is_the_one_networkx_finds_among_equal_routes():
    """A grid of equal ties has many shortest routes: the path found over the arrays is the
    one networkx finds on the whole graph, and none between unconnected or unknown entities."""
    grid = nx.convert_node_labels_to_integers(nx.grid_2d_graph(6, 6), first_label=1)
    links = [(a, b, 1.0) for a, b in grid.edges] + [(100, 101, 2.0)]
    nodes = list({*grid.nodes, 100, 101, 102})
    graph = network.build_graph([(n, {}) for n in nodes], links)
    ties = network.ties(nodes, links)
    for source, target in [(1, 36), (6, 31), (8, 29), (36, 1), (13, 24), (1, 100), (100, 101)]:
        assert network.shortest_path(ties, source, target) == network.shortest_path(
            graph, source, target
        )
    assert network.shortest_path(ties, 1, 36) is not None
    assert network.shortest_path(ties, 1, 102) is None
    assert network.shortest_path(ties, 1, 999) is None


def _power_iteration(ties, max_iter=1000, tol=1e-8):
    """The plain power iteration on (A + I) over the whole graph, as networkx runs it."""
    n = len(ties.nodes)
    matrix = np.zeros((n, n))
    np.add.at(matrix, (ties.source, ties.target), ties.weight)
    np.add.at(matrix, (ties.target, ties.source), ties.weight)
    matrix += np.eye(n)
    x = np.full(n, 1.0 / n)
    for done in range(1, max_iter + 1):
        last, x = x, matrix @ x
        x /= np.sqrt((x * x).sum())
        if np.abs(x - last).sum() < n * tol:
            return x, done
    return x, max_iter


@pytest.mark.parametrize(
    "parts",
    [
        # Many parts of close eigenvalues: their shares still move after 1,000 iterations.
        [nx.gnm_random_graph(30, 120, seed=k) for k in range(12)],
        # One part far ahead: the others fade and the vector converges once all have settled.
        [nx.complete_graph(25), nx.path_graph(6), nx.star_graph(5), nx.cycle_graph(7)],
        # One part: settles and converges as networkx's iteration does.
        [nx.les_miserables_graph()],
    ],
    ids=["many-close-parts", "one-part-ahead", "connected"],
)
def test_the_eigenvector_iterated_part_by_part_is_the_power_iteration_of_the_whole(parts):
    rng = random.Random(8)
    whole = nx.convert_node_labels_to_integers(nx.disjoint_union_all(parts))
    links = [(a, b, float(rng.choice([1, 2, 3]))) for a, b in whole.edges]
    ties = network.ties(list(whole.nodes), links)
    expected, iterations = _power_iteration(ties)
    found = network.eigenvector(ties)
    assert np.abs(np.array([found[n] for n in ties.nodes]) - expected).max() < 1e-12
    if len(parts) == 12:
        assert iterations == 1000  # the case the part-by-part iteration is for


@pytest.mark.parametrize("batch", [1_000_000, 4], ids=["one-batch", "batches-of-two"])
def test_the_eigenvector_stops_where_the_whole_iteration_stops_after_every_part_has_settled(
    monkeypatch, batch
):
    """Two complete graphs: their directions settle at once, then only their shares shift, the
    smaller's fading by 9/10 an iteration until the whole vector converges; the part-by-part
    iteration stops at that same iteration, not at the last one, however many iterations of
    shares are computed at a time."""
    monkeypatch.setattr(network, "SHARE_CELLS", batch)
    whole = nx.convert_node_labels_to_integers(
        nx.disjoint_union(nx.complete_graph(10), nx.complete_graph(9))
    )
    ties = network.ties(list(whole.nodes), [(a, b, 1.0) for a, b in whole.edges])
    expected, iterations = _power_iteration(ties)
    assert 20 < iterations < 1000
    found = network.eigenvector(ties)
    assert np.abs(np.array([found[n] for n in ties.nodes]) - expected).max() < 1e-12


def _pairs_counted_one_report_at_a_time(mentions):
    from collections import Counter
    from itertools import combinations

    by_report: dict[int, list[int]] = {}
    for report, entity in mentions:
        by_report.setdefault(report, []).append(entity)
    counted: Counter = Counter()
    for entities in by_report.values():
        counted.update(combinations(sorted(entities), 2))
    return sorted((a, b, n) for (a, b), n in counted.items())


def test_pairs_named_together_are_those_a_report_by_report_count_finds():
    """Shuffled mentions, reports of 1 to 40 entities (one naming 120), large ids: the pairs
    made as whole arrays are those counted report by report, ascending, each once."""
    rng = random.Random(11)
    mentions = []
    for report in range(1, 400):
        size = 120 if report == 7 else rng.choice([1, 1, 2, 2, 3, 4, 6, 40])
        for entity in rng.sample(range(10**10, 10**10 + 300), size):
            mentions.append((report * 1_000_003, entity))
    rng.shuffle(mentions)
    reports = np.array([r for r, _e in mentions])
    entities = np.array([e for _r, e in mentions])
    counted = network.cooccurrences(reports, entities)
    assert counted == _pairs_counted_one_report_at_a_time(mentions)
    assert network.pairs_named_together(reports, entities) == sum(n for _a, _b, n in counted)
    assert all(isinstance(x, int) for row in counted[:5] for x in row)


def test_no_pairs_come_of_reports_naming_one_entity_or_none():
    assert network.cooccurrences(np.array([1, 2, 3]), np.array([5, 5, 6])) == []
    assert network.cooccurrences(np.array([], dtype=np.int64), np.array([], dtype=np.int64)) == []
    assert network.pairs_named_together(np.array([1, 2, 3]), np.array([5, 5, 6])) == 0
