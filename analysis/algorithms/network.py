"""Link analysis on an entity graph: arrays hold the graph, igraph computes the measures.

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

The whole graph is held as arrays (:func:`ties`: nodes, ties, weights), in the order networkx
would hold it, so the measures are those of the networkx graph :func:`build_graph` makes,
without building it; networkx is built for what it is kept for: the neighbourhood of chosen
entities and the shortest path (of the connected part it runs in).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
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


def _summed(
    known: np.ndarray,
    links: Sequence[tuple[int, int, float]] | np.ndarray,
    cooccurrences: Sequence[tuple[int, int, int]] | np.ndarray,
):
    """The ties between ``known`` entities, each once as ``(low, high)`` in ascending order
    (the order networkx receives them), with their summed weight, explicit links and shared
    reports; an entity outside ``known`` and a tie of an entity with itself are left out."""
    explicit = np.asarray(links, dtype=float).reshape(-1, 3)
    shared = np.asarray(cooccurrences, dtype=float).reshape(-1, 3)
    rows = np.concatenate([explicit, shared])
    a, b = rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64)
    amount = rows[:, 2]
    is_link = np.arange(len(a)) < len(explicit)
    keep = (a != b) & np.isin(a, known) & np.isin(b, known)
    a, b, amount, is_link = a[keep], b[keep], amount[keep], is_link[keep]
    low, high = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((high, low))
    low, high, amount, is_link = low[order], high[order], amount[order], is_link[order]
    if not len(low):
        none = np.empty(0, dtype=np.int64)
        return none, none, np.empty(0), none, none
    starts = np.flatnonzero(np.r_[True, (low[1:] != low[:-1]) | (high[1:] != high[:-1])])
    weight = np.add.reduceat(amount, starts)
    link_count = np.add.reduceat(is_link.astype(np.int64), starts)
    reports = np.add.reduceat(np.where(is_link, 0, amount).astype(np.int64), starts)
    return low[starts], high[starts], weight, link_count, reports


def pairs_named_together(reports: np.ndarray, entities: np.ndarray) -> int:
    """How many (report, pair of entities) rows :func:`cooccurrences` would expand the
    mentions into, counted before anything is allocated: a report naming k entities gives
    k(k-1)/2."""
    if not len(reports):
        return 0
    _ids, sizes = np.unique(np.asarray(reports, dtype=np.int64), return_counts=True)
    return int((sizes * (sizes - 1) // 2).sum())


def cooccurrences(reports: np.ndarray, entities: np.ndarray) -> list[tuple[int, int, int]]:
    """``(a, b, n)`` for every two entities named in the same reports, ``a < b``, ``n`` the
    number of reports naming both, in ascending order of ``(a, b)``.

    ``reports[i]`` names ``entities[i]``, each (report, entity) once (as the mention table's
    unique constraint keeps them). Within a report sorted by entity, each mention pairs with
    every later one; the pairs are made as whole arrays (no loop over reports or over report
    sizes, so one report naming hundreds of entities costs what its pairs cost)."""
    reports = np.asarray(reports, dtype=np.int64)
    entities = np.asarray(entities, dtype=np.int64)
    if len(reports) < 2:
        return []
    order = np.lexsort((entities, reports))
    reports, entities = reports[order], entities[order]
    starts = np.flatnonzero(np.r_[True, reports[1:] != reports[:-1]])
    sizes = np.diff(np.r_[starts, len(reports)])
    # Each mention's place in its report and how many mentions of the report follow it.
    place = np.arange(len(reports)) - np.repeat(starts, sizes)
    later = np.repeat(sizes, sizes) - place - 1
    total = int(later.sum())
    if total == 0:
        return []
    first = np.repeat(np.arange(len(reports)), later)
    # The k-th pair of a mention takes the k-th mention after it.
    step = np.arange(total) - np.repeat(np.cumsum(later) - later, later) + 1
    a, b = entities[first], entities[first + step]
    # Dense numbers for the entities, so each pair is one int64 key.
    known, dense = np.unique(np.concatenate([a, b]), return_inverse=True)
    key = dense[:total].astype(np.int64) * len(known) + dense[total:]
    keys, counts = np.unique(key, return_counts=True)
    low, high = known[keys // len(known)], known[keys % len(known)]
    return list(zip(low.tolist(), high.tolist(), counts.tolist(), strict=True))


def _distance(weight: np.ndarray) -> np.ndarray:
    """Step length of a tie for the shortest path: a stronger tie is a shorter step."""
    return np.where(weight > 0, 1.0 / np.where(weight > 0, weight, 1.0), 1.0)


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
    known = np.fromiter(graph.nodes, dtype=np.int64, count=len(graph))
    low, high, weight, link_count, reports = _summed(known, links, cooccurrences)
    graph.add_edges_from(
        (u, v, {"weight": w, "links": k, "reports": r, "distance": d})
        for u, v, w, k, r, d in zip(
            low.tolist(),
            high.tolist(),
            weight.tolist(),
            link_count.tolist(),
            reports.tolist(),
            _distance(weight).tolist(),
            strict=True,
        )
    )
    return graph


def ties(
    nodes: Sequence[int],
    links: Sequence[tuple[int, int, float]] | np.ndarray,
    cooccurrences: Sequence[tuple[int, int, int]] | np.ndarray = (),
) -> Ties:
    """The graph :func:`build_graph` makes of the same nodes and ties, as arrays, without
    building it: the same sums, the nodes in the order given and the ties in the order
    networkx lists them (each entity in turn, its ties in the order they were added, each tie
    once, from the entity that comes first). Every measure therefore sees the same graph, in
    the same order, as it would through networkx."""
    nodes = list(nodes)
    known = np.asarray(nodes, dtype=np.int64)
    low, high, weight, link_count, reports = _summed(known, links, cooccurrences)
    sorter = np.argsort(known, kind="stable")
    position_low = sorter[np.searchsorted(known, low, sorter=sorter)]
    position_high = sorter[np.searchsorted(known, high, sorter=sorter)]
    first = np.minimum(position_low, position_high)
    order = np.argsort(first, kind="stable")
    return Ties(
        nodes,
        first[order],
        np.maximum(position_low, position_high)[order],
        weight[order],
        link_count[order],
        reports[order],
    )


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
class Ties:
    """A graph as arrays: its nodes in order, each tie once as a pair of node positions
    (``source`` the one networkx lists first), with its weight, the explicit links and the
    shared reports it sums. Built by :func:`ties`, or from a networkx graph by :meth:`of`."""

    nodes: list
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    links: np.ndarray
    reports: np.ndarray
    _igraph: igraph.Graph | None = None
    _parts: igraph.VertexClustering | None = None

    @classmethod
    def of(cls, graph: nx.Graph) -> Ties:
        nodes = list(graph.nodes)
        index = {node: k for k, node in enumerate(nodes)}
        m = graph.number_of_edges()
        source = np.empty(m, dtype=np.int64)
        target = np.empty(m, dtype=np.int64)
        weight = np.empty(m, dtype=float)
        links = np.zeros(m, dtype=np.int64)
        reports = np.zeros(m, dtype=np.int64)
        for k, (a, b, data) in enumerate(graph.edges(data=True)):
            source[k], target[k] = index[a], index[b]
            weight[k] = data.get("weight", 1.0)
            links[k], reports[k] = data.get("links", 0), data.get("reports", 0)
        return cls(nodes, source, target, weight, links, reports)

    def igraph(self) -> igraph.Graph:
        """The same graph in igraph (built once; vertex k is ``nodes[k]``)."""
        if self._igraph is None:
            self._igraph = igraph.Graph(
                n=len(self.nodes),
                edges=list(zip(self.source.tolist(), self.target.tolist(), strict=True)),
            )
        return self._igraph

    def parts(self) -> igraph.VertexClustering:
        """The connected parts of the graph (found once)."""
        if self._parts is None:
            self._parts = self.igraph().connected_components()
        return self._parts

    def adjacency(self, weighted: bool) -> sparse.csr_array:
        n = len(self.nodes)
        values = self.weight if weighted else np.ones(len(self.source))
        rows = np.concatenate([self.source, self.target])
        cols = np.concatenate([self.target, self.source])
        return sparse.csr_array((np.concatenate([values, values]), (rows, cols)), shape=(n, n))

    def degree(self) -> np.ndarray:
        """Neighbours of each node (the graph is simple: one tie per pair)."""
        n = len(self.nodes)
        return np.bincount(self.source, minlength=n) + np.bincount(self.target, minlength=n)

    def component_graph(self, node) -> nx.Graph:
        """The connected part of the graph holding ``node``, in networkx, built as
        :func:`build_graph` builds the whole: each tie added in ascending order of its two ids,
        so every entity lists its neighbours in the same order (a path search breaking a tie
        between equal routes breaks it the same way)."""
        graph = nx.Graph()
        position = self.nodes.index(node)
        membership = np.asarray(self.parts().membership)
        members = np.flatnonzero(membership == membership[position])
        graph.add_nodes_from(self.nodes[k] for k in members.tolist())
        inside = np.flatnonzero(membership[self.source] == membership[position])
        ids = np.asarray(self.nodes, dtype=np.int64)
        a, b = ids[self.source[inside]], ids[self.target[inside]]
        low, high = np.minimum(a, b), np.maximum(a, b)
        order = np.lexsort((high, low))
        weight = self.weight[inside][order]
        graph.add_edges_from(
            (u, v, {"weight": w, "distance": d})
            for u, v, w, d in zip(
                low[order].tolist(),
                high[order].tolist(),
                weight.tolist(),
                _distance(weight).tolist(),
                strict=True,
            )
        )
        return graph


def _as_ties(graph: nx.Graph | Ties, edges: Ties | None = None) -> Ties:
    if edges is not None:
        return edges
    return graph if isinstance(graph, Ties) else Ties.of(graph)


def _seeded(seed: int):
    """igraph draws from Python's ``random`` module: a generator of its own for one call."""

    class Seeded:
        def __enter__(self):
            igraph.set_random_number_generator(random.Random(seed))

        def __exit__(self, *exc):
            igraph.set_random_number_generator(random)

    return Seeded()


def path_centralities(
    graph: nx.Graph | Ties,
    *,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    edges: Ties | None = None,
) -> tuple[dict, dict, bool]:
    """Betweenness and closeness on hop counts, normalised as networkx normalises them.

    Each connected component is handled on its own (paths never leave it): exactly when it
    has up to ``EXACT_MAX_NODES`` entities, else from ``SAMPLED_SOURCES`` random sources.
    Returns (betweenness, closeness, sampled).
    """
    edges = _as_ties(graph, edges)
    nodes = edges.nodes
    n = len(nodes)
    if n < 2:
        return dict.fromkeys(nodes, 0.0), dict.fromkeys(nodes, 0.0), False
    g = edges.igraph()
    rng = np.random.default_rng(seed)
    components = [np.asarray(c, dtype=np.int64) for c in edges.parts()]
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


def _shares(log_length: np.ndarray) -> np.ndarray:
    """Each part's share of a unit vector (along the last axis), from the logarithms of the
    parts' lengths."""
    share = np.exp(log_length - log_length.max(axis=-1, keepdims=True))
    return share / np.sqrt(np.add.reduce(share * share, axis=-1, keepdims=True))


# A connected part whose direction moves less than this (on its own unit vector) in one
# iteration is held: it has settled to the last bits and only its growth is carried on.
SETTLED = 1e-14
# Parts x iterations of shares computed at a time once every part has settled (8 MB).
SHARE_CELLS = 1_000_000


def eigenvector(
    graph: nx.Graph | Ties, *, max_iter: int = 1000, tol: float = 1e-8, edges: Ties | None = None
) -> dict[int, float]:
    """Weighted eigenvector centrality by power iteration on (A + I), as networkx computes it,
    with sparse products; unit Euclidean norm.

    The connected parts of a graph never pass weight to each other: the iterate is each part's
    own power iterate, scaled by its growth, and the whole normalised. So each part is iterated
    on its own scale (a unit direction and the logarithm of its length), and a part whose
    direction has settled is held while its growth (its eigenvalue) is carried forward. A graph
    of many parts of close eigenvalues runs to ``max_iter`` while the parts' shares shift (the
    test of convergence is made on the whole vector, as networkx makes it); after a few dozen
    iterations only the shares are computed, a few numbers a part.
    """
    edges = _as_ties(graph, edges)
    nodes = edges.nodes
    n = len(nodes)
    if n == 0:
        return {}
    if len(edges.source) == 0:
        return dict.fromkeys(nodes, 0.0)
    part = np.asarray(edges.parts().membership, dtype=np.int64)
    parts = int(part.max()) + 1
    adjacency = edges.adjacency(weighted=True)
    x = np.full(n, 1.0 / n)
    # Each part's direction (unit length within the part) and the logarithm of its length.
    length = np.sqrt(np.bincount(part, x * x, minlength=parts))
    direction = x / length[part]
    log_length = np.log(length)
    growth = np.ones(parts)
    moving = np.ones(parts, dtype=bool)
    share = np.zeros(parts)
    members = np.bincount(part, minlength=parts)
    # The rows still iterated (None: all), their parts and their block of the matrix, cut again
    # when half of them have settled.
    rows, local, block = None, part, adjacency
    done = 0
    while done < max_iter and moving.any():
        done += 1
        now = direction if rows is None else direction[rows]
        step = block @ now
        step += now
        size = np.sqrt(np.bincount(local, step * step, minlength=parts))
        step /= size[local]
        changed = np.abs(step - now) > SETTLED
        if rows is None:
            direction = step
        else:
            direction[rows] = step
        growth[moving] = size[moving]
        moving &= np.bincount(local, changed, minlength=parts) > 0
        if 2 * int(members[moving].sum()) <= len(local):
            rows = np.flatnonzero(moving[part])
            local, block = part[rows], adjacency[rows][:, rows]
        log_length += np.log(growth)
        share = _shares(log_length)
        last, x = x, direction * share[part]
        if float(np.abs(x - last).sum()) < n * tol:
            return {node: float(v) for node, v in zip(nodes, x, strict=True)}
    # Here every direction is held (none is negative) or the iterations are spent: only the
    # shares move, each part's length growing by its eigenvalue an iteration. The change of the
    # whole vector is that of the shares weighted by each part's summed direction, computed
    # for a batch of iterations at a time.
    mass = np.bincount(part, direction, minlength=parts)
    batch = max(1, SHARE_CELLS // parts)
    while done < max_iter:
        ahead = np.arange(1, min(batch, max_iter - done) + 1)[:, None]
        shares = _shares(log_length + ahead * np.log(growth))
        change = np.abs(np.diff(np.vstack([share, shares]), axis=0)) @ mass
        below = np.flatnonzero(change < n * tol)
        if len(below):
            share = shares[below[0]]
            break
        share = shares[-1]
        log_length = log_length + len(ahead) * np.log(growth)
        done += len(ahead)
    x = direction * share[part]
    return {node: float(v) for node, v in zip(nodes, x, strict=True)}


def communities(
    graph: nx.Graph | Ties, *, seed: int = 0, edges: Ties | None = None
) -> tuple[list[list[int]], str]:
    """Communities, largest first: Louvain on the weighted ties (igraph's multilevel method,
    its random order drawn from ``seed``)."""
    edges = _as_ties(graph, edges)
    if not edges.nodes:
        return [], "louvain"
    g = edges.igraph()
    with _seeded(seed):
        clusters = g.community_multilevel(weights=edges.weight.tolist())
    groups = [[edges.nodes[v] for v in cluster] for cluster in clusters]
    ordered = sorted((sorted(group) for group in groups), key=lambda g: (-len(g), g[0]))
    return ordered, "louvain"


def metrics(
    graph: nx.Graph | Ties, *, seed: int = 0, progress: Callable[[float], None] | None = None
) -> NetworkMetrics:
    """Degree, betweenness, closeness, eigenvector centrality, k-core and communities, of a
    networkx graph or of the same graph as :class:`Ties`."""

    def step(fraction: float) -> None:
        if progress is not None:
            progress(fraction)

    edges = _as_ties(graph)
    nodes, n = edges.nodes, len(edges.nodes)
    hops = edges.degree()
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


def shortest_path(graph: nx.Graph | Ties, source: int, target: int) -> list[int] | None:
    """The strongest chain of ties from ``source`` to ``target``; None when unconnected.

    Of :class:`Ties`, only the connected part holding ``source`` is built in networkx: a path
    never leaves it."""
    if isinstance(graph, Ties):
        if source not in graph.nodes or target not in graph.nodes:
            return None
        graph = graph.component_graph(source)
    if source not in graph or target not in graph:
        return None
    try:
        return nx.shortest_path(graph, source, target, weight="distance")
    except nx.NetworkXNoPath:
        return None
