"""Versioned schema upgrades: a small ordered list of steps, one per version.

A new database is created at the current version. An older one is upgraded step by step, each
step in its own transaction, so a database made by any earlier release opens without loss.
Version 1 is the first schema that shipped; `tests/fixtures/schema_v1.sql` keeps a copy of it.
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from dialer_tui.store import models, name_search
from dialer_tui.store.locks import MIGRATE, pg_lock


def _add_columns(conn: Connection, table: str, columns: dict[str, str]) -> None:
    have = {c["name"] for c in inspect(conn).get_columns(table)}
    for name, ddl in columns.items():
        if name not in have:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}"))


def _v1_to_v2(conn: Connection) -> None:
    """v2: outcome attribution (value proposition and objection answer shown), undo of the last
    outcome, and the per-number gatekeeper / phone-tree note."""
    _add_columns(conn, "touch", {"value_prop_id": "VARCHAR NOT NULL DEFAULT ''",
                                 "objection_id": "VARCHAR NOT NULL DEFAULT ''",
                                 "undo_state": "TEXT NOT NULL DEFAULT ''"})
    _add_columns(conn, "follow_up", {"closed_by_touch_id": "INTEGER REFERENCES touch (id)"})
    _add_columns(conn, "phone_number", {"note": "VARCHAR NOT NULL DEFAULT ''"})
    # Live claims are polled by every cockpit of a team (repo.change_token).
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_prospect_claim_expires_at "
                      "ON prospect (claim_expires_at)"))


def _v2_to_v3(conn: Connection) -> None:
    """v3: the name search index back (repo.search scans it instead of the prospect rows)."""
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_prospect_name_key ON prospect (name_key)"))


def _v3_to_v4(conn: Connection) -> None:
    """v4: a call outside the rules says so on its touch (and who overrode the gate, and why);
    an outcome replayed from the cockpit's local journal is known by its client id."""
    _add_columns(conn, "touch", {"compliance": "TEXT NOT NULL DEFAULT ''",
                                 "client_id": "VARCHAR NOT NULL DEFAULT ''"})
    conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ux_touch_client_id ON touch (client_id) "
                      "WHERE client_id != ''"))


def _v4_to_v5(conn: Connection) -> None:
    """v5: the prospect row's version (models._VERSION): claims and outcomes check it."""
    _add_columns(conn, "prospect", {"version": "INTEGER NOT NULL DEFAULT 0"})


def _v5_to_v6(conn: Connection) -> None:
    """v6: the owner of the callback that ranks a prospect (models.Prospect.queue_owner), for
    callbacks_mine_only in SQL; trigram indexes for name search on PostgreSQL."""
    _add_columns(conn, "prospect", {"queue_owner": "VARCHAR NOT NULL DEFAULT ''"})
    # What repo.refresh_queue_state sets: the owner of the earliest open follow-up, when that
    # one is a callback (queue_rank 0).
    conn.execute(text(
        "UPDATE prospect SET queue_owner = COALESCE((SELECT f.owner FROM follow_up f "
        "WHERE f.prospect_id = prospect.id AND f.status = 'open' AND f.kind = 'callback' "
        "ORDER BY f.due_start, f.id LIMIT 1), '') WHERE queue_rank = 0"))
    search_indexes(conn)


def _v6_to_v7(conn: Connection) -> None:
    """v7: whom a prospect's line reaches and their recorded consent (rules for consumers judge
    by them); the registry copies a team imported (dnc_list), and their entries found by list."""
    _add_columns(conn, "prospect", {"line": "VARCHAR NOT NULL DEFAULT ''",
                                    "consent_basis": "VARCHAR NOT NULL DEFAULT ''",
                                    "consent_date": "DATE",
                                    "consent_source": "VARCHAR NOT NULL DEFAULT ''"})
    models.DncList.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_dnc_entry_source ON dnc_entry (source)"))


def _v7_to_v8(conn: Connection) -> None:
    """v8 added ix_prospect_queue_owner, which v9 replaced the same day: nothing to do now."""


def _v8_to_v9(conn: Connection) -> None:
    """v9: the queue in each owner's lane (models.Prospect, ix_prospect_queue_lane): a named
    rep's queue is two ranges of one index, the unowned and their own, merged in queue order
    (services.queue_candidates._Lanes), instead of a walk past every other rep's callbacks."""
    conn.execute(text("DROP INDEX IF EXISTS ix_prospect_queue_owner"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_prospect_queue_lane ON prospect "
                      "(queue_owner, queue_rank, priority DESC, queue_due_at, id)"))


def _v9_to_v10(conn: Connection) -> None:
    """v10: how often each number of a queue page was tried (repo.phone_use_counts) read from
    an index alone, not from a touch row per touch: 4.0 -> 1.3 ms at 1M touches on SQLite, and
    the rows are the ones a 10M-touch store no longer keeps in memory."""
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_touch_prospect_phone ON touch "
                      "(prospect_id, phone_id)"))


def _v10_to_v11(conn: Connection) -> None:
    """v11: on SQLite, a trigram index for name and email lookup (store/name_search.py): a
    `LIKE '%text%'` scanned the name and email indexes, 147-229 ms at 1M prospects."""
    name_search.create(conn)


def search_indexes(conn: Connection) -> bool:
    """PostgreSQL: trigram (GIN) indexes on the name and email keys, which repo.search's
    `LIKE '%text%'` can use (91-108 ms at 100k prospects without). pg_trgm ships with
    PostgreSQL (contrib) and is a trusted extension, but a role without the right to create it,
    or a server without contrib, keeps the plain indexes: searches then scan, as on SQLite.
    Returns whether the indexes are there."""
    if conn.dialect.name != "postgresql":
        return False
    schema = _trgm_schema(conn)
    for ddl in ("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
                "CREATE EXTENSION IF NOT EXISTS pg_trgm"):
        if schema is not None:
            break
        try:
            with conn.begin_nested():  # a failure must not end the upgrade's transaction
                conn.execute(text(ddl))
        except DBAPIError:
            continue
        schema = _trgm_schema(conn)
    if schema is None:
        return False
    ops = f'"{schema}".gin_trgm_ops'
    for name, column in (("ix_prospect_name_trgm", "name_key"),
                         ("ix_prospect_email_trgm", "email_key")):
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON prospect "
                          f"USING gin ({column} {ops})"))
    return True


def _trgm_schema(conn: Connection) -> str | None:
    return conn.execute(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                             "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")).scalar()


# STEPS[n] upgrades a database from version n to n + 1.
STEPS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4,
                                                  4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7,
                                                  7: _v7_to_v8, 8: _v8_to_v9,
                                                  9: _v9_to_v10, 10: _v10_to_v11}
assert max(STEPS) + 1 == models.SCHEMA_VERSION, "every schema version needs an upgrade step"


class SchemaTooNew(Exception):
    pass


def current_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("schema_version"):
        return None
    row = conn.execute(text("SELECT version FROM schema_version WHERE id = 1")).first()
    return int(row[0]) if row else None


def upgrade(engine: Engine) -> int:
    """Bring the database to the current schema; returns the version it was at (0 = new).

    Any number of processes may open one database at once (a team's cockpits after a release,
    a script's parallel jobs): each step runs in a transaction that first takes the schema's
    lock (an advisory lock on PostgreSQL, the write lock on SQLite) and then reads the version,
    so a step runs once, by whoever comes first, and the others find it done."""
    from dialer_tui.store.engine import reader  # (engine.py imports this module)

    with reader(engine).connect() as conn:
        if current_version(conn) == models.SCHEMA_VERSION:
            # The usual open: nothing to create or upgrade, and no lock taken for it
            # (create_all would inspect every table first: ~8 ms of every start-up).
            return models.SCHEMA_VERSION
    found: int | None = None
    while True:
        with engine.begin() as conn:  # on SQLite, BEGIN IMMEDIATE: the write lock
            if conn.dialect.name == "postgresql":
                pg_lock(conn, MIGRATE)
            version = current_version(conn)
            found = (version or 0) if found is None else found
            if version is None:
                SQLModel.metadata.create_all(conn)
                search_indexes(conn)
                name_search.create(conn)
                conn.execute(text("INSERT INTO schema_version (id, version) VALUES (1, :v)"),
                             {"v": models.SCHEMA_VERSION})
                return found
            if version > models.SCHEMA_VERSION:
                raise SchemaTooNew(f"the database is at schema version {version}, newer than "
                                   f"this dialer-tui ({models.SCHEMA_VERSION}); upgrade dialer-tui")
            if version == models.SCHEMA_VERSION:  # upgraded meanwhile by another process
                return found
            STEPS[version](conn)
            version += 1
            conn.execute(text("UPDATE schema_version SET version = :v WHERE id = 1"),
                         {"v": version})
            if version == models.SCHEMA_VERSION:
                SQLModel.metadata.create_all(conn)  # tables or indexes added in later versions
                return found
