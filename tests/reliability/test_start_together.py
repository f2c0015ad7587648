"""Many processes starting on one store at once (issue 18, finding 6): creating a fresh
database, upgrading an old one, importing one file twice. Real processes, both backends."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from dialer_tui.store.migrations import current_version
from dialer_tui.store.models import SCHEMA_VERSION, Prospect

from .conftest import exe, prospect_rows, write_csv

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
OPENERS = 8

# Each child imports everything first, says so, and opens the store only when told: the opens
# then start within a millisecond or two of each other, as a team's cockpits after a release.
_OPEN = """
import os, sys, time
from dialer_tui.store.engine import make_engine
ready, go = sys.argv[2], sys.argv[3]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
make_engine(sys.argv[1]).dispose()
"""


def _open_together(url: str, folder: Path, n: int = OPENERS) -> list[subprocess.CompletedProcess]:
    go = folder / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN, url, str(folder / f"ready{i}"),
                               str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(n)]
    deadline = time.monotonic() + 120
    while not all((folder / f"ready{i}").exists() for i in range(n)):
        assert time.monotonic() < deadline, "the openers did not start"
        time.sleep(0.01)
    go.touch()
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def _v1_on(url: str) -> None:
    """The v1 schema and its rows as that release left them: SQLite's own DDL, or the same
    tables as v1's create_all made them on PostgreSQL (SERIAL ids, time zone timestamps)."""
    script = (FIXTURES / "schema_v1.sql").read_text(encoding="utf-8")
    if "://" not in url:
        import sqlite3

        con = sqlite3.connect(url)
        con.executescript(script)
        con.close()
        return
    ddl, _, _rows = script.partition("-- A small calling history")
    ddl = re.sub(r"\bid INTEGER NOT NULL", "id SERIAL NOT NULL", ddl)
    ddl = ddl.replace("DATETIME", "TIMESTAMP WITH TIME ZONE")
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in filter(str.strip, ddl.split(";")):
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO schema_version (id, version) VALUES (1, 1)"))
        conn.execute(text(
            "INSERT INTO prospect (first_name, last_name, title, company, industry, city, region,"
            " country, time_zone, email, email_key, linkedin_url, referrer_name, referrer_company,"
            " assistant_name, preferred_channel, research_notes, status, priority, owner, source,"
            " custom_fields, name_key, created_at, updated_at, queue_rank, attempts, cadence_step,"
            " claimed_by) VALUES ('Tim', 'Okafor', '', 'QF', '', '', 'OH', 'US', '', '', '', '',"
            " '', '', '', '', '', 'new', 0, '', 'v1', '{}', 'tim okafor qf', now(), now(), 3, 0,"
            " 0, ''), ('Ana', 'Lima', '', 'LF', '', '', 'FL', 'US', '', '', '', '', '', '', '',"
            " '', '', 'new', 0, '', 'v1', '{}', 'ana lima lf', now(), now(), 3, 0, 0, '')"))
    engine.dispose()


def _url(any_db: str) -> str:
    return any_db if "://" in any_db else f"sqlite:///{any_db}"


def _check_current(url: str, prospects: int) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert current_version(conn) == SCHEMA_VERSION
            assert "version" in {c["name"] for c in inspect(conn).get_columns("prospect")}
            assert conn.execute(select(func.count()).select_from(Prospect)).scalar() == prospects
    finally:
        engine.dispose()


def _all_fine(results: list[subprocess.CompletedProcess]) -> None:
    failed = [(r.returncode, r.stderr[-600:]) for r in results if r.returncode != 0]
    assert failed == [], f"{len(failed)} of {len(results)} failed: {failed[:2]}"


def test_eight_processes_create_a_fresh_database_together(any_db, tmp_path):
    """The report: 1-2 of 4 failed in 5 of 5 trials on PostgreSQL (IntegrityError
    pg_type_typname_nsp_index: two CREATE TABLE of one name)."""
    url = _url(any_db)
    _all_fine(_open_together(url, tmp_path))
    _check_current(url, 0)


def test_eight_processes_upgrade_a_v1_database_together(any_db, tmp_path):
    """The report: DuplicateColumn in 5 of 6 trials with 2-4 openers of a v1 store."""
    url = _url(any_db)
    _v1_on(any_db)
    _all_fine(_open_together(url, tmp_path))
    _check_current(url, 2)


@pytest.mark.needs("exe")
def test_two_imports_of_one_file_at_once_do_not_duplicate_a_prospect(any_db, tmp_path):
    """Two `dialer-tui import` of one 2,000-row file at the same time: 2,000 prospects, the second
    import merging every row into the first's (the report: 1,994 duplicates)."""
    csv = write_csv(tmp_path / "list.csv", prospect_rows("Dup", 2000))
    subprocess.run([exe(), "--db", any_db, "stats"], check=True, capture_output=True)  # created
    procs = [subprocess.Popen([exe(), "--db", any_db, "import", str(csv), "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-600:] for _, err in results]
    engine = create_engine(_url(any_db))
    try:
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(Prospect)).scalar()
            emails = conn.execute(select(func.count(func.distinct(Prospect.email_key)))).scalar()
    finally:
        engine.dispose()
    assert (total, emails) == (2000, 2000)
    counts = sorted((s["imported"], s["merged"]) for s in (json.loads(out) for out, _ in results))
    assert counts == [(0, 2000), (2000, 0)]  # one after the other: the second merged every row
