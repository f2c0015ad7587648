"""Shared fixtures: real databases (an SQLite file per test; PostgreSQL when
DIALER_TUI_TEST_PG_URL is set, as `.ci/run` does), the shipped config bundle, fixed instants."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dialer_tui.store.engine import make_engine

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("DIALER_TUI_TEST_PG_URL", "")
# Under CI a missing tool fails the run: a suite that skips its end-to-end half is not green.
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Full-size trials (200 SIGKILLs, the bench smoke): .ci/run sets it; a maintainer's run is lighter.
HEAVY = os.environ.get("DIALER_TUI_HEAVY", "") == "1"


def installed_exe() -> str | None:
    """The `dialer-tui` installed with the Python running the tests (beside sys.executable), not
    whichever one PATH finds first: the end-to-end tests must drive the code under test."""
    exe = Path(sys.executable).with_name("dialer-tui")
    return str(exe) if os.access(exe, os.X_OK) else None


_NEEDS = {
    "exe": (lambda: installed_exe() is not None,
            f"dialer-tui installed beside {sys.executable} (pip install -e .)"),
    "tmux": (lambda: shutil.which("tmux") is not None, "tmux on PATH"),
    "postgres": (lambda: bool(PG_URL), "a PostgreSQL server in DIALER_TUI_TEST_PG_URL (see README)"),
}


def need(*what: str) -> None:
    """Skip the test when a tool it needs is missing; under CI=true, fail it instead."""
    missing = [_NEEDS[w][1] for w in what if not _NEEDS[w][0]()]
    if not missing:
        return
    message = "needs " + " and ".join(missing)
    if CI:
        pytest.fail(f"{message} (CI=true: missing tools fail the run)", pytrace=False)
    pytest.skip(message)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):  # @pytest.mark.needs("tmux", "exe")
        need(*mark.args)
    if item.get_closest_marker("heavy") and not HEAVY:
        pytest.skip("heavy trial: set DIALER_TUI_HEAVY=1 to run it (.ci/run does)")
# A Tuesday, 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles, 16:00 in London.
TUESDAY_1500 = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def own_data_folder(tmp_path_factory, monkeypatch) -> Path:
    """Each test's data folder (platformdirs reads XDG_DATA_HOME; subprocesses inherit it): the
    journal, snoozes and crash log a test writes never land in the machine's real one."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder


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


@pytest.fixture
def pg_db():
    """A database URL on PostgreSQL only (a schema of its own); skipped without a server."""
    need("postgres")
    url, schema = _pg_schema_url()
    yield url
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request, tmp_path: Path):
    """A database URL on each backend; the PostgreSQL run is skipped without a server."""
    if request.param == "sqlite":
        yield str(tmp_path / "dialer.db")
        return
    need("postgres")
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
