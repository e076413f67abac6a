"""Search over a case's number, title, description, enterprise name, credit code and contact mobile.

Chinese has no spaces, and the words people search for are often two characters (用电, 环评), shorter than the
three a trigram index needs. So each case gets a search document of overlapping character pairs ("用电增容" →
"用电 电增 增容 容"; the last character of each run also stands alone, so a one-character query is a prefix
query over the pairs). A query is cut the same way and every pair must be present; the candidates are then
checked with LIKE against the real fields, so a match is always an exact substring.

SQLite keeps the documents in an FTS5 table (`ticket_fts`, ascii tokenizer: every pair is one token, with a
prefix index for one-character queries). PostgreSQL keeps them in `ticket_search.doc` with a stored, GIN-indexed
`terms` = `array_to_tsvector(string_to_array(doc, ' '))`, which needs no text-search parser and so no locale
that knows Chinese. The documents are written when a case is created or edited and when an enterprise is renamed.
"""
import re

from flask import g
from sqlalchemy import ARRAY, Integer, any_, bindparam, event, inspect, text
from sqlalchemy.orm import Session

from app.extensions import db
from app.planner import postgres_setting
from app.models import Ticket

RUN = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]+")


def pairs(value: str) -> list[str]:
    """The search tokens of a text: overlapping character pairs of each run, and each run's last character."""
    tokens = []
    for run in RUN.findall((value or "").lower()):
        tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
        tokens.append(run[-1])
    return tokens


def document(number, title, description, contact_mobile, enterprise_name, credit_code) -> str:
    """One case's search document: its distinct tokens, space-separated."""
    seen = dict.fromkeys(pairs(" ".join(str(v or "") for v in (number, title, description, contact_mobile,
                                                                  enterprise_name, credit_code))))
    return " ".join(seen)


def query_terms(q: str) -> list[tuple[str, bool]]:
    """What a query needs: (token, is_prefix) for each pair, or a prefix for a run of one character."""
    terms = []
    for run in RUN.findall((q or "").lower()):
        if len(run) == 1:
            terms.append((run, True))
        else:
            terms.extend((run[i:i + 2], False) for i in range(len(run) - 1))
    return list(dict.fromkeys(terms))


def _fts_match(terms) -> str:
    return " AND ".join(f'"{token}"' + ("*" if prefix else "") for token, prefix in terms)


def _tsquery(terms) -> str:
    return " & ".join(f"'{token}'" + (":*" if prefix else "") for token, prefix in terms)


# A word as common as 用电 can match tens of thousands of cases at a million. Ranking them all by relevance means
# reading each one; the list ranks the newest WINDOW that the person may see, as filtered, and says so.
WINDOW = 2_000


# Before that, the index hands over at most the newest CANDIDATES matching documents of all cases: checking who may
# see each and every searched field (LIKE) over 40,000 matches took 1-2 s on PostgreSQL; over 5,000, about 0.1 s.
CANDIDATES = 5_000


def _candidates_sql(terms) -> tuple[str, dict]:
    """The newest matching documents' case ids, at most :jj_limit of them (SQLite: FTS5 hands them over by rowid)."""
    return ("SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :jj_match ORDER BY rowid DESC LIMIT :jj_limit",
            {"jj_match": _fts_match(terms)})


# PostgreSQL's GIN index finds every document holding a pair but not in id order: asked for the newest 5,000 of
# 40,000, the planner walked the primary key backwards and rechecked about 125,000 documents (100-240 ms at
# 1,000,000 cases). Asked window by window of ids, newest first, a bitmap of the GIN index ANDed with one of the id
# range reads only the matches in the window (about 30 ms for the same 5,000; bench/README.md). The planner
# underrates rechecking a document and still prefers walking the key, so index scans are off for these statements
# only, when every term is a whole pair. A one-character query is a prefix over every pair it starts, held by a
# quarter of all documents or more (电, 1): there walking the key finds 5,000 in 5-12 ms, and a bitmap of every
# matching document took 120-300 ms, so the planner chooses. The next window is sized from the matches found so
# far, so a rare word costs a few small look-ups.
FIRST_WINDOW = 150_000

_WINDOW_SQL = text("SELECT ticket_id FROM ticket_search WHERE terms @@ CAST(:tsq AS tsquery) "
                   "AND ticket_id >= :low AND ticket_id < :high ORDER BY ticket_id DESC LIMIT :n")


def _newest_matches(terms) -> list[int]:
    """Ids of the newest CANDIDATES + 1 documents (PostgreSQL) holding every term, newest first."""
    tsq = _tsquery(terms)
    high = (db.session.scalar(text("SELECT max(ticket_id) FROM ticket_search")) or 0) + 1
    found, width, spanned = [], FIRST_WINDOW, 0
    bitmap = not any(prefix for _token, prefix in terms)
    with postgres_setting("enable_indexscan", "off", when=bitmap):
        while high > 0 and len(found) <= CANDIDATES:
            low = max(0, high - width)
            found += db.session.scalars(_WINDOW_SQL, {"tsq": tsq, "low": low, "high": high,
                                                      "n": CANDIDATES + 1 - len(found)}).all()
            spanned, high = spanned + high - low, low
            # As many ids again as held the matches still needed at the density seen so far, and a quarter more.
            width = int((CANDIDATES + 1 - len(found)) * spanned / len(found) * 1.25) + 1 if found else width * 8
    return found


def _candidates(q: str):
    """(ids, more) on PostgreSQL, once per request and query: the newest CANDIDATES matching cases and whether
    older ones match too."""
    memo = g.setdefault("jj_search_candidates", {})
    if q not in memo:
        found = _newest_matches(query_terms(q))
        memo[q] = (found[:CANDIDATES], len(found) > CANDIDATES)
    return memo[q]


def candidate_clause(q: str):
    """A SQL condition on ticket.id that keeps the newest CANDIDATES cases whose documents hold every token of
    `q`, or None when the query has no searchable characters."""
    terms = query_terms(q)
    if not terms:
        return None
    if db.engine.dialect.name == "postgresql":
        ids, _more = _candidates(q)
        return Ticket.id == any_(bindparam("jj_candidates", ids, type_=ARRAY(Integer)))
    sql, params = _candidates_sql(terms)
    return text(f"ticket.id IN ({sql})").bindparams(jj_limit=CANDIDATES, **params)


def more_candidates(q: str) -> bool:
    """Whether more documents match `q` than the index hands over (CANDIDATES): older matches are left out."""
    terms = query_terms(q)
    if not terms:
        return False
    if db.engine.dialect.name == "postgresql":
        return _candidates(q)[1]
    sql, params = _candidates_sql(terms)
    return db.session.scalar(text(f"SELECT count(*) FROM ({sql}) AS c"),
                             dict(params, jj_limit=CANDIDATES + 1)) > CANDIDATES


def _newest_with_sql(i: int) -> str:
    """The newest :jj_per documents holding the one token :jj_t<i>, as a subquery of ids (index only)."""
    if db.engine.dialect.name == "postgresql":
        return (f"SELECT ticket_id AS id FROM ticket_search WHERE terms @@ CAST(:jj_t{i} AS tsquery) "
                f"ORDER BY ticket_id DESC LIMIT :jj_per")
    return f"SELECT rowid AS id FROM ticket_fts WHERE ticket_fts MATCH :jj_t{i} ORDER BY rowid DESC LIMIT :jj_per"


def sharing_tokens_sql(tokens: list[str]) -> tuple[str, dict]:
    """SQL for the cases sharing the most of `tokens` (character pairs), as (id, hits) rows, most hits first:
    per token, the index's newest `:jj_per` documents holding it, counted together. Each token costs at most
    `:jj_per` index entries, so a common pair (问题) costs no more than a rare one, at any number of cases."""
    postgres = db.engine.dialect.name == "postgresql"
    params = {f"jj_t{i}": (f"'{t}'" if postgres else f'"{t}"') for i, t in enumerate(tokens)}
    parts = " UNION ALL ".join(f"SELECT id FROM ({_newest_with_sql(i)}) AS s{i}" for i in range(len(tokens)))
    return (f"SELECT id, count(*) AS hits FROM ({parts}) AS shared GROUP BY id "
            f"ORDER BY count(*) DESC, id DESC LIMIT :jj_keep", params)


def sharing_tokens(tokens: list[str], per_token: int, keep: int) -> list[tuple[int, int]]:
    """(case id, tokens shared) of the `keep` cases sharing the most of `tokens`, by the index (see
    sharing_tokens_sql); the tokens come from `pairs`, so they hold no quote."""
    if not tokens:
        return []
    sql, params = sharing_tokens_sql(tokens)
    return [(int(i), int(n)) for i, n in db.session.execute(text(sql), dict(params, jj_per=per_token, jj_keep=keep))]


_DOCUMENT_SQL = """
SELECT t.id, t.number, t.title, t.description, t.contact_mobile, e.name, e.credit_code
FROM ticket t JOIN enterprise e ON e.id = t.enterprise_id WHERE {where}
"""


def reindex(connection, where: str = "t.id IN :ids", **params) -> int:
    """Rewrite the search documents of the cases selected by `where` (a condition on `t` and `e`)."""
    statement = text(_DOCUMENT_SQL.format(where=where))
    lists = [bindparam(name, expanding=True) for name, value in params.items() if isinstance(value, list)]
    if lists:
        statement = statement.bindparams(*lists)
    rows = connection.execute(statement, params).all()
    if not rows:
        return 0
    docs = [{"id": r[0], "doc": document(*r[1:])} for r in rows]
    if connection.dialect.name == "postgresql":
        connection.execute(text("INSERT INTO ticket_search (ticket_id, doc) VALUES (:id, :doc) "
                                "ON CONFLICT (ticket_id) DO UPDATE SET doc = excluded.doc"), docs)
    else:
        connection.execute(text("DELETE FROM ticket_fts WHERE rowid = :id"), docs)
        connection.execute(text("INSERT INTO ticket_fts (rowid, doc) VALUES (:id, :doc)"), docs)
    return len(docs)


def clear(connection) -> None:
    """Delete every search document (tests that empty the tables call this; PostgreSQL cascades anyway)."""
    connection.execute(text("DELETE FROM ticket_search" if connection.dialect.name == "postgresql"
                            else "DELETE FROM ticket_fts"))


def reindex_all(connection, batch: int = 20_000) -> int:
    """Rebuild every document (after a migration or a bulk load), in batches of ids."""
    done, last = 0, 0
    while True:
        ids = connection.execute(text("SELECT id FROM ticket WHERE id > :last ORDER BY id LIMIT :n"),
                                 {"last": last, "n": batch}).scalars().all()
        if not ids:
            return done
        done += reindex(connection, "t.id >= :lo AND t.id <= :hi", lo=ids[0], hi=ids[-1])
        last = ids[-1]


def include_name(name, type_, parent_names) -> bool:
    """Alembic's filter: the search tables (virtual on SQLite) have no model, so autogenerate leaves them be."""
    return not (type_ == "table" and bool(name) and name.startswith(("ticket_fts", "ticket_search")))


SEARCHED = {"Ticket": ("number", "title", "description", "contact_mobile", "enterprise_id"),
            "Enterprise": ("name", "credit_code")}


def install() -> None:
    """Keep documents current (once per process): after each flush, reindex the cases created or edited, and
    those of an enterprise whose name or credit code changed."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def _after_flush(session, _context):
    ticket_ids, enterprise_ids = set(), set()
    for obj in list(session.new) + list(session.dirty):
        kind = type(obj).__name__
        if kind not in SEARCHED:
            continue
        if kind == "Ticket" and obj in session.new and inspect(obj).dict.get("number") is None:
            # A new case is flushed once for the id its number is made from: its document is written on the flush
            # that stores the number (one reindex per submission, not two). Read from the state, not the attribute:
            # an unset column of a row just inserted is expired, and reading it would SELECT it again.
            continue
        if obj in session.dirty and not any(inspect(obj).attrs[name].history.has_changes()
                                            for name in SEARCHED[kind]):
            continue
        (ticket_ids if kind == "Ticket" else enterprise_ids).add(obj.id)
    connection = session.connection()
    if ticket_ids:
        reindex(connection, ids=sorted(ticket_ids))
    if enterprise_ids:
        reindex(connection, "t.enterprise_id IN :eids", eids=sorted(enterprise_ids))
