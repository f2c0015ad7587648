"""The bench's generated data in PostgreSQL (`scripts/bench.py --db URL`).

The SQLite database that make_bench_db.py builds (and bench.py caches) is copied into a
database of its own on the URL's server, `dtb_<key>` (kept and reused while the cached SQLite
file is the same): the schema made by the app's own make_engine, its secondary indexes dropped,
every table loaded with COPY, the indexes built again, then ANALYZE (what autovacuum does to a
store in use). That database is the template of each run's working copy (`dtb_w<pid>`,
CREATE DATABASE ... TEMPLATE, a file copy: the outcome figure writes), dropped at the end; an
empty-store import gets a fresh empty database the same way. The URL's database is only used
to connect (its role needs CREATEDB). Its password is never printed.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

TABLES = ("prospect", "phone_number", "touch", "follow_up", "dnc_entry")


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as psycopg's conninfo."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def _admin(url: str):
    import psycopg

    conn = psycopg.connect(_libpq(url), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()


def _exists(conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() \
        is not None


def _drop(conn, name: str) -> None:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_name(key: str) -> str:
    key = key.removeprefix("bench-")
    return ("dtb_" + "".join(c if c.isalnum() else "_" for c in key))[:63]


def load(sqlite_path: Path, url: str, facts: dict, log, key: str = "") -> str:
    """The URL of a database holding the bench data (loaded now unless already there); `key`
    names it (the cached SQLite database's name: scale, seed and generator). Returns quickly
    when it exists and is complete."""
    from dialer_tui.store.engine import make_engine

    name = base_name(key or sqlite_path.stem)
    target = _with_database(url, name)
    with _admin(url) as admin:
        if _exists(admin, name):
            done = admin.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                                 " WHERE datname = %s", (name,)).fetchone()[0]
            if done == f"complete {facts['prospects']}":
                make_engine(target).dispose()  # migrations, if the schema moved on since
                return target
            _drop(admin, name)
        admin.execute(f'CREATE DATABASE "{name}"')
    make_engine(sqlite_path).dispose()  # at the current schema version, as the target
    make_engine(target).dispose()  # the app's schema
    started = time.perf_counter()
    import psycopg

    src = sqlite3.connect(sqlite_path)
    try:
        with psycopg.connect(_libpq(target)) as pg, pg.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")  # SQLite keeps naive UTC text
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                        "JOIN pg_class i ON i.oid = x.indexrelid "
                        "JOIN pg_namespace n ON n.oid = i.relnamespace "
                        "WHERE n.nspname = current_schema() AND NOT EXISTS "
                        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)")
            indexes = cur.fetchall()
            for index, _ in indexes:
                cur.execute(f'DROP INDEX "{index}"')
            for table in TABLES:
                have = {r[1] for r in src.execute(f"PRAGMA table_info({table})")}
                cur.execute("SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema() AND table_name = %s",
                            (table,))
                columns = [r[0] for r in cur.fetchall() if r[0] in have]
                names = ", ".join(columns)
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in src.execute(f"SELECT {names} FROM {table} ORDER BY id"):
                        copy.write_row(row)
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"coalesce(max(id), 1)) FROM {table}")
                log(f"  {table}: copied ({time.perf_counter() - started:.0f} s)")
            for _, ddl in indexes:
                cur.execute(ddl)
            log(f"  {len(indexes)} indexes built ({time.perf_counter() - started:.0f} s)")
            pg.commit()
            pg.autocommit = True
            cur.execute("VACUUM ANALYZE")
            cur.execute(f"COMMENT ON DATABASE \"{name}\" IS 'complete {facts['prospects']}'")
    finally:
        src.close()
    log(f"  loaded into database {name} in {time.perf_counter() - started:.0f} s")
    return target


def work_copy(base_url: str, url: str, at, tag: str) -> str:
    """A working copy of the loaded data (the outcome figure writes), with the other reps'
    live leases moved onto the server's clock: leases are judged at now() on PostgreSQL, and
    the generator made them live for ten minutes after the bench instant."""
    from sqlalchemy.engine import make_url

    base = make_url(base_url).database
    name = f"dtb_w{tag}"
    with _admin(url) as admin:
        _drop(admin, name)
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}" STRATEGY FILE_COPY')
    work = _with_database(url, name)
    with psycopg_conn(work) as pg:
        pg.execute("UPDATE prospect SET claim_expires_at = now() + (claim_expires_at - %s) "
                   "WHERE claimed_by <> '' AND claim_expires_at > %s", (at, at))
    return work


def empty_db(url: str, tag: str) -> str:
    name = f"dtb_e{tag}"
    with _admin(url) as admin:
        _drop(admin, name)
        admin.execute(f'CREATE DATABASE "{name}"')
    return _with_database(url, name)


def drop(url: str, db_url: str) -> None:
    from sqlalchemy.engine import make_url

    with _admin(url) as admin:
        _drop(admin, make_url(db_url).database)


@contextmanager
def psycopg_conn(url: str):
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        yield conn
