"""Full-text retrieval (SQLite FTS5 / PostgreSQL tsvector) and near-match scoring.

Retrieval and scoring are split on purpose. The database finds a few dozen candidates fast with its
own full-text index; the score is then computed here, in Python, from the spec and the manifest alone,
so it is the same number on SQLite and PostgreSQL, lies in [0, 1] and comes with reasons a person can
read. The score blends three things:

* text (40%): how well the names agree (word overlap of the spec's name with the plugin's name and
  capability; an identical capability scores 1), and how many of the spec's description words and
  keywords the plugin's indexed text contains;
* inputs (20%): the fraction of the ports the plugin *needs* that the spec *offers* with a compatible
  type. A plugin that needs something the spec cannot give would have to be adapted, so its whole
  score is halved;
* outputs (40%): the fraction of the ports the spec *wants* that the plugin produces, type-compatible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, column, func, select, table, text

from plugsmith.hub._models import RELEASES
from plugsmith.hub._release import words
from plugsmith.spec import CapabilitySpec, PluginManifest

STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of", "on",
    "or", "per", "the", "this", "to", "with", "each", "every", "all",
})
MAX_QUERY_WORDS = 12


def query_words(*texts: str) -> list[str]:
    """Distinct non-stopword words, in order, at most MAX_QUERY_WORDS."""
    return list(dict.fromkeys(w for w in words(*texts) if w not in STOPWORDS))[:MAX_QUERY_WORDS]


_FTS = table("releases_fts", column("rowid"), column("rank"))


def text_filter(conn: Connection, stmt: Select[Any], terms: Sequence[str], *, any_word: bool = False,
                prefix: bool = True) -> Select[Any]:
    """Narrow a ``select(RELEASES)`` to rows whose indexed text matches the terms, best first.

    ``any_word`` ORs the terms (retrieval for ranking); otherwise every term must match (a user's
    search box). ``prefix`` lets ``cost`` match ``costs``.
    """
    if not terms:
        return stmt
    if conn.dialect.name == "sqlite":
        query = (" OR " if any_word else " AND ").join(f'"{t}"' + ("*" if prefix else "") for t in terms)
        return (stmt.join(_FTS, _FTS.c.rowid == RELEASES.c.id)
                .where(text("releases_fts MATCH :q").bindparams(q=query)).order_by(_FTS.c.rank))
    query = (" | " if any_word else " & ").join(t + (":*" if prefix else "") for t in terms)
    vector = "releases.search_vector"  # stored, GIN-indexed (migration 0001)
    return (stmt.where(text(f"{vector} @@ to_tsquery('simple', :q)").bindparams(q=query))
            .order_by(text(f"ts_rank({vector}, to_tsquery('simple', :q)) DESC").bindparams(q=query)))


_PG_STATS = text(
    "SELECT most_common_elems::text::text[] AS elems, most_common_elem_freqs AS freqs, "
    "(SELECT reltuples FROM pg_class WHERE oid = 'releases'::regclass) AS size "
    "FROM pg_stats WHERE tablename = 'releases' AND attname = 'search_vector'")


def _doc_freq(conn: Connection, terms: list[str]) -> tuple[dict[str, int], int]:
    """(how many releases contain each term, how many releases there are), cheaply.

    SQLite reads exact counts from an ``fts5vocab`` view created per connection in the temp schema.
    PostgreSQL's planner statistics already list a tsvector column's most common words with their
    frequencies (``pg_stats.most_common_elems``); a word not listed there is rare, counted as 1.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.releases_fts_vocab "
                             "USING fts5vocab(main, 'releases_fts', 'row')")
        vocab = table("releases_fts_vocab", column("term"), column("doc"), schema="temp")
        size = conn.execute(select(func.max(RELEASES.c.id))).scalar() or 0
        found = conn.execute(select(vocab.c.term, vocab.c.doc).where(vocab.c.term.in_(terms))).all()
        return dict(found), size
    stats = conn.execute(_PG_STATS).first()
    if stats is None or not stats.elems:
        return dict.fromkeys(terms, 1), 0
    size = max(0, int(stats.size or 0))
    common = {e: int(f * size) for e, f in zip(stats.elems, stats.freqs or [], strict=False)}
    return {t: common.get(t, 1) for t in terms}, size


def _selective(conn: Connection, terms: list[str]) -> tuple[list[str], bool]:
    """The terms worth ranking, and whether to OR them (else AND).

    Ranking a term that half the hub contains ("plan", "task") costs a score per posting and adds
    almost nothing (its IDF is near zero), so terms in more than 2% of releases are dropped when rarer
    terms remain; when every term is common they are ANDed, which keeps the set to rank small.
    """
    freq, size = _doc_freq(conn, terms)
    cap = max(200, size // 50)
    present = [t for t in terms if freq.get(t)]
    rare = [t for t in present if freq[t] <= cap]
    return (rare, True) if rare else (present, False)


def candidate_rows(conn: Connection, spec: CapabilitySpec, statuses: Sequence[str], limit: int) -> list[Any]:
    """Releases worth scoring for a spec: the same capability, plus the best full-text hits.

    Input port words are left out of the query: nearly every plugin takes ``plan_json``, so they would
    match everything and rank nothing; inputs are judged by compatibility instead.
    """
    base = select(RELEASES).where(RELEASES.c.status.in_(list(statuses)))
    rows = list(conn.execute(base.where(RELEASES.c.capability == spec.name).limit(limit)).all())
    terms = query_words(spec.name, spec.description, *spec.keywords, *spec.outputs)
    any_word = True
    if terms:
        terms, any_word = _selective(conn, terms)
    if terms:
        stmt = text_filter(conn, base, terms, any_word=any_word, prefix=False).limit(limit)
        rows.extend(conn.execute(stmt).all())
    return rows


def _kind(schema: dict[str, Any]) -> Any:
    """What a port schema is, for compatibility: its catalog id, else its JSON type, else None (any)."""
    return schema.get("$id") or schema.get("type") or None


def compatible(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two port schemas are compatible unless both say what they are and disagree."""
    ka, kb = _kind(a), _kind(b)
    if ka is None or kb is None:
        return True
    sa = set(ka) if isinstance(ka, list) else {ka}
    sb = set(kb) if isinstance(kb, list) else {kb}
    return bool(sa & sb)


def _name_score(spec: CapabilitySpec, manifest: PluginManifest) -> float:
    if spec.name in (manifest.capability, manifest.name):
        return 1.0
    mine = set(words(spec.name))
    theirs = set(words(manifest.name, manifest.capability))
    return len(mine & theirs) / len(mine | theirs) if mine | theirs else 0.0


def _text_score(spec: CapabilitySpec, manifest: PluginManifest, reasons: list[str]) -> float:
    name = _name_score(spec, manifest)
    if name == 1.0:
        reasons.append(f"text: capability '{spec.name}' matches exactly")
    else:
        shared = sorted(set(words(spec.name)) & set(words(manifest.name, manifest.capability)))
        if shared:
            reasons.append(f"text: {', '.join(repr(w) for w in shared)} in name")
    wanted = set(query_words(spec.description, *spec.keywords))
    if not wanted:
        return name
    have = set(words(manifest.description, *manifest.keywords, manifest.name, manifest.capability))
    found = wanted & have
    if found:
        reasons.append(f"text: {len(found)}/{len(wanted)} description words shared "
                       f"({', '.join(sorted(found)[:5])})")
    return 0.7 * name + 0.3 * len(found) / len(wanted)


def _inputs_score(spec: CapabilitySpec, manifest: PluginManifest, reasons: list[str]) -> float:
    needed = manifest.inputs
    if not needed:
        return 1.0
    ok = [p for p, s in needed.items() if p in spec.inputs and compatible(spec.inputs[p], s)]
    for port, schema in needed.items():
        if port not in spec.inputs:
            reasons.append(f"needs input '{port}' the spec does not offer")
        elif port not in ok:
            reasons.append(f"input '{port}' has an incompatible type ({_kind(schema)})")
    if ok:
        reasons.append(f"inputs compatible: {', '.join(ok)}")
    return len(ok) / len(needed)


def _outputs_score(spec: CapabilitySpec, manifest: PluginManifest, reasons: list[str]) -> float:
    wanted = spec.outputs
    ok = [p for p, s in wanted.items() if p in manifest.outputs and compatible(manifest.outputs[p], s)]
    for port in wanted:
        if port not in manifest.outputs:
            reasons.append(f"output '{port}' missing")
        elif port not in ok:
            reasons.append(f"output '{port}' has an incompatible type")
    if ok:
        reasons.append(f"outputs provided: {', '.join(ok)}")
    return len(ok) / len(wanted) if wanted else 0.0


def score_match(spec: CapabilitySpec, manifest: PluginManifest) -> tuple[float, list[str]]:
    """How well a plugin would serve a spec: a score in [0, 1] and the reasons for it."""
    reasons: list[str] = []
    text_part = _text_score(spec, manifest, reasons)
    inputs = _inputs_score(spec, manifest, reasons)
    outputs = _outputs_score(spec, manifest, reasons)
    score = 0.4 * text_part + 0.2 * inputs + 0.4 * outputs
    if inputs < 1.0:
        score *= 0.5
        reasons.append("score halved: the plugin needs inputs the spec cannot supply")
    return round(min(1.0, max(0.0, score)), 4), reasons


__all__ = ["candidate_rows", "compatible", "query_words", "score_match", "text_filter"]
