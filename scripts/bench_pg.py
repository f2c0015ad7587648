"""The bench's generated database, loaded into PostgreSQL (`scripts/bench.py --db URL`).

The SQLite database that make_bench_db.py builds (and bench.py caches) is copied, table by table
with COPY, into a schema of its own in the URL's database (`dialer_bench_<key>`, kept and reused
while the cached SQLite file is the same), then ANALYZEd; the figures are measured against it
through the same make_engine as the app. The URL's password is never printed.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

TABLES = ("prospect", "phone_number", "touch", "follow_up", "dnc_entry")


def schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


def load(sqlite_path: Path, url: str, facts: dict, log, key: str = "") -> str:
    """The URL of a schema holding the bench data (loaded now unless already there); `key`
    names the schema (the cached database's name: scale, seed and generator)."""
    from sqlalchemy import create_engine, text

    from dialer_tui.store.engine import make_engine

    key = (key or sqlite_path.stem).removeprefix("bench-")
    schema = "dialer_bench_" + "".join(c if c.isalnum() else "_" for c in key)[:40]
    target = schema_url(url, schema)
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"),
                                  {"s": schema}).first()
            if exists:
                n = conn.execute(text(f'SELECT count(*) FROM "{schema}".prospect')).scalar()
                if n == facts["prospects"]:
                    return target
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    make_engine(sqlite_path).dispose()  # at the current schema version, as the target
    engine = make_engine(target)
    started = time.perf_counter()
    src = sqlite3.connect(sqlite_path)
    try:
        raw = engine.raw_connection()
        try:
            pg = raw.driver_connection
            with pg.cursor() as cur:
                cur.execute("SET TIME ZONE 'UTC'")  # SQLite keeps naive UTC text
                for table in TABLES:
                    have = {r[1] for r in src.execute(f"PRAGMA table_info({table})")}
                    cur.execute("SELECT column_name FROM information_schema.columns "
                                "WHERE table_schema = %s AND table_name = %s", (schema, table))
                    columns = [r[0] for r in cur.fetchall() if r[0] in have]
                    names = ", ".join(columns)
                    with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in src.execute(f"SELECT {names} FROM {table} ORDER BY id"):
                            copy.write_row(row)
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"coalesce(max(id), 1)) FROM {table}")
                    log(f"  {table}: copied ({time.perf_counter() - started:.0f} s)")
            pg.commit()
            pg.autocommit = True
            with pg.cursor() as cur:
                cur.execute("ANALYZE")
        finally:
            raw.close()
    finally:
        src.close()
        engine.dispose()
    log(f"  loaded into schema {schema} in {time.perf_counter() - started:.0f} s")
    return target
