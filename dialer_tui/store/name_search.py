"""SQLite's index for repo.search's substring lookup: an FTS5 table with the trigram tokenizer
over prospect.name_key and prospect.email_key (schema v11).

A `LIKE '%text%'` cannot seek a B-tree, so on SQLite every lookup by name read the whole name
and email indexes: 26 ms at 100k prospects, 147-229 ms at 1M (budget 30 ms). The trigram index
finds the rows holding every three-character run of the needle instead. PostgreSQL has its own
(pg_trgm, migrations.search_indexes).

External content (`content='prospect'`): the index stores no copy of the keys, only the trigram
lists; triggers on prospect keep it in step with every insert, delete and key change, whoever
writes (the ORM, the importer's executemany, raw SQL in a script).

The index only narrows: it answers which rows hold every trigram of the needle, and
repo.search still applies its `LIKE` to those rows, so results are exactly what the scan
returned. (FTS5 folds case in every script, SQLite's LIKE in ASCII only; FTS5's folding is one
code point to one, so anything LIKE matches the index also finds.)

SQLite before 3.34 has no trigram tokenizer, and a build may leave FTS5 out: then no index is
made and search scans, as before."""

from __future__ import annotations

import sqlite3
from functools import cache
from typing import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

TABLE = "prospect_fts"
MIN_NEEDLE = 3  # a trigram index cannot answer for fewer characters: search scans for those

_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_ai AFTER INSERT ON prospect BEGIN
        INSERT INTO {TABLE} (rowid, name_key, email_key)
        VALUES (new.id, new.name_key, new.email_key);
    END""",
    # An external-content index is told the old values to remove: it keeps no copy of them.
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_ad AFTER DELETE ON prospect BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, name_key, email_key)
        VALUES ('delete', old.id, old.name_key, old.email_key);
    END""",
    # Only when a key changes: the prospect row is updated at every outcome, claim and lease,
    # and those must not pay for re-indexing a name.
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_au AFTER UPDATE OF id, name_key, email_key
        ON prospect WHEN old.id IS NOT new.id OR old.name_key IS NOT new.name_key
                      OR old.email_key IS NOT new.email_key BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, name_key, email_key)
        VALUES ('delete', old.id, old.name_key, old.email_key);
        INSERT INTO {TABLE} (rowid, name_key, email_key)
        VALUES (new.id, new.name_key, new.email_key);
    END""",
)


@cache
def trigram_available() -> bool:
    """Whether this process's SQLite has FTS5 with the trigram tokenizer (asked once, of a
    throwaway in-memory database: compile options do not tell about the tokenizer)."""
    try:
        con = sqlite3.connect(":memory:")
    except sqlite3.Error:
        return False
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'trigram')")
        return True
    except sqlite3.Error:  # "no such module: fts5" or "no such tokenizer: trigram"
        return False
    finally:
        con.close()


def create(conn: Connection) -> bool:
    """Make the index and its triggers and fill it from the prospects (SQLite only; a new store
    and the v10 -> v11 step). Returns whether the index is there. On an existing store the fill
    reads every prospect's keys once: 7 s (4 s of CPU) at 1M prospects, 0.5 s at 100k."""
    if conn.dialect.name != "sqlite" or not trigram_available():
        return False
    if not exists(conn):
        # detail=none: which rows hold a trigram, not where (search's LIKE checks the order);
        # columnsize=0: no per-row sizes (they serve ranking, which search does not use).
        # Against a full index, at 100k prospects: 0.33 s of CPU to index them instead of 0.72
        # s, 4.8 MB instead of 20 MB, and lookups as fast.
        conn.execute(text(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(name_key, email_key, "
                          "content = 'prospect', content_rowid = 'id', tokenize = 'trigram', "
                          "detail = none, columnsize = 0)"))
        conn.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')"))
        # The fill leaves many small segments; one merged segment answers a common needle
        # ("john smith", "acme") faster (a third, measured on a full-detail index), for a
        # fraction of the fill's time.
        conn.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')"))
    for ddl in _TRIGGERS:
        conn.execute(text(ddl))
    return True


def exists(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
                        {"n": TABLE}).first() is not None


def usable(conn: Connection, needle: str) -> bool:
    """Whether repo.search may ask the index for `needle`: SQLite, long enough, and an index
    this process's SQLite can read (a store made elsewhere may have one it cannot)."""
    return (conn.dialect.name == "sqlite" and len(needle) >= MIN_NEEDLE
            and trigram_available() and exists(conn))


def before_batch(conn: Connection, *, updated_ids: Sequence[int]) -> None:
    """In an import batch's transaction, before its writes: the batch's rows are indexed by a
    few statements at its end (after_batch) instead of by the triggers, row by row.

    FTS5 writes its pending rows out at every statement that changes it (a statement savepoint),
    so the insert trigger under the importer's executemany made one tiny index segment per row,
    then merged them: a 100k-row import into an empty store ran at 18,800 rows per CPU second
    with the triggers, 26,500 this way, 31,400 with no index. The triggers are dropped here and
    made again by after_batch: no other connection sees the table without them (the
    transaction holds the write lock, and the DDL commits or rolls back with the rows)."""
    if conn.dialect.name != "sqlite" or not exists(conn):
        return
    conn.execute(text(f"DROP TRIGGER IF EXISTS {TABLE}_ai"))
    conn.execute(text(f"DROP TRIGGER IF EXISTS {TABLE}_au"))
    # Rows the batch merges into leave the index with the keys they have now, as the update
    # trigger would take them out; after_batch puts them back with their new keys.
    _per_ids(conn, f"INSERT INTO {TABLE} ({TABLE}, rowid, name_key, email_key) "
                   "SELECT 'delete', id, name_key, email_key FROM prospect", updated_ids)


def after_batch(conn: Connection, *, ids: Sequence[int]) -> None:
    """The batch's new and merged rows into the index, and the triggers back (before_batch)."""
    if conn.dialect.name != "sqlite" or not exists(conn):
        return
    _per_ids(conn, f"INSERT INTO {TABLE} (rowid, name_key, email_key) "
                   "SELECT id, name_key, email_key FROM prospect", ids)
    conn.execute(text(_TRIGGERS[0]))
    conn.execute(text(_TRIGGERS[2]))


def _per_ids(conn: Connection, select_sql: str, ids: Sequence[int]) -> None:
    ordered = sorted(ids)  # the index appends fastest in rowid order
    for i in range(0, len(ordered), 10_000):  # bound parameters: SQLite 3.34+ takes 32,766
        chunk = ordered[i:i + 10_000]
        # The driver's own `?` marks: text() with 5,000 named parameters cost ~12 ms a batch
        # to parse and bind (0.25 s of a 100k-row import into 100k prospects).
        conn.exec_driver_sql(f"{select_sql} WHERE id IN ({', '.join('?' * len(chunk))}) "
                             "ORDER BY id", tuple(chunk))


def query(needle: str) -> str:
    """The FTS5 query for rows that hold each three-character run of the needle (an index with
    detail=none answers which rows hold a trigram, not in what order: search's LIKE decides).
    Each run is one quoted string, so every character is literal (operators, `*`, `:`, quotes,
    a `"` written twice); the tokenizer folds its case as it folded the keys'."""
    runs = dict.fromkeys(needle[i:i + 3] for i in range(len(needle) - 2))
    return " AND ".join('"' + run.replace('"', '""') + '"' for run in runs)
