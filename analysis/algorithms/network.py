"""Link analysis on an entity graph (networkx for the graph, numpy/scipy for the heavy sums).

The graph is undirected and weighted: an explicit link adds its strength weight, and every
report mentioning both entities adds one (co-occurrence). Weights drive weighted degree,
eigenvector centrality, communities and the shortest path (a stronger tie is a shorter step,
distance = 1/weight). Betweenness and closeness count hops, as social network analysis of
association charts usually does; they equal networkx's ``betweenness_centrality`` and
``closeness_centrality`` on the unweighted graph (the tests check it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from scipy.sparse import csgraph

# Betweenness and closeness are exact per connected component up to this many entities (every
# entity a source); a larger component uses this many sampled sources (the estimate networkx's
# ``k`` option gives, computed here with sparse matrix products instead of Python loops).
EXACT_MAX_NODES = 2_000
SAMPLED_SOURCES = 256
# Sources processed together: the BFS state is a (component x batch) array.
BATCH = 256
# Louvain is the reference method for communities; past this size label propagation (near
# linear) is used instead, and the result says which.
LOUVAIN_MAX_NODES = 2_000


def build_graph(
    nodes: Iterable[tuple[int, dict]],
    links: Iterable[tuple[int, int, float]],
    cooccurrences: Iterable[tuple[int, int, int]] = (),
) -> nx.Graph:
    """Nodes ``(id, attributes)``; explicit ``(a, b, weight)`` links; ``(a, b, reports)``."""
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    for a, b, weight in links:
        if a == b or a not in graph or b not in graph:
            continue
        edge = graph.get_edge_data(a, b)
        if edge is None:
            graph.add_edge(a, b, weight=0.0, links=0, reports=0)
            edge = graph.edges[a, b]
        edge["weight"] += float(weight)
        edge["links"] += 1
    for a, b, reports in cooccurrences:
        if a == b or a not in graph or b not in graph:
            continue
        edge = graph.get_edge_data(a, b)
        if edge is None:
            graph.add_edge(a, b, weight=0.0, links=0, reports=0)
            edge = graph.edges[a, b]
        edge["weight"] += float(reports)
        edge["reports"] += int(reports)
    for _a, _b, data in graph.edges(data=True):
        data["distance"] = 1.0 / data["weight"] if data["weight"] > 0 else 1.0
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


def _brandes_batch(adjacency, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brandes' accumulation from several BFS sources at once, with sparse products.

    Returns the dependency of every node summed over the sources, and the hop distances
    (n x len(sources), -1 where unreachable).
    """
    n, b = adjacency.shape[0], len(sources)
    cols = np.arange(b)
    sigma = np.zeros((n, b))
    sigma[sources, cols] = 1.0
    dist = np.full((n, b), -1, dtype=np.int32)
    dist[sources, cols] = 0
    levels = [sigma > 0]
    frontier = sigma.copy()
    depth = 0
    while True:
        reached = adjacency @ frontier
        reached[dist >= 0] = 0.0
        mask = reached > 0
        if not mask.any():
            break
        depth += 1
        dist[mask] = depth
        sigma[mask] = reached[mask]
        frontier = reached
        levels.append(mask)
    delta = np.zeros((n, b))
    safe_sigma = np.where(sigma > 0, sigma, 1.0)
    for d in range(len(levels) - 1, 0, -1):
        coef = np.where(levels[d], (1.0 + delta) / safe_sigma, 0.0)
        delta += np.where(levels[d - 1], sigma * (adjacency @ coef), 0.0)
    delta[sources, cols] = 0.0
    return delta.sum(axis=1), dist


def path_centralities(
    graph: nx.Graph, *, seed: int = 0, progress: Callable[[float], None] | None = None
) -> tuple[dict, dict, bool]:
    """Betweenness and closeness on hop counts, normalised as networkx normalises them.

    Each connected component is handled on its own (paths never leave it): exactly when it
    has up to ``EXACT_MAX_NODES`` entities, else from ``SAMPLED_SOURCES`` random sources.
    Returns (betweenness, closeness, sampled).
    """
    nodes = list(graph.nodes)
    n = len(nodes)
    if n < 2:
        return dict.fromkeys(nodes, 0.0), dict.fromkeys(nodes, 0.0), False
    rng = np.random.default_rng(seed)
    whole = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight=None, format="csr", dtype=float)
    whole.data[:] = 1.0
    count, labels = csgraph.connected_components(whole, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    components = [order[bounds[k] : bounds[k + 1]] for k in range(count)]
    sizes = [len(c) for c in components]
    total_work = sum(min(r, SAMPLED_SOURCES) if r > EXACT_MAX_NODES else r for r in sizes if r > 1)
    done = 0
    sampled = False
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    between = np.zeros(n)
    close = np.zeros(n)
    for members in components:
        r = len(members)
        if r == 1:
            continue
        adjacency = whole[members][:, members]
        exact = r <= EXACT_MAX_NODES
        sources = np.arange(r) if exact else rng.choice(r, SAMPLED_SOURCES, replace=False)
        sampled = sampled or not exact
        dependency = np.zeros(r)
        distance_sum = np.zeros(r)
        # Keep each (component x batch) array near 16 MB whatever the component's size.
        batch_size = int(max(8, min(BATCH, 2_000_000 // r)))
        for first in range(0, len(sources), batch_size):
            batch = sources[first : first + batch_size]
            part, dist = _brandes_batch(adjacency, batch)
            dependency += part
            if exact:
                distance_sum[batch] = dist.sum(axis=0)
            else:
                distance_sum += dist.sum(axis=1)
            done += len(batch)
            if progress is not None:
                progress(done / max(total_work, 1))
        if not exact:
            dependency *= r / len(sources)
            distance_sum *= (r - 1) / len(sources)
        between[members] = dependency * scale
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(distance_sum > 0, (r - 1) / distance_sum * (r - 1) / (n - 1), 0.0)
        close[members] = values
    betweenness = {node: float(v) for node, v in zip(nodes, between, strict=True)}
    closeness = {node: float(v) for node, v in zip(nodes, close, strict=True)}
    return betweenness, closeness, sampled


def eigenvector(graph: nx.Graph, *, max_iter: int = 1000, tol: float = 1e-8) -> dict[int, float]:
    """Weighted eigenvector centrality by power iteration on (A + I), as networkx computes it,
    with sparse products; unit Euclidean norm."""
    nodes = list(graph.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    if graph.number_of_edges() == 0:
        return dict.fromkeys(nodes, 0.0)
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight="weight", format="csr")
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = adjacency @ last + last
        x = x / (np.linalg.norm(x) or 1.0)
        if np.abs(x - last).sum() < n * tol:
            break
    return {node: float(v) for node, v in zip(nodes, x, strict=True)}


def communities(graph: nx.Graph, *, seed: int = 0) -> tuple[list[list[int]], str]:
    """Communities, largest first: Louvain (weighted) up to ``LOUVAIN_MAX_NODES`` entities,
    weighted label propagation beyond."""
    if len(graph) <= LOUVAIN_MAX_NODES:
        groups = nx.community.louvain_communities(graph, weight="weight", seed=seed)
        method = "louvain"
    else:
        groups = nx.community.fast_label_propagation_communities(graph, weight="weight", seed=seed)
        method = "label_propagation"
    ordered = sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))
    return ordered, method


def metrics(
    graph: nx.Graph, *, seed: int = 0, progress: Callable[[float], None] | None = None
) -> NetworkMetrics:
    """Degree, betweenness, closeness, eigenvector centrality, k-core and communities."""

    def step(fraction: float) -> None:
        if progress is not None:
            progress(fraction)

    degree = nx.degree_centrality(graph) if len(graph) > 1 else dict.fromkeys(graph, 0.0)
    weighted = dict(graph.degree(weight="weight"))
    step(0.05)
    betweenness, closeness, sampled = path_centralities(
        graph, seed=seed, progress=lambda f: step(0.05 + 0.6 * f)
    )
    eigen = eigenvector(graph)
    step(0.7)
    core = nx.core_number(graph)
    step(0.75)
    groups, method = communities(graph, seed=seed)
    community = {node: k + 1 for k, group in enumerate(groups) for node in group}
    step(1.0)
    return NetworkMetrics(
        degree=degree,
        weighted_degree={k: float(v) for k, v in weighted.items()},
        betweenness=betweenness,
        closeness=closeness,
        eigenvector=eigen,
        core=core,
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
