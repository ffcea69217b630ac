"""Tests for sim.network: the CSR graph, from_edges and the four network builders."""

import dataclasses
import pathlib

import networkx as nx
import numpy as np
import pytest

from sim.network import (
    BUILDERS,
    EdgeList,
    ErdosRenyi,
    Network,
    NetworkError,
    ScaleFree,
    SmallWorld,
    _parse_fast,
    _parse_slow,
    _triangle_pair,
    from_edges,
)
from sim.registry import UnknownChoiceError

HERE = pathlib.Path(".")


def build(name: str, n: int, seed: int = 0, base_dir: pathlib.Path = HERE, **params) -> Network:
    """Build network ``name`` with the given params and a fresh seeded generator."""
    builder = BUILDERS.get(name)
    return builder.build(n, builder.Params(**params), np.random.default_rng(seed), base_dir)


def edge_codes(net: Network) -> np.ndarray:
    """Sorted codes ``src * n + dst`` of every stored (directed) CSR entry."""
    src, dst = net.edge_endpoints(np.arange(net.n))
    return np.sort(src * net.n + dst)


def assert_valid_csr(net: Network, n: int) -> None:
    """Check every CSR invariant the module promises."""
    assert net.indptr.dtype == np.int64
    assert net.indices.dtype == np.int32
    assert net.indptr.shape == (n + 1,)
    assert net.n == n
    assert net.indptr[0] == 0
    assert net.indptr[-1] == net.indices.size == 2 * net.n_edges
    assert np.all(np.diff(net.indptr) >= 0), "indptr not monotone"
    if net.indices.size:
        assert net.indices.min() >= 0
        assert net.indices.max() < n
    src, dst = net.edge_endpoints(np.arange(n))
    assert not np.any(src == dst), "self-loop"
    # Within each row the neighbours strictly ascend: sorted and no duplicates.
    same_row = src[1:] == src[:-1]
    assert np.all(dst[1:][same_row] > dst[:-1][same_row]), "row not sorted or has duplicates"
    forward = np.sort(src * n + dst)
    backward = np.sort(dst.astype(np.int64) * n + src)
    assert np.array_equal(forward, backward), "not symmetric"
    assert np.array_equal(net.degree(), np.bincount(src, minlength=n))


DEFAULT_BUILDS = [
    ("erdos_renyi", {"mean_degree": 10.0}, 0.01),
    ("small_world", {"mean_degree": 10, "rewire_prob": 0.1}, 0.0),
    ("scale_free", {"mean_degree": 10.0, "exponent": 2.5}, 0.05),
]


@pytest.mark.parametrize(("name", "params", "tolerance"), DEFAULT_BUILDS)
def test_builder_gives_valid_csr_with_requested_mean_degree(name, params, tolerance):
    n = 20_000
    net = build(name, n, seed=3, **params)
    assert_valid_csr(net, n)
    assert net.mean_degree() == pytest.approx(params["mean_degree"], rel=tolerance, abs=1e-12)


@pytest.mark.parametrize(("name", "params", "tolerance"), DEFAULT_BUILDS)
def test_same_seed_same_network_different_seed_different(name, params, tolerance):
    first = build(name, 5_000, seed=11, **params)
    again = build(name, 5_000, seed=11, **params)
    other = build(name, 5_000, seed=12, **params)
    assert np.array_equal(first.indptr, again.indptr)
    assert np.array_equal(first.indices, again.indices)
    assert not (
        np.array_equal(first.indptr, other.indptr) and np.array_equal(first.indices, other.indices)
    )


def test_builders_are_registered_with_documented_params():
    assert BUILDERS.names() == ["erdos_renyi", "small_world", "scale_free", "edge_list"]
    for name, builder in BUILDERS.items():
        assert builder.__doc__, name
        assert dataclasses.is_dataclass(builder.Params)
        assert builder.Params.__dataclass_params__.frozen
        for field in dataclasses.fields(builder.Params):
            assert field.metadata["doc"], f"{name}.{field.name} has no doc"
    assert BUILDERS.get("erdos_renyi") is ErdosRenyi
    assert BUILDERS.get("small_world") is SmallWorld
    assert BUILDERS.get("scale_free") is ScaleFree
    assert BUILDERS.get("edge_list") is EdgeList


def test_params_report_cross_key_problems():
    assert SmallWorld.Params(mean_degree=10).problems() == []
    assert SmallWorld.Params(mean_degree=7).problems() == [("mean_degree", "must be even, got 7")]
    assert EdgeList.Params(path="net.txt").problems() == []
    assert [key for key, _ in EdgeList.Params().problems()] == ["path"]


def test_unknown_builder_suggests_the_close_name():
    with pytest.raises(UnknownChoiceError, match="did you mean 'small_world'"):
        BUILDERS.get("small_wrld")


# --- Erdos-Renyi -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_erdos_renyi_mean_degree_within_one_percent_at_n_1000(seed):
    net = build("erdos_renyi", 1_000, seed=seed, mean_degree=10.0)
    assert_valid_csr(net, 1_000)
    assert net.mean_degree() == pytest.approx(10.0, rel=0.01)


def test_erdos_renyi_degrees_are_poisson_like():
    degrees = build("erdos_renyi", 50_000, seed=5, mean_degree=8.0).degree()
    assert degrees.mean() == pytest.approx(8.0, rel=0.01)
    assert degrees.var() / degrees.mean() == pytest.approx(1.0, abs=0.05)
    # Poisson(8) puts e^-8 ~ 3.4e-4 on degree 0 and about 0.1396 on degree 8.
    share = np.bincount(degrees, minlength=9) / degrees.size
    assert share[8] == pytest.approx(0.1396, abs=0.01)
    assert share[0] < 0.002


def test_erdos_renyi_dense_and_complete_graphs():
    complete = build("erdos_renyi", 30, seed=1, mean_degree=29.0)
    assert_valid_csr(complete, 30)
    assert complete.n_edges == 30 * 29 // 2
    dense = build("erdos_renyi", 40, seed=1, mean_degree=20.0)
    assert_valid_csr(dense, 40)
    assert dense.n_edges == 400


def test_erdos_renyi_empty_cases():
    assert build("erdos_renyi", 0, mean_degree=0.0).n == 0
    assert build("erdos_renyi", 1, mean_degree=0.0).n_edges == 0
    assert build("erdos_renyi", 100, mean_degree=0.0).n_edges == 0


def test_erdos_renyi_rejects_impossible_mean_degree():
    with pytest.raises(NetworkError, match="mean_degree"):
        build("erdos_renyi", 10, mean_degree=10.0)


def test_triangle_pair_decodes_every_pair_once():
    n = 60
    i, j = _triangle_pair(np.arange(n * (n - 1) // 2, dtype=np.int64))
    assert np.all((i >= 0) & (i < j) & (j < n))
    assert np.unique(i * n + j).size == n * (n - 1) // 2
    # Large indices (n near a million) decode exactly too.
    big = np.array([0, 10**11, 499_999_499_999], dtype=np.int64)
    i, j = _triangle_pair(big)
    assert np.array_equal(j * (j - 1) // 2 + i, big)
    assert np.all(i < j)


# --- small world -------------------------------------------------------------------------


def test_small_world_without_rewiring_is_the_ring_lattice():
    n = 100
    net = build("small_world", n, mean_degree=6, rewire_prob=0.0)
    assert_valid_csr(net, n)
    assert np.array_equal(net.neighbours(0), [1, 2, 3, 97, 98, 99])
    assert np.array_equal(net.neighbours(50), [47, 48, 49, 51, 52, 53])
    assert np.all(net.degree() == 6)


@pytest.mark.parametrize("p", [0.1, 0.5, 1.0])
def test_small_world_rewires_the_expected_share_and_keeps_every_edge(p):
    n, k = 20_000, 10
    net = build("small_world", n, seed=2, mean_degree=k, rewire_prob=p)
    assert_valid_csr(net, n)
    assert net.n_edges == n * k // 2
    src, dst = net.edge_endpoints(np.arange(n))
    ahead = (dst - src) % n
    on_ring = np.minimum(ahead, n - ahead) <= k // 2
    # A rewired edge lands back on the ring with probability about k / n.
    assert on_ring.mean() == pytest.approx(1 - p, abs=0.01)


def test_small_world_small_population_with_full_rewiring():
    net = build("small_world", 12, seed=4, mean_degree=4, rewire_prob=1.0)
    assert_valid_csr(net, 12)
    assert net.n_edges == 24


@pytest.mark.parametrize(
    ("n", "k", "match"), [(100, 5, "even"), (100, 0, "even"), (10, 10, "below the population")]
)
def test_small_world_rejects_bad_mean_degree(n, k, match):
    with pytest.raises(NetworkError, match=match):
        build("small_world", n, mean_degree=k, rewire_prob=0.1)


# --- scale free --------------------------------------------------------------------------


def second_moment_ratio(net: Network) -> float:
    """<k^2> / <k> of the degree sequence."""
    degrees = net.degree().astype(np.float64)
    return float((degrees**2).mean() / degrees.mean())


def test_scale_free_is_heavy_tailed_compared_with_erdos_renyi():
    n = 100_000
    scale_free = build("scale_free", n, seed=1, mean_degree=10.0, exponent=2.5)
    random = build("erdos_renyi", n, seed=1, mean_degree=10.0)
    assert second_moment_ratio(random) == pytest.approx(11.0, rel=0.03)
    assert second_moment_ratio(scale_free) > 4 * second_moment_ratio(random)
    assert scale_free.mean_degree() == pytest.approx(10.0, rel=0.02)
    assert scale_free.degree().max() > 300


def test_scale_free_degree_tail_follows_the_exponent():
    # Slope of the complementary CDF between degrees 20 and 200 is about 1 - gamma.
    n, gamma = 200_000, 2.5
    degrees = build("scale_free", n, seed=6, mean_degree=10.0, exponent=gamma).degree()
    ccdf = [np.mean(degrees >= k) for k in (20, 200)]
    slope = np.log(ccdf[1] / ccdf[0]) / np.log(10.0)
    assert slope == pytest.approx(1 - gamma, abs=0.2)


@pytest.mark.parametrize(("mean", "gamma"), [(1.5, 2.5), (4.0, 3.0), (10.0, 2.1), (20.0, 4.0)])
def test_scale_free_mean_degree_matches_over_parameters(mean, gamma):
    n = 20_000
    net = build("scale_free", n, seed=8, mean_degree=mean, exponent=gamma)
    assert_valid_csr(net, n)
    assert net.mean_degree() == pytest.approx(mean, rel=0.05)


@pytest.mark.parametrize(
    ("n", "params", "match"),
    [
        (1000, {"mean_degree": 10.0, "exponent": 2.0}, "exponent"),
        (1000, {"mean_degree": 10.0, "exponent": 4.5}, "exponent"),
        (1000, {"mean_degree": 0.0, "exponent": 2.5}, "mean_degree"),
        (20, {"mean_degree": 19.5, "exponent": 2.5}, "k_max"),
    ],
)
def test_scale_free_rejects_impossible_params(n, params, match):
    with pytest.raises(NetworkError, match=match):
        build("scale_free", n, **params)


# --- Network, from_edges, edge_endpoints, to_networkx -------------------------------------


def test_from_edges_symmetrises_and_drops_self_loops_and_duplicates():
    u = np.array([0, 1, 2, 2, 3, 1, 3])
    v = np.array([1, 0, 2, 3, 2, 3, 1])
    net = from_edges(5, u, v)
    assert_valid_csr(net, 5)
    assert net.n_edges == 3
    assert net.neighbours(0).tolist() == [1]
    assert net.neighbours(1).tolist() == [0, 3]
    assert net.neighbours(2).tolist() == [3]
    assert net.neighbours(3).tolist() == [1, 2]
    assert net.neighbours(4).tolist() == []
    assert net.degree().tolist() == [1, 2, 1, 2, 0]
    assert net.mean_degree() == pytest.approx(6 / 5)


def test_from_edges_with_no_edges():
    net = from_edges(4, np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert_valid_csr(net, 4)
    assert net.n_edges == 0
    assert from_edges(0, np.array([]), np.array([])).n == 0


@pytest.mark.parametrize(("u", "v", "bad"), [([0, 5], [1, 2], "5"), ([0, 1], [-1, 2], "-1")])
def test_from_edges_rejects_ids_outside_the_population(u, v, bad):
    with pytest.raises(NetworkError, match=f"edge end {bad} is not a citizen"):
        from_edges(5, np.array(u), np.array(v))


def test_from_edges_rejects_mismatched_or_fractional_ends():
    with pytest.raises(NetworkError, match="equal length"):
        from_edges(5, np.array([0, 1]), np.array([1]))
    with pytest.raises(NetworkError, match="integer"):
        from_edges(5, np.array([0.0, 1.0]), np.array([1.0, 2.0]))


def test_from_edges_matches_networkx_on_a_random_multigraph():
    rng = np.random.default_rng(9)
    u, v = rng.integers(0, 50, 400), rng.integers(0, 50, 400)
    net = from_edges(50, u, v)
    reference = nx.Graph()
    reference.add_nodes_from(range(50))
    reference.add_edges_from((a, b) for a, b in zip(u.tolist(), v.tolist(), strict=True) if a != b)
    assert net.n_edges == reference.number_of_edges()
    for node in range(50):
        assert net.neighbours(node).tolist() == sorted(reference[node])


def test_network_arrays_are_read_only():
    net = from_edges(3, np.array([0, 1]), np.array([1, 2]))
    with pytest.raises(ValueError, match="read-only"):
        net.indices[0] = 2


def test_network_rejects_malformed_arrays():
    with pytest.raises(NetworkError, match="indptr"):
        Network(np.array([0, 3]), np.array([1, 2], dtype=np.int32))
    with pytest.raises(NetworkError, match="integers"):
        Network(np.array([0.0, 0.0]), np.array([], dtype=np.int32))


def test_neighbours_rejects_out_of_range():
    net = from_edges(3, np.array([0]), np.array([1]))
    with pytest.raises(IndexError):
        net.neighbours(3)
    with pytest.raises(IndexError):
        net.neighbours(-1)


def naive_edge_endpoints(net: Network, rows: np.ndarray) -> tuple[list[int], list[int]]:
    """Reference: the edges leaving ``rows``, by a plain Python loop."""
    src, dst = [], []
    for row in rows.tolist():
        for neighbour in net.indices[net.indptr[row] : net.indptr[row + 1]].tolist():
            src.append(row)
            dst.append(neighbour)
    return src, dst


def test_edge_endpoints_matches_a_naive_loop():
    # Mean degree 1.5 leaves many isolated citizens: rows of degree 0 must be skipped.
    net = build("scale_free", 2_000, seed=4, mean_degree=1.5, exponent=2.5)
    assert np.any(net.degree() == 0)
    rng = np.random.default_rng(1)
    rows = rng.integers(0, net.n, 700)
    rows = np.concatenate((rows, rows[:50], np.flatnonzero(net.degree() == 0)[:5]))
    rng.shuffle(rows)
    src, dst = net.edge_endpoints(rows)
    want_src, want_dst = naive_edge_endpoints(net, rows)
    assert src.tolist() == want_src
    assert dst.tolist() == want_dst
    assert src.dtype == np.int64
    assert dst.dtype == np.int32


def test_edge_endpoints_of_no_rows_is_empty():
    net = build("erdos_renyi", 100, mean_degree=4.0)
    for rows in (np.array([], dtype=np.int64), np.array([], dtype=np.int32), []):
        src, dst = net.edge_endpoints(rows)
        assert src.size == 0
        assert dst.size == 0
        assert src.dtype == np.int64
        assert dst.dtype == np.int32


def test_edge_endpoints_rejects_bad_rows():
    net = build("erdos_renyi", 100, mean_degree=4.0)
    with pytest.raises(IndexError):
        net.edge_endpoints(np.array([0, 100]))
    with pytest.raises(IndexError):
        net.edge_endpoints(np.array([-1]))
    with pytest.raises(TypeError):
        net.edge_endpoints(np.array([0.5]))


def test_to_networkx_whole_graph_and_induced_subgraph():
    net = build("small_world", 300, seed=3, mean_degree=6, rewire_prob=0.3)
    graph = net.to_networkx()
    assert graph.number_of_nodes() == 300
    assert graph.number_of_edges() == net.n_edges
    for node in (0, 17, 299):
        assert sorted(graph[node]) == net.neighbours(node).tolist()
    nodes = np.array([5, 1, 2, 3, 250, 7, 5])
    sub = net.to_networkx(nodes)
    expected = graph.subgraph({5, 1, 2, 3, 250, 7})
    assert set(sub.nodes) == set(expected.nodes)
    assert {frozenset(e) for e in sub.edges} == {frozenset(e) for e in expected.edges}


# --- edge_list ---------------------------------------------------------------------------


def edge_file(tmp_path: pathlib.Path, text: str | bytes, name: str = "edges.txt") -> pathlib.Path:
    """Write ``text`` to a file under ``tmp_path`` and return its path."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def test_edge_list_round_trips_a_good_file(tmp_path):
    text = (
        "# citizens of a village\n"
        "\n"
        "0 1\n"
        "1,2\n"
        "  2\t3  \r\n"
        "   # an indented comment\n"
        "3, 4\n"
        "4 0\n"
        "1 0\n"  # duplicate, reversed: kept once
        "5 5\n"  # self-loop: dropped
        "6 9"  # no final newline
    )
    edge_file(tmp_path, text)
    net = build("edge_list", 10, base_dir=tmp_path, path="edges.txt")
    assert_valid_csr(net, 10)
    want = from_edges(10, np.array([0, 1, 2, 3, 4, 6]), np.array([1, 2, 3, 4, 0, 9]))
    assert np.array_equal(net.indptr, want.indptr)
    assert np.array_equal(net.indices, want.indices)


def test_edge_list_round_trips_a_random_graph(tmp_path):
    original = build("erdos_renyi", 3_000, seed=2, mean_degree=6.0)
    src, dst = original.edge_endpoints(np.arange(original.n))
    keep = src < dst
    lines = [f"{a} {b}" for a, b in zip(src[keep].tolist(), dst[keep].tolist(), strict=True)]
    (tmp_path / "nets").mkdir()
    edge_file(tmp_path / "nets", "\n".join(lines) + "\n", name="random.csv")
    net = build("edge_list", 3_000, base_dir=tmp_path, path="nets/random.csv")
    assert np.array_equal(net.indptr, original.indptr)
    assert np.array_equal(net.indices, original.indices)


def test_edge_list_absolute_path(tmp_path):
    path = edge_file(tmp_path, "0 1\n")
    net = build("edge_list", 2, base_dir=pathlib.Path("/nonexistent"), path=str(path))
    assert net.n_edges == 1


GOOD_TEXTS = [
    b"0 1\n2 3\n",
    b"0,1\r\n2,3\r\n",
    b"# header\n\n 0   1 \n\t2\t3\n# end",
    b"10 20",
    b"\n\n",
    b"",
    b"007 0\n",
]


@pytest.mark.parametrize("data", GOOD_TEXTS)
def test_fast_and_slow_parsers_agree_on_good_files(data):
    fast = _parse_fast(data)
    assert fast is not None
    if fast.size:
        slow = _parse_slow(pathlib.Path("x.txt"), data, 100)
        assert fast.tolist() == slow.tolist()


BAD_TEXTS = [
    b"0 1\n1 2 3\n",
    b"0 1\n7\n",
    b"0 x\n",
    b"0 -2\n",
    b"0 2.5\n",
    b"0 1 # comment\n",
    b"0 1\n2\n3 4\n5\n",
    b"0 99999999999999999999999\n",
]


@pytest.mark.parametrize("data", BAD_TEXTS)
def test_fast_parser_declines_malformed_files(data):
    assert _parse_fast(data) is None


@pytest.mark.parametrize(
    ("text", "line", "value"),
    [
        ("0 1\n\n1 2 3\n", 3, "'1 2 3'"),
        ("# ids\n7\n", 2, "'7'"),
        ("0 1\n1 x\n", 2, "'x'"),
        ("0 1\n1 -2\n", 2, "'-2'"),
        ("0 1\n1 2.5\n", 2, "'2.5'"),
        ("0 1\r\n1 2\r\n1 2 # friends\r\n", 3, "'1 2 # friends'"),
        ("0 1\n1 2\n0 1200\n999 1\n", 3, "id 1200 is not a citizen"),
        ("0 1\n1 1000\n", 2, "1000"),
        ("0 1\n1 ٣\n", 2, "'٣'"),  # a non-ASCII digit
        ("0 1\n1 2 3\n0 1200\n", 2, "'1 2 3'"),  # the first bad line is reported
    ],
)
def test_edge_list_malformed_line_names_file_line_and_value(tmp_path, text, line, value):
    path = edge_file(tmp_path, text, name="bad_edges.txt")
    with pytest.raises(NetworkError) as error:
        build("edge_list", 1_000, base_dir=tmp_path, path="bad_edges.txt")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: ")
    assert value in message


def test_edge_list_id_too_large_explains_the_population(tmp_path):
    edge_file(tmp_path, "0 1\n5 1200\n")
    with pytest.raises(NetworkError) as error:
        build("edge_list", 1_000, base_dir=tmp_path, path="edges.txt")
    assert str(error.value).endswith(
        ":2: id 1200 is not a citizen: the population has 1000 citizens (ids 0..999)"
    )


def test_edge_list_binary_file(tmp_path):
    path = edge_file(tmp_path, b"0 1\n\x89PNG\xff\xfe\x00\x01", name="picture.png")
    with pytest.raises(NetworkError, match=r"picture\.png:2: not a UTF-8 text file") as error:
        build("edge_list", 10, base_dir=tmp_path, path="picture.png")
    assert str(path) in str(error.value)
    assert "0x89" in str(error.value)


def test_edge_list_text_with_nul_bytes(tmp_path):
    edge_file(tmp_path, b"0 1\n1 2\n\x00\x00", name="nul.txt")
    with pytest.raises(NetworkError, match=r"nul\.txt:3: not a text file"):
        build("edge_list", 10, base_dir=tmp_path, path="nul.txt")


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n\n# and another\n"])
def test_edge_list_without_edges(tmp_path, text):
    path = edge_file(tmp_path, text, name="empty.txt")
    with pytest.raises(NetworkError, match="no edges") as error:
        build("edge_list", 10, base_dir=tmp_path, path="empty.txt")
    assert str(error.value).startswith(f"{path}: ")


def test_edge_list_missing_file(tmp_path):
    with pytest.raises(NetworkError, match="not found") as error:
        build("edge_list", 10, base_dir=tmp_path, path="nowhere/edges.txt")
    assert str(tmp_path / "nowhere" / "edges.txt") in str(error.value)
    assert "'nowhere/edges.txt'" in str(error.value)


def test_edge_list_directory(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(NetworkError, match="a directory") as error:
        build("edge_list", 10, base_dir=tmp_path, path="folder")
    assert str(tmp_path / "folder") in str(error.value)


def test_edge_list_unreadable_file(tmp_path, monkeypatch):
    path = edge_file(tmp_path, "0 1\n", name="secret.txt")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "read_bytes", refuse)
    with pytest.raises(NetworkError, match="Permission denied") as error:
        build("edge_list", 10, base_dir=tmp_path, path="secret.txt")
    assert str(error.value).startswith(f"{path}: cannot read")


def test_edge_list_needs_a_path(tmp_path):
    with pytest.raises(NetworkError, match="path"):
        build("edge_list", 10, base_dir=tmp_path, path="")
