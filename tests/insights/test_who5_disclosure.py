"""The exact test behind WHO-5's secondary suppression, against a brute force
that tries every set of 1–4 people with plain rational linear algebra."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import Any

import pytest

from insights.who5_disclosure import Span, discloses, disclosure


def _null_space(rows: list[list[int]], width: int) -> list[list[Fraction]]:
    m = [[Fraction(x) for x in row] for row in rows]
    pivots: list[int] = []
    r = 0
    for c in range(width):
        p = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if p is None:
            continue
        m[r], m[p] = m[p], m[r]
        lead = m[r][c]
        m[r] = [x / lead for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append(c)
        r += 1
    basis = []
    for j in (c for c in range(width) if c not in pivots):
        v = [Fraction(0)] * width
        v[j] = Fraction(1)
        for i, c in enumerate(pivots):
            v[c] = -m[i][j]
        basis.append(v)
    return basis


def _rows(forms: list[Any], width: int) -> list[list[int]]:
    rows: dict[Any, list[int]] = {}
    for column, form in forms:
        for unknown, coef in form.items():
            rows.setdefault(unknown, [0] * width)[column] += coef
    return list(rows.values())


def brute_force(people: dict[int, list[Any]], width: int, k: int = 5) -> bool:
    """Is there a set T of 1..k-1 people and a weighting that leaves everyone
    outside T untouched and touches someone in T?"""
    ids = list(people)
    for size in range(1, k):
        for chosen in itertools.combinations(ids, size):
            rest = [row for p in ids if p not in chosen for row in _rows(people[p], width)]
            free = _null_space(rest, width)
            for p in chosen:
                for row in _rows(people[p], width):
                    if any(sum(a * b for a, b in zip(row, v, strict=True)) for v in free):
                        return True
    return False


def _random_people(rnd: random.Random) -> tuple[dict[int, list[Any]], int]:
    """A few shapes shared by several people: classes of equal shape occur,
    as they do in a group (the same places, the same periods)."""
    width = rnd.randint(1, 6)
    shapes = []
    for _ in range(rnd.randint(1, 5)):
        shape = []
        for column in sorted(rnd.sample(range(width), rnd.randint(1, width))):
            kind = rnd.choice(["a", "b", "a-b", "c"])
            form = {"a": {"a": 1}, "b": {"b": 1}, "a-b": {"a": 1, "b": -1}, "c": {"c": 1}}[kind]
            shape.append((column, form))
        shapes.append(shape)
    people = {}
    for person in range(rnd.randint(1, 11)):
        shape = rnd.choice(shapes)
        people[person] = [
            (column, {(person, u): c for u, c in form.items()}) for column, form in shape
        ]
    return people, width


@pytest.mark.parametrize("seed", range(8))
def test_the_audit_agrees_with_brute_force(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(40):
        people, width = _random_people(rnd)
        assert discloses(people, width, budget=10**9) == brute_force(people, width), people


def test_a_witness_leaves_the_others_out() -> None:
    # The group (six) and a sub-group of five of them: group − sub-group.
    people = {u: [(0, {u: 1}), *([(1, {u: 1})] if u < 5 else [])] for u in range(6)}
    assert disclosure(people, 2) == frozenset({0, 1})
    people = {u: [(0, {u: 1}), *([(1, {u: 1})] if u < 5 else [])] for u in range(10)}
    assert disclosure(people, 2) is None


def test_past_the_budget_every_figure_is_named() -> None:
    # Twenty people in twenty shapes; a budget of one candidate set.
    people = {u: [(c, {u: 1}) for c in range(4) if (u >> c) & 1 or c == 0] for u in range(20)}
    named = disclosure(people, 4, budget=1)
    assert named is not None


def test_span_and_null_space_are_exact() -> None:
    rnd = random.Random(7)
    for _ in range(200):
        width = rnd.randint(1, 7)
        rows = [[rnd.randint(-2, 2) for _ in range(width)] for _ in range(rnd.randint(0, 7))]
        span = Span(width)
        for row in rows:
            span.add(row)
        null = span.null_space()
        assert len(null) == len(_null_space(rows, width))
        for vector in null:
            assert all(sum(a * b for a, b in zip(row, vector, strict=True)) == 0 for row in rows)
