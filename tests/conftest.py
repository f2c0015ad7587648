"""Shared fixtures: real databases (an SQLite file per test; PostgreSQL when
DIALER_TUI_TEST_PG_URL is set, as `.ci/run` does), the shipped config bundle, fixed instants."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dialer_tui.store.engine import make_engine

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("DIALER_TUI_TEST_PG_URL", "")
# A Tuesday, 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles, 16:00 in London.
TUESDAY_1500 = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "dialer.db"


@pytest.fixture
def engine(db_path: Path):
    eng = make_engine(db_path)
    yield eng
    eng.dispose()


def _pg_schema_url() -> tuple[str, str]:
    """A fresh schema per test on the shared server: cheap isolation, no CREATE DATABASE."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request, tmp_path: Path):
    """A database URL on each backend; the PostgreSQL run is skipped without a server."""
    if request.param == "sqlite":
        yield str(tmp_path / "dialer.db")
        return
    if not PG_URL:
        pytest.skip("set DIALER_TUI_TEST_PG_URL to run the PostgreSQL backend (see README)")
    url, schema = _pg_schema_url()
    yield url
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def any_engine(any_db):
    eng = make_engine(any_db)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def bundle():
    from dialer_tui.services.bundle import load_bundle

    return load_bundle(None)
