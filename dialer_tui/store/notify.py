"""Change signals on PostgreSQL (issue 18): what another rep changed reaches every cockpit in
well under a second, without each cockpit polling the database every few seconds.

The sending side is in the database, not in our code: statement-level triggers (installed by
`install`, from make_engine) on the tables other cockpits read (prospect, phone_number, touch,
follow_up, dnc_entry) NOTIFY channel `dialer_tui` from the writing transaction itself, so a
change is announced only if it commits, whichever path wrote it (the cockpit, `next`, `log`, an
import, a script), and no write path can forget to. The payload is small JSON:
`{"s": schema, "ids": [prospect ids]}`, or `"ids": null` for "anything may have changed". A
transaction names at most MAX_IDS prospects and then says "anything" once and falls silent
(a transaction-local setting counts what it sent): an import batch of 5,000 rows is one
notification, not 5,000, and new prospects are always "anything" (they are in nobody's window
yet). A lease renewal (only claim_expires_at changes) announces nothing: it changes no queue.

The receiving side is `Listener`: one connection of its own per cockpit (LISTEN needs a session
that stays; PgBouncer in transaction pooling cannot keep one, so `listens` says no there and
the cockpit polls), read in a daemon thread with psycopg's `notifies(timeout=...)`, never on
the UI thread. A lost connection (server restart, pg_terminate_backend, network) is retried
with backoff; once back, one "anything" (`Change(None, resync=True)`) is delivered, because
what was announced meanwhile was missed. Nothing here prints or raises to the caller: no URL,
no traceback can leak credentials from it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

CHANNEL = "dialer_tui"
VERSION = 1  # bump when the function or the triggers change: install() replaces them
PREFIX = f"dialer_tui_notify_v{VERSION}"
MAX_IDS = 50  # prospects a transaction names one by one before it says "anything"
BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)  # waits between reconnects (the last repeats)
WAIT_S = 1.0  # how long one wait for notifications lasts before the stop flag is looked at

# Tables and the statements on them that change what a cockpit shows.
TRIGGERS = {
    "prospect": ("INSERT", "UPDATE"),
    "phone_number": ("INSERT", "UPDATE", "DELETE"),
    "touch": ("INSERT", "UPDATE", "DELETE"),
    "follow_up": ("INSERT", "UPDATE", "DELETE"),
    "dnc_entry": ("INSERT", "UPDATE", "DELETE"),
}

# plpgsql parses a statement the first time it runs, so each branch may name a transition
# table (new_rows, old_rows) that only its own kind of trigger has.
FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PREFIX}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  sent integer := coalesce(nullif(current_setting('dialer_tui.notified', true), ''), '0')::int;
  ids bigint[];
  everything boolean := false;
BEGIN
  IF sent < 0 THEN
    RETURN NULL;  -- "anything" already announced by this transaction
  END IF;
  IF TG_TABLE_NAME = 'prospect' AND TG_OP = 'INSERT' THEN
    everything := true;  -- new people: in nobody's window yet (an import, an inbound caller)
  ELSIF TG_TABLE_NAME = 'prospect' THEN
    -- not a lease renewal: only the expiry moved
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE to_jsonb(n) - 'claim_expires_at' IS DISTINCT FROM to_jsonb(o) - 'claim_expires_at';
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT prospect_id), bool_or(prospect_id IS NULL)
      INTO ids, everything FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT prospect_id), bool_or(prospect_id IS NULL)
      INTO ids, everything FROM new_rows;
  END IF;
  IF NOT coalesce(everything, false) AND ids IS NULL THEN
    RETURN NULL;
  END IF;
  IF coalesce(everything, false) OR sent + cardinality(ids) > {MAX_IDS} THEN
    PERFORM pg_notify('{CHANNEL}', json_build_object('s', current_schema(), 'ids', NULL)::text);
    PERFORM set_config('dialer_tui.notified', '-1', true);
  ELSE
    PERFORM pg_notify('{CHANNEL}', json_build_object('s', current_schema(), 'ids', ids)::text);
    PERFORM set_config('dialer_tui.notified', (sent + cardinality(ids))::text, true);
  END IF;
  RETURN NULL;
END
$fn$
"""


def _trigger_sql(table: str, op: str) -> str:
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
              "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[op]
    return (f'CREATE TRIGGER {PREFIX}_{op.lower()} AFTER {op} ON "{table}" '
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}()")


_INSTALLED = text(
    "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND t.tgname LIKE :prefix")
_EXPECTED = sum(len(ops) for ops in TRIGGERS.values())


def installed(engine: Engine) -> bool:
    """True when this schema's tables announce their changes (the triggers are in place)."""
    with engine.connect() as conn:
        return _count(conn) == _EXPECTED


def _count(conn) -> int:
    return conn.execute(_INSTALLED, {"prefix": f"{PREFIX}\\_%"}).scalar_one()


def install(engine: Engine) -> bool:
    """Put the triggers in place if they are not (once per schema and VERSION), under the same
    advisory lock as schema upgrades, so that processes starting together install them once.
    False when this role may not (then cockpits poll, as on SQLite): no failure for a rep whose
    role can read and write but not create."""
    from dialer_tui.store import locks

    if engine.dialect.name != "postgresql":
        return False
    try:
        if installed(engine):  # the common case: one cheap read, no lock
            return True
        with engine.begin() as conn:
            locks.pg_lock(conn, locks.MIGRATE)
            if _count(conn) == _EXPECTED:
                return True
            conn.execute(text(FUNCTION))
            for table, ops in TRIGGERS.items():
                for op in ops:
                    conn.execute(text(f'DROP TRIGGER IF EXISTS {PREFIX}_{op.lower()} '
                                      f'ON "{table}"'))
                    conn.execute(text(_trigger_sql(table, op)))
        return True
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", "") == "42501":  # insufficient_privilege
            return False
        raise


# ---- the receiving side ----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What another process changed: these prospects, or (None) anything at all."""

    ids: frozenset[int] | None
    resync: bool = False  # after a lost connection: what was announced meanwhile was missed


def parse(payload: str, schema: str) -> Change | None:
    """A notification's payload as a Change; None when it is another schema's (another team
    on the same server) or not ours."""
    try:
        data = json.loads(payload)
        if data.get("s") != schema:
            return None
        ids = data.get("ids")
        return Change(None if ids is None else frozenset(int(i) for i in ids))
    except (ValueError, TypeError, AttributeError):
        return None


class _OwnBackends:
    """The server process ids of an engine's own pool connections: a change this process made
    itself is already on its screen, and is not read again when it is announced."""

    def __init__(self, engine: Engine) -> None:
        self.pids: set[int] = set()
        self.engine = engine
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "close", self._close)

    def _checkout(self, dbapi_conn, _record, _proxy) -> None:
        pid = getattr(getattr(dbapi_conn, "info", None), "backend_pid", None)
        if pid:
            self.pids.add(pid)

    def _close(self, dbapi_conn, _record) -> None:
        pid = getattr(getattr(dbapi_conn, "info", None), "backend_pid", None)
        self.pids.discard(pid)

    def remove(self) -> None:
        event.remove(self.engine, "checkout", self._checkout)
        event.remove(self.engine, "close", self._close)


class Listener:
    """LISTEN in a daemon thread; `on_change(Change)` is called from that thread (post a
    message from it: Textual's post_message is thread-safe). `alive()` is asked about once a
    second: False ends the thread (the screen that listened is gone)."""

    def __init__(self, engine: Engine, on_change: Callable[[Change], object], *,
                 alive: Callable[[], bool] = lambda: True) -> None:
        self.engine, self.on_change, self.alive = engine, on_change, alive
        self.own = _OwnBackends(engine)
        self.backend_pid: int | None = None  # the listening connection's server process
        self.connects = 0  # connections made (1 at start; each reconnect adds one)
        self.delivered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dialer-tui-listen", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self, wait: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(wait)

    def _stopping(self) -> bool:
        if not self._stop.is_set():
            try:
                if not self.alive():
                    self._stop.set()
            except Exception:  # noqa: BLE001 - a screen being torn down: stop listening
                self._stop.set()
        return self._stop.is_set()

    def _connect(self):
        """A connection of the engine's (its timeouts, keepalives, application_name and
        search_path), taken out of its pool for good: the pool opens another when it needs
        one, and this one never counts against the pool's own limit."""
        proxy = self.engine.raw_connection()
        conn = proxy.driver_connection
        proxy.detach()
        conn.rollback()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")
            cur.execute("SELECT current_schema()")
            row = cur.fetchone()
        return conn, (row[0] if row else "")

    def _run(self) -> None:
        failures = 0
        lost = False
        while not self._stopping():
            conn = None
            try:
                conn, schema = self._connect()
                self.backend_pid = conn.info.backend_pid
                self.connects += 1
                failures = 0
                if lost:  # announcements made while we were away are gone: read everything
                    self._deliver(Change(None, resync=True))
                    lost = False
                while not self._stopping():
                    for note in conn.notifies(timeout=WAIT_S):
                        if note.pid in self.own.pids:
                            continue  # this process's own write: already on its screen
                        change = parse(note.payload, schema)
                        if change is not None:
                            self._deliver(change)
                        if self._stop.is_set():
                            break
            except Exception:  # noqa: BLE001 - any failure of the connection: try again
                lost = True
                self.backend_pid = None
                delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                self._stop.wait(delay)
            finally:
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:  # noqa: BLE001 - a connection already gone
                        pass
        self.own.remove()

    def _deliver(self, change: Change) -> None:
        self.delivered += 1
        try:
            self.on_change(change)
        except Exception:  # noqa: BLE001 - the receiver is gone (the app is closing)
            self._stop.set()


def listens(engine: Engine) -> bool:
    """Whether a cockpit on this engine can be told of changes: PostgreSQL reached directly
    (not through PgBouncer's transaction pooling, `?pgbouncer=1`, where a LISTEN is lost with
    the transaction's server connection), with the triggers in place."""
    from dialer_tui.store.engine import behind_pgbouncer

    if engine.dialect.name != "postgresql" or behind_pgbouncer(engine):
        return False
    try:
        return installed(engine)
    except Exception:  # noqa: BLE001 - the server is away: poll, as on SQLite
        return False
