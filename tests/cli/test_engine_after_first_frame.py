"""The cockpit makes its engine on the UI thread, right after the first frame, once the CLI's
child has opened the store (services/first_page.py). Making it must not wait on the database:
a server that stalls or goes away in between would otherwise freeze the screen up to the 10 s
connect timeout (issue 18: no store call on the UI thread)."""

from __future__ import annotations

import argparse
import socket
import time

import pytest
from sqlalchemy.exc import OperationalError

from dialer_tui import cli

pytest.importorskip("psycopg")


def test_a_stalled_server_does_not_hold_up_making_the_cockpits_engine():
    # A server that takes the TCP connection and never answers: a connect waits for its timeout.
    with socket.socket() as stalled:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(8)
        port = stalled.getsockname()[1]
        url = f"postgresql+psycopg://dialer@127.0.0.1:{port}/team?connect_timeout=2"
        started = time.monotonic()
        engine = cli._engine_after_first_frame(argparse.Namespace(db=url))
        assert time.monotonic() - started < 1.0
        # The first connection is a worker's, and it is the one that says the server is away.
        with pytest.raises(OperationalError):
            engine.connect()
        engine.dispose()


def test_the_command_lines_engine_still_checks_the_schema():
    """Everything else (the CLI's commands, the cockpit without the child) connects to check
    the schema as before, and so finds the server away at once."""
    with socket.socket() as stalled:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(8)
        port = stalled.getsockname()[1]
        url = f"postgresql+psycopg://dialer@127.0.0.1:{port}/team?connect_timeout=1"
        with pytest.raises(OperationalError):
            cli._engine(argparse.Namespace(db=url))
