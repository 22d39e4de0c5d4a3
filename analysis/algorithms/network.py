"""Link analysis on an entity graph: networkx holds the graph, igraph computes the measures.

The graph is undirected and weighted: an explicit link adds its strength weight, and every
report mentioning both entities adds one (co-occurrence). Weights drive weighted degree,
eigenvector centrality, communities and the shortest path (a stronger tie is a shorter step,
distance = 1/weight). Betweenness and closeness count hops, as social network analysis of
association charts usually does; they equal networkx's ``betweenness_centrality`` and
``closeness_centrality`` on the unweighted graph, eigenvector centrality networkx's weighted
``eigenvector_centrality`` and the k-core networkx's ``core_number`` (the tests check each
against networkx). Betweenness, closeness, k-cores and communities (Louvain, weighted) are
computed by igraph's C library on the graph's edge list; eigenvector centrality by sparse
power iteration as networkx does it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import igraph
import networkx as nx
import numpy as np
from scipy import sparse

# Betweenness and closeness are exact per connected component up to this many entities (every
# entity a source); a larger component uses this many sampled sources (the estimate networkx's
# ``k`` option gives).
EXACT_MAX_NODES = 2_000
SAMPLED_SOURCES = 256
# Hop distances asked of igraph at a time for a sampled component (sources x members).
DISTANCE_CELLS = 1_000_000


def build_graph(
    nodes: Iterable[tuple[int, dict]],
    links: Iterable[tuple[int, int, float]],
    cooccurrences: Iterable[tuple[int, int, int]] = (),
) -> nx.Graph:
    """Nodes ``(id, attributes)``; explicit ``(a, b, weight)`` links; ``(a, b, reports)``.

    Ties between the same two entities add up (whichever way round they were recorded); an
    entity outside the node set and a tie of an entity with itself are left out. The sums are
    made on arrays, and networkx receives each tie once.
    """
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    links, cooccurrences = list(links), list(cooccurrences)
    if not links and not cooccurrences:
        return graph
    a = np.fromiter((r[0] for r in (*links, *cooccurrences)), dtype=np.int64)
    b = np.fromiter((r[1] for r in (*links, *cooccurrences)), dtype=np.int64)
    amount = np.fromiter((r[2] for r in (*links, *cooccurrences)), dtype=float)
    is_link = np.arange(len(a)) < len(links)
    known = np.fromiter(graph.nodes, dtype=np.int64, count=len(graph))
    keep = (a != b) & np.isin(a, known) & np.isin(b, known)
    a, b, amount, is_link = a[keep], b[keep], amount[keep], is_link[keep]
    low, high = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((high, low))
    low, high, amount, is_link = low[order], high[order], amount[order], is_link[order]
    starts = np.flatnonzero(np.r_[True, (low[1:] != low[:-1]) | (high[1:] != high[:-1])])
    if not len(starts):
        return graph
    weight = np.add.reduceat(amount, starts)
    link_count = np.add.reduceat(is_link.astype(np.int64), starts)
    reports = np.add.reduceat(np.where(is_link, 0, amount).astype(np.int64), starts)
    distance = np.where(weight > 0, 1.0 / np.where(weight > 0, weight, 1.0), 1.0)
    graph.add_edges_from(
        (u, v, {"weight": w, "links": k, "reports": r, "distance": d})
        for u, v, w, k, r, d in zip(
            low[starts].tolist(),
            high[starts].tolist(),
            weight.tolist(),
            link_count.tolist(),
            reports.tolist(),
            distance.tolist(),
            strict=True,
        )
    )
    return graph


def neighbourhood(graph: nx.Graph, seeds: Iterable[int], hops: int) -> nx.Graph:
    """The part of the graph within ``hops`` steps of any seed."""
    keep: set[int] = set()
    for seed in seeds:
        if seed in graph:
            keep.update(nx.single_source_shortest_path_length(graph, seed, cutoff=hops))
    return graph.subgraph(keep).copy()


@dataclass
class NetworkMetrics:
    degree: dict[int, float]
    weighted_degree: dict[int, float]
    betweenness: dict[int, float]
    closeness: dict[int, float]
    eigenvector: dict[int, float]
    core: dict[int, int]
    community: dict[int, int]
    betweenness_sampled: bool = False
    communities: list[list[int]] = field(default_factory=list)
    community_method: str = "louvain"


@dataclass
class _EdgeList:
    """The graph as igraph sees it: nodes in the graph's order, ties as index pairs."""

    nodes: list
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    _igraph: igraph.Graph | None = None

    @classmethod
    def of(cls, graph: nx.Graph) -> _EdgeList:
        nodes = list(graph.nodes)
        index = {node: k for k, node in enumerate(nodes)}
        m = graph.number_of_edges()
        source = np.empty(m, dtype=np.int64)
        target = np.empty(m, dtype=np.int64)
        weight = np.empty(m, dtype=float)
        for k, (a, b, w) in enumerate(graph.edges(data="weight", default=1.0)):
            source[k], target[k], weight[k] = index[a], index[b], w
        return cls(nodes, source, target, weight)

    def igraph(self) -> igraph.Graph:
        """The same graph in igraph (built once; vertex k is ``nodes[k]``)."""
        if self._igraph is None:
            self._igraph = igraph.Graph(
                n=len(self.nodes),
                edges=list(zip(self.source.tolist(), self.target.tolist(), strict=True)),
            )
        return self._igraph

    def adjacency(self, weighted: bool) -> sparse.csr_array:
        n = len(self.nodes)
        values = self.weight if weighted else np.ones(len(self.source))
        rows = np.concatenate([self.source, self.target])
        cols = np.concatenate([self.target, self.source])
        return sparse.csr_array((np.concatenate([values, values]), (rows, cols)), shape=(n, n))


def _seeded(seed: int):
    """igraph draws from Python's ``random`` module: a generator of its own for one call."""

    class Seeded:
        def __enter__(self):
            igraph.set_random_number_generator(random.Random(seed))

        def __exit__(self, *exc):
            igraph.set_random_number_generator(random)

    return Seeded()


def path_centralities(
    graph: nx.Graph,
    *,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    edges: _EdgeList | None = None,
) -> tuple[dict, dict, bool]:
    """Betweenness and closeness on hop counts, normalised as networkx normalises them.

    Each connected component is handled on its own (paths never leave it): exactly when it
    has up to ``EXACT_MAX_NODES`` entities, else from ``SAMPLED_SOURCES`` random sources.
    Returns (betweenness, closeness, sampled).
    """
    edges = edges or _EdgeList.of(graph)
    nodes = edges.nodes
    n = len(nodes)
    if n < 2:
        return dict.fromkeys(nodes, 0.0), dict.fromkeys(nodes, 0.0), False
    g = edges.igraph()
    rng = np.random.default_rng(seed)
    components = [np.asarray(c, dtype=np.int64) for c in g.connected_components()]
    large = any(len(c) > EXACT_MAX_NODES for c in components)
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    between = np.zeros(n)
    close = np.zeros(n)
    # igraph counts each pair once: half of Brandes' sum over every source.
    if not large:
        between = 2.0 * np.asarray(g.betweenness(directed=False), dtype=float)
    else:
        # Paths never leave a component: the small ones are their own sources and targets.
        exact = [c for c in components if 2 < len(c) <= EXACT_MAX_NODES]
        if exact:
            members = np.concatenate(exact).tolist()
            values = g.betweenness(
                vertices=members, directed=False, sources=members, targets=members
            )
            between[members] = 2.0 * np.asarray(values, dtype=float)
    if progress is not None:
        progress(0.5)
    small = [c for c in components if 1 < len(c) <= EXACT_MAX_NODES]
    if small:
        members = np.concatenate(small)
        reach = np.concatenate([np.full(len(c), len(c)) for c in small])
        with np.errstate(divide="ignore", invalid="ignore"):
            # igraph: (reached - 1) / (sum of hops to them); networkx scales it by the share
            # of the graph reached (Wasserman and Faust).
            values = g.closeness(vertices=members.tolist(), mode="all", normalized=True)
            close[members] = np.nan_to_num(np.asarray(values, dtype=float)) * (reach - 1) / (n - 1)
    sampled = False
    for members in components:
        r = len(members)
        if r <= EXACT_MAX_NODES:
            continue
        sampled = True
        sources = members[rng.choice(r, SAMPLED_SOURCES, replace=False)]
        subset = np.asarray(
            g.betweenness(vertices=members.tolist(), directed=False, sources=sources.tolist()),
            dtype=float,
        )
        between[members] = 2.0 * subset * r / len(sources)
        # igraph answers with Python lists: a few sources at a time keeps them near a million
        # numbers whatever the component's size.
        distance_sum = np.zeros(r)
        step = max(1, DISTANCE_CELLS // r)
        for first in range(0, len(sources), step):
            batch = sources[first : first + step].tolist()
            distance_sum += np.asarray(g.distances(source=batch, target=members.tolist())).sum(
                axis=0
            )
        distance_sum *= (r - 1) / len(sources)
        with np.errstate(divide="ignore", invalid="ignore"):
            close[members] = np.where(
                distance_sum > 0, (r - 1) / distance_sum * (r - 1) / (n - 1), 0.0
            )
    between *= scale
    if progress is not None:
        progress(1.0)
    betweenness = {node: float(v) for node, v in zip(nodes, between, strict=True)}
    closeness = {node: float(v) for node, v in zip(nodes, close, strict=True)}
    return betweenness, closeness, sampled


def eigenvector(
    graph: nx.Graph, *, max_iter: int = 1000, tol: float = 1e-8, edges: _EdgeList | None = None
) -> dict[int, float]:
    """Weighted eigenvector centrality by power iteration on (A + I), as networkx computes it,
    with sparse products; unit Euclidean norm."""
    edges = edges or _EdgeList.of(graph)
    nodes = edges.nodes
    n = len(nodes)
    if n == 0:
        return {}
    if len(edges.source) == 0:
        return dict.fromkeys(nodes, 0.0)
    adjacency = edges.adjacency(weighted=True)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = adjacency @ last
        x += last
        # The Euclidean norm summed by numpy itself: BLAS (np.linalg.norm, np.dot) starts its
        # threads for a vector of 10,000 and waited milliseconds for them on a busy machine,
        # a thousand times over.
        x /= float(np.sqrt(np.add.reduce(x * x))) or 1.0
        if np.abs(x - last).sum() < n * tol:
            break
    return {node: float(v) for node, v in zip(nodes, x, strict=True)}


def communities(
    graph: nx.Graph, *, seed: int = 0, edges: _EdgeList | None = None
) -> tuple[list[list[int]], str]:
    """Communities, largest first: Louvain on the weighted ties (igraph's multilevel method,
    its random order drawn from ``seed``)."""
    edges = edges or _EdgeList.of(graph)
    if not edges.nodes:
        return [], "louvain"
    g = edges.igraph()
    with _seeded(seed):
        clusters = g.community_multilevel(weights=edges.weight.tolist())
    groups = [[edges.nodes[v] for v in cluster] for cluster in clusters]
    ordered = sorted((sorted(group) for group in groups), key=lambda g: (-len(g), g[0]))
    return ordered, "louvain"


def metrics(
    graph: nx.Graph, *, seed: int = 0, progress: Callable[[float], None] | None = None
) -> NetworkMetrics:
    """Degree, betweenness, closeness, eigenvector centrality, k-core and communities."""

    def step(fraction: float) -> None:
        if progress is not None:
            progress(fraction)

    edges = _EdgeList.of(graph)
    nodes, n = edges.nodes, len(edges.nodes)
    hops = np.bincount(edges.source, minlength=n) + np.bincount(edges.target, minlength=n)
    strength = np.bincount(edges.source, edges.weight, minlength=n) + np.bincount(
        edges.target, edges.weight, minlength=n
    )
    degree = hops / (n - 1) if n > 1 else np.zeros(n)
    step(0.05)
    betweenness, closeness, sampled = path_centralities(
        graph, seed=seed, progress=lambda f: step(0.05 + 0.6 * f), edges=edges
    )
    eigen = eigenvector(graph, edges=edges)
    step(0.7)
    core = edges.igraph().coreness() if n else []
    step(0.75)
    groups, method = communities(graph, seed=seed, edges=edges)
    community = {node: k + 1 for k, group in enumerate(groups) for node in group}
    step(1.0)
    return NetworkMetrics(
        degree={node: float(v) for node, v in zip(nodes, degree, strict=True)},
        weighted_degree={node: float(v) for node, v in zip(nodes, strength, strict=True)},
        betweenness=betweenness,
        closeness=closeness,
        eigenvector=eigen,
        core={node: int(v) for node, v in zip(nodes, core, strict=True)},
        community=community,
        betweenness_sampled=sampled,
        communities=groups,
        community_method=method,
    )


def shortest_path(graph: nx.Graph, source: int, target: int) -> list[int] | None:
    """The strongest chain of ties from ``source`` to ``target``; None when unconnected."""
    if source not in graph or target not in graph:
        return None
    try:
        return nx.shortest_path(graph, source, target, weight="distance")
    except nx.NetworkXNoPath:
        return None
