"""Whether published WHO-5 figures, combined, tell anything about fewer than
five people: the exact test behind the aggregates' secondary suppression
(insights.who5.who5_aggregates decides what to show with it).

Every figure staff see is a sum over people in disguise: a mean score times
its n, a mean change times its n, a share times its n. Each person adds a
small linear form over unknowns of their own: the score of one of their
answers (+1), their latest minus their first score (+1, -1), whether they
improved (+1). Staff know which people stand behind a figure (who is in
which sub-group, roughly who answered when), so they may add and subtract
figures with any weights. A *disclosure* is a combination in which the
unknowns of 1 to k-1 people remain and everyone else's cancel: e.g. the
group's sum minus the sub-group's sum when one member is outside the
sub-group, or this period's sum minus the change minus the previous period's
sum, which leaves exactly the members whose first answer is in this period.

People whose forms have the same shape (the same figures, the same
coefficients, on their own unknowns in the same arrangement) cancel together
or not at all, so they are taken as one *class*; each unknown of a class is
a *row*: its coefficient in each figure (a column). A combination c leaves a
person untouched iff it is orthogonal to all their rows. Then:

1. A row that k or more people share (over all classes that have it) can
   never be left behind by fewer than k: every combination that matters is
   orthogonal to it. These fixed rows are factored out.
2. What is left of the other rows beyond the fixed ones (zero: harmless).
   If all of them together belong to fewer than k people, any combination
   touching them is a disclosure.
3. Otherwise, a set T of fewer than k people is singled out iff taking away
   the rows that belong to T alone lowers the rank. Only unions of the rows'
   owner sets need trying, fewest first; each is tested by basis exchange
   against one basis of all the rows (a taken basis row must be replaceable
   by rows left behind), exactly, in whole numbers.

Past `budget` candidate sets the answer is "disclosed": hiding a figure too
many is safe. Otherwise nothing here is approximate: a set of figures passes
only if no weighting of their sums singles out fewer than k people. The
witness returned (the figures of one disclosing combination) tells the caller
what to hide.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterator, Mapping, Sequence
from math import gcd, lcm
from typing import Any

# One figure a person stands behind: (the figure's column, {own unknown: coefficient}).
Form = tuple[int, Mapping[Hashable, int]]
Signature = tuple[tuple[int, tuple[tuple[int, int], ...]], ...]
Vector = tuple[int, ...]


def signature(forms: Sequence[Form]) -> Signature:
    """The shape of one person's contributions: their unknowns renamed 0, 1, …
    in order of first use, so two people with the same shape have the same
    signature whatever their answers' ids."""
    names: dict[Hashable, int] = {}
    shape = []
    for column, form in forms:
        terms = tuple(sorted((names.setdefault(u, len(names)), c) for u, c in form.items() if c))
        shape.append((column, terms))
    return tuple(shape)


def class_rows(sig: Signature, width: int) -> set[Vector]:
    """One row per unknown of the class: its coefficient in each figure."""
    rows: dict[int, list[int]] = {}
    for column, terms in sig:
        for unknown, coef in terms:
            rows.setdefault(unknown, [0] * width)[column] += coef
    return {tuple(row) for row in rows.values() if any(row)}


def _normal(row: list[int]) -> list[int]:
    """The row divided by the gcd of its entries, its first entry positive."""
    divisor = gcd(*row)
    if divisor > 1:
        row = [value // divisor for value in row]
    lead = next((value for value in row if value), 0)
    return [-value for value in row] if lead < 0 else row


class Span:
    """The span (over the rationals) of the rows added so far, in reduced row
    echelon form kept in whole numbers (fraction-free: exact, and fast)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: dict[int, list[int]] = {}  # pivot column -> row, zero in other pivots

    def copy(self) -> Span:
        other = Span(self.width)
        other.rows = {pivot: list(row) for pivot, row in self.rows.items()}
        return other

    @property
    def full(self) -> bool:
        return len(self.rows) == self.width

    def reduce(self, row: Sequence[int]) -> list[int]:
        reduced = list(row)
        for pivot, basis in self.rows.items():
            factor = reduced[pivot]
            if factor:
                lead = basis[pivot]
                reduced = _normal(
                    [a * lead - factor * b for a, b in zip(reduced, basis, strict=True)]
                )
        return reduced

    def add(self, row: Sequence[int]) -> bool:
        """Add a row; True if it was not in the span already."""
        reduced = self.reduce(row)
        pivot = next((i for i, value in enumerate(reduced) if value), None)
        if pivot is None:
            return False
        lead = reduced[pivot]
        for other, basis in self.rows.items():
            factor = basis[pivot]
            if factor:
                self.rows[other] = _normal(
                    [b * lead - factor * a for a, b in zip(reduced, basis, strict=True)]
                )
        self.rows[pivot] = reduced
        return True

    def contains(self, row: Sequence[int]) -> bool:
        return not any(self.reduce(row))

    def null_space(self) -> list[Vector]:
        """A basis (in whole numbers) of the vectors every added row is orthogonal to."""
        pivots = {pivot: abs(row[pivot]) for pivot, row in self.rows.items()}
        scale = lcm(*pivots.values()) if pivots else 1
        basis = []
        for j in range(self.width):
            if j in pivots:
                continue
            vector = [0] * self.width
            vector[j] = scale
            for pivot, row in self.rows.items():
                # row[pivot] * v[pivot] + row[j] * scale = 0
                vector[pivot] = (
                    -row[j] * (scale // row[pivot])
                    if row[pivot] > 0
                    else row[j] * (scale // -row[pivot])
                )
            basis.append(tuple(_normal(vector)))
        return basis


def _unions(
    owner_sets: list[frozenset[int]], sizes: list[int], limit: int
) -> Iterator[frozenset[int]]:
    """Every union of owner sets (classes) with at most `limit` people, fewest
    sets first, each once. Only such unions matter: taking away a set T of
    classes removes the rows whose owners all lie in T, and the union of
    those rows' owners removes exactly the same rows."""
    weight = {o: sum(sizes[i] for i in o) for o in owner_sets}
    atoms = sorted(
        (o for o in owner_sets if weight[o] <= limit), key=lambda o: (weight[o], sorted(o))
    )
    seen: set[frozenset[int]] = set()
    level = [frozenset[int]()]
    while level:
        following = []
        for base in level:
            for atom in atoms:
                union = base | atom
                if union == base or union in seen or sum(sizes[i] for i in union) > limit:
                    continue
                seen.add(union)
                following.append(union)
                yield union
        level = following


def discloses(
    people: Mapping[Any, Sequence[Form]], width: int, *, k: int = 5, budget: int = 400
) -> bool:
    """True if some weighting of the `width` figures' sums leaves the unknowns
    of 1 to k-1 people and no one else's (see the module's note)."""
    return disclosure(people, width, k=k, budget=budget) is not None


def disclosure(
    people: Mapping[Any, Sequence[Form]], width: int, *, k: int = 5, budget: int = 400
) -> frozenset[int] | None:
    """None if no weighting of the `width` figures' sums singles out 1 to k-1
    people; otherwise the figures (columns) of one such weighting. `people`
    maps each person to the figures they stand behind and their form in each.

    Conservative past `budget` candidate sets: then every figure is named
    (hiding a figure too many is safe; showing one too many is not)."""
    counts = Counter(signature(forms) for forms in people.values() if forms)
    sizes: list[int] = []
    owners: dict[Vector, set[int]] = {}
    for index, (sig, size) in enumerate(counts.items()):
        sizes.append(size)
        for row in class_rows(sig, width):
            owners.setdefault(row, set()).add(index)
    # A row that k or more people have can never be taken away by fewer than k:
    # every combination that matters leaves it untouched.
    fixed = Span(width)
    removable: dict[Vector, frozenset[int]] = {}
    for row, who in owners.items():
        if sum(sizes[i] for i in who) >= k:
            fixed.add(row)
        else:
            removable[row] = frozenset(who)
    if fixed.full or not removable:
        return None
    # What is left of each removable row beyond the fixed rows (zero: it adds nothing).
    residual: dict[Vector, frozenset[int]] = {}
    for row, classes in removable.items():
        left = tuple(_normal(fixed.reduce(row)))
        if any(left):
            residual[left] = residual.get(left, frozenset()) | classes
    if not residual:
        return None
    if sum(sizes[i] for i in set().union(*residual.values())) < k:
        # Any combination touching them touches fewer than k people.
        return _witness(fixed, [], list(residual))
    rows = sorted(residual, key=lambda r: (-sum(sizes[i] for i in residual[r]), r))
    basis, combos = _basis_and_combinations(rows, width)
    position = {row: j for j, row in enumerate(basis)}
    for tried, chosen in enumerate(_unions(list(set(residual.values())), sizes, k - 1)):
        if tried >= budget:
            return frozenset(range(width))
        removed = {row for row, classes in residual.items() if classes <= chosen}
        lost = sorted(position[row] for row in removed if row in position)
        if not lost:
            continue  # the rest still holds a whole basis: nothing is singled out
        # Modulo the basis rows kept, a row left behind is its combination's
        # part on the lost ones; the rest spans everything iff those parts
        # span all len(lost) directions (basis exchange).
        stand_ins = Span(len(lost))
        for row, combo in combos.items():
            if row not in removed:
                stand_ins.add([combo[j] for j in lost])
                if stand_ins.full:
                    break
        if not stand_ins.full:
            kept = [row for row in rows if row not in removed]
            return _witness(fixed, kept, sorted(removed))
    return None


def _witness(fixed: Span, kept: list[Vector], removed: list[Vector]) -> frozenset[int]:
    """The figures of a combination that leaves every fixed and kept row
    untouched and some removed row touched (the caller knows one exists)."""
    span = fixed.copy()
    for row in kept:
        span.add(row)
    for vector in span.null_space():
        if any(sum(a * b for a, b in zip(row, vector, strict=True)) for row in removed):
            return frozenset(i for i, value in enumerate(vector) if value)
    raise AssertionError("no combination singles the removed rows out")  # pragma: no cover


def _basis_and_combinations(
    rows: list[Vector], width: int
) -> tuple[list[Vector], dict[Vector, list[int]]]:
    """A basis taken greedily from `rows` in their order, and each other row
    as a combination of it (coefficients up to a common factor, which no rank
    depends on).

    Fraction-free, with bookkeeping after the `width` columns: a stored
    reduced row (x, g) keeps x + sum(g[j] * basis[j]) = 0; the row being
    reduced keeps x + sum(g[j] * basis[j]) = t * row."""
    basis: list[Vector] = []
    reduced: dict[int, list[int]] = {}  # pivot -> x followed by g
    combos: dict[Vector, list[int]] = {}
    extra = len(rows)
    for row in rows:
        current = [*row, *([0] * extra)]
        t = 1
        for pivot, other in reduced.items():
            factor = current[pivot]
            if factor:
                lead = other[pivot]
                current = [a * lead - factor * b for a, b in zip(current, other, strict=True)]
                t *= lead
                divisor = gcd(t, *current)
                if divisor > 1:
                    current = [value // divisor for value in current]
                    t //= divisor
        column = next((i for i in range(width) if current[i]), None)
        if column is None:
            combos[row] = current[width:]  # sum(g[j] * basis[j]) = t * row, t != 0
            continue
        current[width + len(basis)] = -t  # x + sum(g * basis) - t * row = 0
        basis.append(row)
        current = _normal(current)
        lead = current[column]
        for other_pivot, other in reduced.items():
            factor = other[column]
            if factor:
                reduced[other_pivot] = _normal(
                    [b * lead - factor * a for a, b in zip(current, other, strict=True)]
                )
        reduced[column] = current
    return basis, combos
