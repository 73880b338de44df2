"""The words of the workbench search: Chinese by overlapping bigrams, other text by words.

PostgreSQL's full-text parser does not split Chinese, and a trigram index cannot serve a query of
fewer than three characters (退货), so the messages' and the customers' names are indexed as a
``tsvector`` of tokens that the database function ``cases_search_vector`` (migration
0020_search_vector_bigrams) computes in a trigger on every insert and update:

- a run of CJK characters (Han, kana, hangul) gives its overlapping bigrams at consecutive
  positions (我想退货 → 我想 想退 退货); a lone CJK character gives itself;
- a run of ASCII letters and digits gives one word, lower-cased (only A-Z: the same on both
  sides whatever the database's locale), its first 64 characters;
- everything else (spaces, punctuation, other scripts) separates tokens; only the first 16,000
  characters of a text are indexed (a ``tsvector`` holds positions up to 16,383);
- a token's position is one more than the one before in its run, two more across runs.

``search_query`` turns what a person typed into the ``tsquery`` over the same tokens: each CJK run
a phrase of its bigrams (so 退货款 does not match 退货 ... 货款), each word a prefix (refund
finds refunded), all of them required. A query the bigrams cannot answer (a lone CJK character,
or nothing but punctuation) gives ``None``: the caller falls back to the substring match.
The test ``tests/cases/test_search_bigrams.py`` holds this module and the SQL function together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import BooleanField, Expression, Q

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
TOKENS = re.compile(f"[0-9a-z]+|[{CJK}]+")
WORD_LENGTH = 64
INDEXED_LENGTH = 16_000
MAX_POSITION = 16_383  # a tsvector's largest position
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _is_word(run: str) -> bool:
    return run[0] < "\u0080"


def bigrams(run: str) -> list[str]:
    """The overlapping bigrams of a CJK run; a lone character is its own token."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> list[tuple[int, str]]:
    """The tokens of ``text`` with their positions, as the database function indexes them: one
    position apart within a run, two between runs (so a phrase does not span punctuation)."""
    found: list[tuple[int, str]] = []
    position = 0
    for run in TOKENS.findall(text[:INDEXED_LENGTH].translate(_ASCII_LOWER)):
        for token in [run[:WORD_LENGTH]] if _is_word(run) else bigrams(run):
            position += 1
            found.append((min(position, MAX_POSITION), token))
        position += 1
    return found


def search_query(text: str) -> str | None:
    """The ``tsquery`` (its text, to cast) matching ``text``, or None when the index cannot serve it."""
    groups: list[str] = []
    for run in TOKENS.findall(text.translate(_ASCII_LOWER)):
        if _is_word(run):
            groups.append(f"'{run[:WORD_LENGTH]}':*")
        elif len(run) == 1:
            return None  # a lone character is indexed only where it stands alone: match by substring
        else:
            groups.append("(" + " <-> ".join(f"'{pair}'" for pair in bigrams(run)) + ")")
    return " & ".join(groups) or None


class TokensMatch(Expression):
    """``<the query's table>.search_vector @@ '<tsquery>'``: the column is the database's (migration
    0020), so this names it on whatever alias the table has in the query (a subquery's ``U0``)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, tsquery: str, alias: str = "") -> None:
        super().__init__()
        self.tsquery = tsquery
        self.alias = alias

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> TokensMatch:
        return TokensMatch(self.tsquery, alias=query.get_initial_alias())

    def relabeled_clone(self, change_map: Mapping[str, str]) -> TokensMatch:
        return TokensMatch(self.tsquery, alias=change_map.get(self.alias, self.alias))

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[str | int, ...]]:
        return f"{compiler.quote_name_unless_alias(self.alias)}.search_vector @@ %s::tsquery", (self.tsquery,)


def text_matches(field: str, search: str) -> Q:
    """Rows whose ``field`` (a text with a search vector: ``CaseEvent.note``, ``Customer.name``)
    holds ``search``: through the bigram index on PostgreSQL when the tokens can answer, else by
    substring (a lone Chinese character, nothing but punctuation, the embedded SQLite)."""
    tsquery = search_query(search) if connection.vendor == "postgresql" else None
    if tsquery is None:
        return Q(**{f"{field}__icontains": search})
    return Q(TokensMatch(tsquery))
