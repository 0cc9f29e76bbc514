"""Danish full-text search on both databases (docs/architecture.md, Directory).

PostgreSQL: a stored tsvector per entry built with the `danish` configuration
(title weight A; activity types, organiser and target groups B; the rest C),
GIN-indexed, matched with a prefix tsquery and ranked with ts_rank. When no
entry matches, each word is matched against the entry's words by trigram word
similarity (pg_trgm's %>, GIN-indexed): the typo fallback.

SQLite: an FTS5 table (unicode61, remove_diacritics 0: å, æ and ø are letters
of their own, so "år" never matches "ar") holding the words stemmed in Python
with Snowball's Danish stemmer, queried with the query's words stemmed the same
way as prefixes, ranked with bm25. The typo fallback compares each word with
the table's vocabulary (fts5vocab) in Python.

Both: words are letters and digits only (nothing a query syntax could read),
Danish stop words are dropped, at most MAX_TERMS words are used.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import snowballstemmer
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from directory.models import Entry

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_WORD_LENGTH = 40
# Shorter words are not typo-matched: "år" must not become "ar".
MIN_FUZZY_LENGTH = 4
FUZZY_CUTOFF = 0.8
FTS_TABLE = "directory_entry_fts"
FTS_WEIGHTS = (10.0, 4.0, 1.0)  # title, middle, body (as PostgreSQL's A, B, C)

# Snowball's Danish stop word list (snowballstem.org/algorithms/danish/stop.txt).
_STOP_WORDS_TEXT = """
og i jeg det at en den til er som på de med han af for ikke der var mig sig men
et har om vi min havde ham hun nu over da fra du ud sin dem os op man hans hvor
eller hvad skal selv her alle vil blev kunne ind når være dog noget ville jo
deres efter ned skulle denne end dette mit også under have dig anden hende mine
alt meget sit sine vor mod disse hvis din nogle hos blive mange ad bliver hendes
været thi jer sådan
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_WORD = re.compile(r"[^\W_]+")
_local = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    # A Snowball stemmer keeps state while it works: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("danish")
    return stemmer


def words(text: str) -> list[str]:
    """The words of `text`, in lower case (letters and digits only)."""
    return _WORD.findall(unicodedata.normalize("NFC", text or "").lower())


def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def stem_text(text: str) -> str:
    return " ".join(stem(w) for w in words(text))


def query_terms(text: str) -> list[str]:
    """The words a search uses: no stop words, no giant words, at most MAX_TERMS."""
    terms: list[str] = []
    for word in words(text[: MAX_QUERY_LENGTH * 2]):
        if word in STOP_WORDS or len(word) > MAX_WORD_LENGTH or word in terms:
            continue
        terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def normalise_query(text: str) -> str:
    """The form a query is counted under in the statistics."""
    return " ".join(query_terms(text))[:100]


@dataclass
class Document:
    """An entry's text in the three weighted parts."""

    title: str
    middle: str  # activity types, organiser, target groups
    body: str  # description, area, place, address, schedule in words

    @property
    def plain(self) -> str:
        return " ".join(words(" ".join((self.title, self.middle, self.body))))


# --- Writing the index (called by directory.services) -------------------------


def index_entry(entry_id: int, document: Document) -> None:
    """Store the entry's searchable text: one UPDATE (and on SQLite the FTS row)."""
    plain = document.plain
    if connection.vendor == "postgresql":
        vector = (
            SearchVector(Value(document.title), weight="A", config="danish")
            + SearchVector(Value(document.middle), weight="B", config="danish")
            + SearchVector(Value(document.body), weight="C", config="danish")
        )
        Entry.objects.filter(pk=entry_id).update(search_text=plain, search_vector=vector)
        return
    Entry.objects.filter(pk=entry_id).update(search_text=plain)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry_id])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, middle, body) "  # noqa: S608
                "VALUES (%s, %s, %s, %s)",
                [
                    entry_id,
                    stem_text(document.title),
                    stem_text(document.middle),
                    stem_text(document.body),
                ],
            )


# --- Matching ---------------------------------------------------------------


@dataclass
class TextMatch:
    """How to find the entries a text matches: `where` are filter() arguments,
    `rank` an expression to order by (higher is better)."""

    where: list[Any]
    rank: Any
    terms: list[str]
    fuzzy: bool = False
    # On the typo path: the words that were used instead, for "Søgte også efter …".
    alternatives: list[str] = field(default_factory=list)


def match(queryset: QuerySet, terms: list[str]) -> TextMatch:
    """The condition for entries of `queryset` that match every term, and their
    rank. If none match, similar words are matched instead (fuzzy=True).

    Costs one query (an EXISTS), two or three on the typo path."""
    if not terms:
        return TextMatch([], Value(0.0, output_field=FloatField()), terms)
    if connection.vendor == "postgresql":
        return _match_postgres(queryset, terms)
    return _match_sqlite(queryset, terms)


def _match_postgres(queryset: QuerySet, terms: list[str]) -> TextMatch:
    raw = " & ".join(f"{term}:*" for term in terms)
    query = SearchQuery(raw, search_type="raw", config="danish")
    exact = TextMatch([Q(search_vector=query)], SearchRank(F("search_vector"), query), terms)
    if queryset.filter(*exact.where).exists():
        return exact
    fuzzy_terms = [t for t in terms if len(t) >= MIN_FUZZY_LENGTH]
    if len(fuzzy_terms) != len(terms):
        # A short word that matched nothing is not guessed at.
        return exact
    # search_text %> 'word': the word is like some word of the entry (GIN-indexed).
    conditions = [TrigramWordSimilar(F("search_text"), Value(term)) for term in fuzzy_terms]
    rank: Any = TrigramWordSimilarity(fuzzy_terms[0], "search_text")
    for term in fuzzy_terms[1:]:
        rank = rank + TrigramWordSimilarity(term, "search_text")
    return TextMatch(conditions, rank, terms, fuzzy=True)


def _fts_query(groups: Iterable[Iterable[str]]) -> str:
    """FTS5 syntax: each group is OR-ed prefixes, the groups AND-ed. The words
    are letters and digits only, so quoting them is enough."""
    return " AND ".join("(" + " OR ".join(f'"{word}"*' for word in group) + ")" for group in groups)


def _fts_match(fts: str) -> tuple[list[Any], Any]:
    # The FTS query is a parameter; only the fixed table names are formatted in.
    where = Q(
        pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts])  # noqa: S608, S611
    )
    rank = RawSQL(  # noqa: S611
        f"(SELECT -bm25({FTS_TABLE}, %s, %s, %s) FROM {FTS_TABLE} "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s AND rowid = directory_entry.id)",
        [*FTS_WEIGHTS, fts],
        output_field=FloatField(),
    )
    return [where], rank


def _match_sqlite(queryset: QuerySet, terms: list[str]) -> TextMatch:
    stems = [stem(term) for term in terms]
    exact = TextMatch(*_fts_match(_fts_query([[s] for s in stems])), terms)
    if queryset.filter(*exact.where).exists():
        return exact
    if any(len(s) < MIN_FUZZY_LENGTH for s in stems):
        return exact
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term FROM {FTS_TABLE}_vocab")  # noqa: S608
        vocabulary = [row[0] for row in cursor.fetchall()]
    groups: list[list[str]] = []
    alternatives: list[str] = []
    for s in stems:
        close = difflib.get_close_matches(s, vocabulary, n=5, cutoff=FUZZY_CUTOFF)
        if not close:
            return exact
        groups.append(close)
        alternatives.extend(close)
    where, rank = _fts_match(_fts_query(groups))
    return TextMatch(where, rank, terms, fuzzy=True, alternatives=alternatives)
