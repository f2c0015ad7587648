"""A --db URL the program cannot use is bad input (exit 2, one line saying what is wrong, never
the password); a good URL whose server cannot be reached is a failure (exit 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dialer_tui.errors import StoreError
from dialer_tui.store.engine import hide_password, resolve_url

SECRET = "s3cr3t-pw"
BAD = [  # (URL, words the message must hold)
    (f"postgresql+psycopg://rep:{SECRET}@db.example:notaport/list", "port must be a number"),
    (f"postgresql+psycopg://rep:{SECRET}@db.example:99999/list", "port 99999"),
    (f"postgresql+psycopg://rep:{SECRET}@db.example:0/list", "port 0"),
    (f"postgresql+nosuchdriver://rep:{SECRET}@db.example/list", "driver 'nosuchdriver'"),
    (f"postgresql+asyncpg://rep:{SECRET}@db.example/list", "driver 'asyncpg'"),
    (f"mysql://rep:{SECRET}@db.example/list", "backend 'mysql'"),
    (f"mysql+pymysql://rep:{SECRET}@db.example/list", "backend 'mysql'"),
    (f"sqlite://rep:{SECRET}@db.example/list", "names a file, not a server"),
    (f"postgresql+psycopg://rep:{SECRET}@db.example/list?sslmod=require",
     'invalid connection option "sslmod"'),
]


def run(tmp_path: Path, db: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DIALER_TUI_CONFIG": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "dialer_tui", "--db", db, "queue"],
                          capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("url,words", BAD, ids=[u.split("@")[-1] or u for u, _ in BAD])
def test_an_unusable_url_is_refused_before_connecting(url, words):
    with pytest.raises(StoreError) as caught:
        resolve_url(url)
    message = str(caught.value)
    assert words in message and SECRET not in message, message


def test_bad_urls_exit_2_in_one_line_and_an_unreachable_server_exits_1(tmp_path):
    for url, words in BAD[:6]:  # a subprocess each: the CLI's own exit code and stderr
        proc = run(tmp_path, url)
        assert proc.returncode == 2, (url, proc.returncode, proc.stderr)
        assert proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
        assert SECRET not in proc.stderr and "Traceback" not in proc.stderr
    refused = run(tmp_path, f"postgresql+psycopg://rep:{SECRET}@127.0.0.1:1/list")  # no one there
    assert refused.returncode == 1, refused.stderr
    assert SECRET not in refused.stderr and "rep:***@127.0.0.1:1/list" in refused.stderr


def test_good_urls_still_resolve():
    assert resolve_url("postgresql://rep@db.example/list") == \
        "postgresql+psycopg://rep@db.example/list"
    assert resolve_url(f"postgresql+psycopg://rep:{SECRET}@db.example:5433/list"
                       "?options=-csearch_path%3Dt1&sslmode=require").startswith(
        f"postgresql+psycopg://rep:{SECRET}@db.example:5433/list?")
    assert resolve_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_hide_password_also_in_urls_that_do_not_parse():
    assert hide_password("postgresql://u:p@ss:w/rd@h:1/x?a=b@c") == "postgresql://u:***@h:1/x?a=b@c"
    assert hide_password("postgresql://u@h/x") == "postgresql://u@h/x"
    assert hide_password("/plain/path.db") == "/plain/path.db"
