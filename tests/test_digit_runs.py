"""Cells run together, split back by the table's arithmetic (transforms/metrics/digit_runs.py)."""
from __future__ import annotations

from transforms.metrics.digit_runs import Identity, as_printed, chunks, solve, splits

ROW = [Identity(tuple(range(6)))]  # six applicant columns add up to 总计
BLOCKS = [Identity((0, 1, 2, 3)), Identity((5, 6, 7, 8)), Identity((10, 11, 12, 13))]


def _split(run: str, n: int = 7, ids=ROW):
    return splits(chunks(run), n, ids)


def test_run_together_row_splits_one_way_by_its_sum():
    assert _split("801000081") == [(80, 1, 0, 0, 0, 0, 81)]


def test_row_with_two_readings_keeps_both():
    assert set(_split("270020130")) == {(27, 0, 0, 2, 0, 1, 30), (2, 7, 0, 0, 20, 1, 30)}


def test_a_space_is_always_a_cell_boundary():
    assert _split("23 0 00 0 023") == [(23, 0, 0, 0, 0, 0, 23)]


def test_no_number_is_read_with_a_leading_zero():
    assert splits(chunks("0012"), 3) == [(0, 0, 12)]


def test_a_row_that_cannot_add_up_has_no_reading():
    assert _split("1234567") == []


def test_number_with_thousands_separators_is_one_cell():
    assert splits(chunks("120 -3 2,315"), 3) == [(120, -3, 2315)]


def test_blank_marks_are_cells_without_a_value():
    assert _split("5 — — — — — 5") == [(5, None, None, None, None, None, 5)]


def test_a_sign_starts_a_new_cell():
    assert chunks("/-5") == ["/", "-5"]


def test_table_four_blocks_each_add_up_to_their_total():
    assert _split("10203120001200000", 15, BLOCKS) == [(1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0)]


def test_more_readings_than_the_limit_is_none():
    assert splits(chunks("1" * 30), 10, limit=50) is None


def test_one_piece_per_cell_is_read_as_printed():
    assert as_printed(chunks("4 0 0 0 0 0 4"), 7) == (4, 0, 0, 0, 0, 0, 4)


# ----------------------------------------------------------------------------- between rows
def test_column_totals_keep_one_reading():
    cands = {"a": _split("270020130"), "b": [(5, 0, 0, 0, 0, 0, 5)], "total": [(32, 0, 0, 2, 0, 1, 35)]}
    solved = solve(cands, [{"a": 1, "b": 1, "total": -1}])
    assert solved["a"] == [(27, 0, 0, 2, 0, 1, 30)]


def test_readings_that_can_swap_between_rows_stay_open():
    run = _split("270020130")
    solved = solve({"a": run, "b": run, "total": [(29, 7, 0, 2, 20, 2, 60)]}, [{"a": 1, "b": 1, "total": -1}])
    assert len(solved["a"]) == len(solved["b"]) == 2


def test_a_table_that_contradicts_itself_has_no_solution():
    cands = {"a": [(1, 0, 1)], "b": [(2, 0, 2)], "total": [(4, 0, 4)]}
    assert solve(cands, [{"a": 1, "b": 1, "total": -1}]) is None


def test_an_identity_naming_a_row_not_read_is_left_out():
    cands = {"a": _split("270020130"), "total": [(32, 0, 0, 2, 0, 1, 35)]}
    assert len(solve(cands, [{"a": 1, "missing": 1, "total": -1}])["a"]) == 2


def test_long_identity_prunes_row_by_row():
    rows = {f"r{k}": _split("270020130") for k in range(18)}
    rows["total"] = [(27 * 18, 0, 0, 2 * 18, 0, 18, 30 * 18)]
    solved = solve(rows, [{**{k: 1 for k in rows if k != "total"}, "total": -1}])
    assert all(v == [(27, 0, 0, 2, 0, 1, 30)] for k, v in solved.items() if k != "total")


def _brute(run: str, n: int, ids) -> set:
    """Every reading by trying every place to cut: what the pruned search must find."""
    from itertools import combinations
    out = set()
    for cut in combinations(range(1, len(run)), n - 1):
        pieces = [run[a:b] for a, b in zip((0,) + cut, cut + (len(run),))]
        if any(len(p) > 1 and p[0] == "0" for p in pieces):
            continue
        vals = tuple(int(p) for p in pieces)
        if all(sum(vals[p] for p in i.parts) == vals[i.total] for i in ids):
            out.add(vals)
    return out


def test_pruned_search_finds_every_reading():
    import random
    rng = random.Random(7)
    for _ in range(300):
        run = "".join(rng.choice("0011234569") for _ in range(rng.randint(7, 13)))
        assert set(_split(run) or []) == _brute(run, 7, ROW), run


def test_pruned_search_finds_every_reading_of_blocks():
    import random
    rng = random.Random(8)
    for _ in range(40):
        values = [rng.choice([0, 0, 0, 1, 2, 3, 12]) for _ in range(12)]
        row = values[0:4] + [sum(values[0:4])] + values[4:8] + [sum(values[4:8])] + values[8:12] + [sum(values[8:12])]
        run = "".join(map(str, row))
        if len(run) > 18:
            continue  # (the brute force tries every place to cut: kept short)
        assert set(_split(run, 15, BLOCKS) or []) == _brute(run, 15, BLOCKS), run
