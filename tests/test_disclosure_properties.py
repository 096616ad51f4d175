"""Property-based tests of suppression: for random counts and any k, nothing small shows or can be derived."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.disclosure import CellStatus, suppress_cells, suppress_each

counts_lists = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8)
ks = st.integers(min_value=2, max_value=10)


def _cells(counts: list[int], k: int):
    return suppress_cells([(f"c{i}", n) for i, n in enumerate(counts)], k)


@given(counts_lists, ks)
def test_no_shown_count_lies_between_one_and_k_minus_one(counts, k):
    for cell in _cells(counts, k):
        if cell.shown:
            assert not 1 <= cell.count <= k - 1
        else:
            assert cell.count is None and cell.share is None


@given(counts_lists, ks)
def test_a_total_below_k_withholds_the_whole_breakdown(counts, k):
    if 0 < sum(counts) < k:
        # The total itself is then shown as "fewer than k" by the caller, never as a number.
        assert all(cell.status is CellStatus.HIDDEN for cell in _cells(counts, k))


@given(counts_lists, ks)
def test_the_total_minus_the_shown_cells_never_isolates_one_hidden_cell(counts, k):
    if 0 < sum(counts) < k:
        return
    hidden = [cell for cell in _cells(counts, k) if not cell.shown]
    assert len(hidden) != 1


@given(counts_lists, ks)
def test_every_small_category_is_marked_fewer_than_k_or_hidden(counts, k):
    for count, cell in zip(counts, _cells(counts, k), strict=True):
        if 1 <= count <= k - 1:
            assert cell.status in (CellStatus.SMALL, CellStatus.HIDDEN)


def _feasible(cells, total: int, k: int, cap: int) -> dict[str, set[int]]:
    """Brute force: every value each hidden cell can take, given the total, the shown cells and the labels.

    The reader knows: a `small` cell lies in 1..k-1; a `hidden` cell next to shown ones is a complement
    (not small: 0 or at least k); when every cell is hidden, nothing at all.
    """
    hidden = [cell for cell in cells if not cell.shown]
    everything_hidden = all(not cell.shown for cell in cells)
    rest = total - sum(cell.count for cell in cells if cell.shown)

    def candidates(cell):
        if cell.status is CellStatus.SMALL:
            return range(1, k)
        if everything_hidden:
            return range(0, cap + 1)
        return [0, *range(k, cap + 1)]

    feasible: dict[str, set[int]] = {cell.key: set() for cell in hidden}
    for values in itertools.product(*(candidates(cell) for cell in hidden)):
        if sum(values) == rest:
            for cell, value in zip(hidden, values, strict=True):
                feasible[cell.key].add(value)
    return feasible


@settings(max_examples=300)
@given(st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=4), st.integers(min_value=3, max_value=5))
def test_no_hidden_count_can_be_worked_out_exactly(counts, k):
    cells = _cells(counts, k)
    total = sum(counts)
    if total < k:
        return
    feasible = _feasible(cells, total, k, cap=total)
    for cell in cells:
        if not cell.shown:
            # The true value is possible, and so is at least one other.
            true_value = counts[int(cell.key[1:])]
            assert true_value in feasible[cell.key]
            assert len(feasible[cell.key]) >= 2, (counts, k, cells)


@given(counts_lists, ks, st.integers(min_value=0, max_value=20))
def test_multiple_choice_options_are_checked_against_the_respondent_total(option_counts, k, extra):
    total = max(option_counts) + extra
    cells = suppress_each({f"o{i}": n for i, n in enumerate(option_counts)}, total, k)
    for count, cell in zip(option_counts, cells, strict=True):
        if cell.shown:
            assert not 1 <= cell.count <= k - 1
            # Nor does it reveal that fewer than k suppliers did not choose the option.
            assert not 1 <= total - cell.count <= k - 1
        if 1 <= count <= k - 1 or 1 <= total - count <= k - 1:
            assert not cell.shown


@given(counts_lists, ks, st.integers(min_value=0, max_value=20))
def test_a_hidden_option_count_is_never_pinned_by_its_label(option_counts, k, extra):
    total = max(option_counts) + extra
    cells = suppress_each({f"o{i}": n for i, n in enumerate(option_counts)}, total, k)
    if all(not cell.shown for cell in cells):
        return
    for cell in cells:
        if cell.status is CellStatus.HIDDEN:
            # The reader knows count >= k and 1 <= total - count <= k - 1: at least two values remain.
            possible = [v for v in range(k, total) if 1 <= total - v <= k - 1]
            assert len(possible) >= 2
