"""The change listener (store/notify.py) through a real server restart: it comes back by
itself once the server is up again, says "read everything" once (what was announced while it
was away is lost), hears changes again, and prints nothing, credentials least of all."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from dialer_tui.store import notify
from dialer_tui.store.engine import make_engine
from tests.conftest import CI

from .pg_cluster import Cluster, usable


@pytest.fixture
def cluster():
    missing = usable()
    if missing:
        if CI:
            pytest.fail(f"needs {missing} (CI=true: missing tools fail the run)", pytrace=False)
        pytest.skip(f"needs {missing}")
    own = Cluster()
    yield own
    own.remove()


def _until(what, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_the_listener_comes_back_after_a_server_restart(cluster, capfd):
    # trust authentication: the password is not checked, but it is in the URL to be leaked
    url = cluster.url.replace("postgres@", "postgres:s3cret-pw@")
    engine, writer = make_engine(url), make_engine(url)
    heard: list[notify.Change] = []
    listener = notify.Listener(engine, heard.append).start()
    try:
        _until(lambda: listener.backend_pid is not None)
        with writer.begin() as conn:
            conn.execute(text("INSERT INTO dnc_entry (e164, prospect_id, source, reason, "
                              "created_at) VALUES ('+12125550100', NULL, 't', '', now())"))
        _until(lambda: heard == [notify.Change(None)])  # a number-wide entry: anything

        cluster.stop()
        time.sleep(1.5)  # down: the listener retries with backoff meanwhile
        assert listener.backend_pid is None
        cluster.start()
        _until(lambda: listener.connects == 2)
        _until(lambda: len(heard) == 2)
        assert heard[1] == notify.Change(None, resync=True)

        with writer.begin() as conn:
            conn.execute(text("DELETE FROM dnc_entry"))
        _until(lambda: len(heard) == 3)
        assert heard[2] == notify.Change(None)
    finally:
        listener.stop()
        engine.dispose()
        writer.dispose()
    out, err = capfd.readouterr()
    assert "s3cret" not in out + err and out + err == ""
