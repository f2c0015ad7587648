"""The engine factory: an embedded SQLite file by default, PostgreSQL when a URL says so.

SQLite is set up for a calling session that must never lose an acknowledged outcome and may share
its file with a second process (another cockpit, an import): WAL, `busy_timeout`, foreign keys, and
`BEGIN IMMEDIATE` for every transaction so that read-then-write transactions queue for the write
lock instead of failing with "database is locked". pysqlite's own transaction handling is turned
off (`isolation_level=None`) and the BEGIN is emitted from SQLAlchemy's `begin` event; the recipe
that toggles `dbapi_connection.autocommit` breaks on Python 3.11.

A file that cannot be written (its own permissions, a read-only folder or mount, an immutable
flag) is opened read-only, so that `queue`, `lookup`, `history`, `why` and `stats` still work;
writes then fail with SQLite's "attempt to write a readonly database" (see read_only_uri).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

from dialer_tui.errors import StoreError
from dialer_tui.store.migrations import upgrade

BUSY_TIMEOUT_MS = 30_000


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("dialer-tui", appauthor=False)) / "dialer.db"


def demo_db_path() -> Path:
    return default_db_path().with_name("demo.db")


USE = "use a file path, sqlite:///PATH or postgresql+psycopg://USER@HOST[:PORT]/DB"


def hide_password(text: str) -> str:
    """A URL as a message may show it, also when it cannot be parsed: `user:***@host`."""
    head, sep, rest = text.partition("://")
    end = rest.rfind("@", 0, rest.find("?") if "?" in rest else len(rest))
    if not sep or end < 0 or ":" not in rest[:end]:
        return text
    return f"{head}://{rest[:end].partition(':')[0]}:***{rest[end:]}"


def resolve_url(db: str | os.PathLike | None) -> str:
    """A path, an `sqlite:///` URL or a PostgreSQL URL; None means the default file. A URL this
    program cannot use (a backend or driver it does not support, a port that is not one, an
    option libpq does not know) is bad input, refused here with StoreError (exit 2) before any
    connection is tried; a server that cannot be reached is a failure (exit 1), found later."""
    if db is None or str(db) == "":
        db = os.environ.get("DIALER_TUI_DB") or default_db_path()
    text = str(db)
    if "://" in text:
        shown = hide_password(text)
        try:
            url = make_url(text)
            port = url.port  # "h:notaport" fails here or in make_url, as a ValueError
        except Exception as exc:  # sqlalchemy.exc.ArgumentError, ValueError
            why = ("the port must be a number" if "int()" in str(exc) else
                   hide_password(" ".join(str(exc).split())))
            raise StoreError(f"--db: {shown!r} is not a database URL ({why})") from None
        backend, driver = url.get_backend_name(), url.get_driver_name()
        if backend not in ("sqlite", "postgresql"):
            raise StoreError(f"--db: backend {backend!r} is not supported ({USE})")
        if backend == "sqlite" and (url.username or url.password or url.host or port):
            raise StoreError(f"--db: {shown!r}: an SQLite URL names a file, not a server "
                             "(sqlite:///relative/path or sqlite:////absolute/path)")
        if backend == "postgresql":
            if url.drivername == "postgresql":
                url = url.set(drivername="postgresql+psycopg")
            elif driver != "psycopg":  # the driver the product is built and tested with
                raise StoreError(f"--db: driver {driver!r} is not supported for PostgreSQL "
                                 f"({USE})")
            if port is not None and not 1 <= port <= 65535:
                raise StoreError(f"--db: {shown!r}: port {port} is not between 1 and 65535")
            _check_pg_options(shown, url)
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(text).expanduser()}"


def _check_pg_options(shown: str, url) -> None:
    """Query options are handed to libpq, which refuses a name it does not know only when it
    connects; ask it now (its parser, no connection), so a typo is bad input."""
    try:
        from psycopg.conninfo import make_conninfo
    except ImportError:  # make_engine says which extra to install
        return
    options = {k: v if isinstance(v, str) else ",".join(v) for k, v in url.query.items()}
    if options.pop(PGBOUNCER, "1") not in ("1", "true", "yes"):  # ours: make_engine takes it
        raise StoreError(f"--db: {shown!r}: {PGBOUNCER}= takes 1 (or leave it out)")
    try:
        make_conninfo("", **options)
    except Exception as exc:  # noqa: BLE001 - psycopg.ProgrammingError: an unknown option
        said = " ".join(str(exc).split())
        raise StoreError(f"--db: {shown!r}: {said}") from None


# PostgreSQL connections (issue 18, finding 7). A cockpit keeps one connection while it idles;
# a burst (a queue refresh, a claim and an outcome at once) opens up to POOL_OVERFLOW more for
# the moment. Timeouts end a stalled statement or lock wait with an error the caller handles
# (an outcome goes to the local journal) instead of freezing; keepalives notice a server gone
# away without a word. Every value is the URL's if it gives one (a later `-c` in `options`
# wins over ours).
POOL_SIZE, POOL_OVERFLOW = 1, 2
PG_DEFAULTS = {"connect_timeout": "10", "application_name": "dialer-tui", "keepalives": "1",
               "keepalives_idle": "30", "keepalives_interval": "10", "keepalives_count": "3"}
PG_SESSION = {"statement_timeout": "30s", "lock_timeout": "10s",
              "idle_in_transaction_session_timeout": "10min"}
# `?pgbouncer=1`: behind PgBouncer in transaction pooling, which refuses most startup `-c`
# settings (set them on the role instead: README) and, before 1.21, prepared statements.
PGBOUNCER = "pgbouncer"


def _pg_engine_args(url: str) -> tuple[str, dict]:
    """The URL handed to psycopg, and the engine's pool and connection arguments."""
    parsed = make_url(url)
    query = dict(parsed.query)
    behind_bouncer = query.pop(PGBOUNCER, None) is not None
    connect_args: dict = {k: v for k, v in PG_DEFAULTS.items() if k not in query}
    if behind_bouncer:
        connect_args["prepare_threshold"] = None
    else:
        theirs = query.get("options", "")
        theirs = theirs if isinstance(theirs, str) else " ".join(theirs)
        ours = " ".join(f"-c {k}={v}" for k, v in PG_SESSION.items())
        connect_args["options"] = f"{ours} {theirs}".strip()
    url = parsed.set(query=query).render_as_string(hide_password=False)
    return url, {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": 60,
                 "pool_pre_ping": True, "connect_args": connect_args}


def _prepare_sqlite_file(path: Path) -> None:
    """Create the file (and its folder) with owner-only permissions before SQLite opens it."""
    if path.is_dir():
        raise StoreError(f"--db: {path} is a directory, not a database file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"--db: cannot create {path}: {exc.strerror}") from None


def store_is_read_only(path: Path) -> bool:
    """True when this process cannot write the file, or cannot create the journal files SQLite
    writes beside it (-wal, -shm, or a rollback journal). os.access asks the kernel, so it also
    sees a read-only mount and an immutable flag, which stop root too."""
    return path.exists() and not (os.access(path, os.W_OK)
                                  and os.access(path.parent, os.W_OK | os.X_OK))


def read_only_uri(path: Path) -> str:
    """The SQLite URI that reads an unwritable file.

    `mode=ro` alone is not enough for our WAL databases: a reader needs the -shm index, and in a
    read-only folder SQLite can neither create it nor fall back ("unable to open database file").
    `immutable=1` skips the index and all locking, so it is used only when that is safe to read:
    the folder is read-only (no writer of this file can come through it either) and no -wal
    file holds committed changes (an immutable reader ignores the WAL, and would show data older
    than what was acknowledged). A -wal left by a crash, or by a writer that still has the file
    open, is read through `mode=ro` with its -shm, which SQLite can open read-only."""
    wal = path.with_name(path.name + "-wal")
    try:
        hot_wal = wal.stat().st_size > 0
    except OSError:
        hot_wal = False
    folder_writable = os.access(path.parent, os.W_OK | os.X_OK)
    if hot_wal and not folder_writable and not wal.with_name(path.name + "-shm").exists():
        raise StoreError(f"--db: {path} is read-only and its last changes are in {wal.name}, "
                         f"which cannot be read without {path.name}-shm; open it once where "
                         "it can be written")
    immutable = not folder_writable and not hot_wal
    return f"file:{quote(os.path.abspath(path))}?mode=ro" + ("&immutable=1" if immutable else "")


def _wal(cur) -> None:
    """Put the file in WAL mode. The switch takes an exclusive lock, and SQLite does not always
    wait for it through busy_timeout: with several processes opening a new file at once, one
    was refused "database is locked" here. So it is retried for as long as busy_timeout would
    wait, and skipped when another process has already switched the file."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def _sqlite_pragmas(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:  # switching a file to WAL writes its header: keep what it has
            _wal(cur)
        cur.execute("PRAGMA synchronous = FULL")  # an acknowledged outcome survives power loss
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Readers (queue, dossier, stats, exports) take no write lock, so a long report never
        # holds up the outcome key of another cockpit; writers queue for the lock up front.
        options = conn.get_execution_options()
        if options.get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        # Every write is fsynced (an acknowledged outcome survives a power cut) except bulk
        # import batches, which a re-import restores; the mode is set back on the next write.
        wanted = "NORMAL" if options.get(_BULK) else "FULL"
        info = conn.connection.info
        if info.get("synchronous", "FULL") != wanted:
            conn.exec_driver_sql(f"PRAGMA synchronous = {wanted}")
            info["synchronous"] = wanted
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_READ_ONLY = "dialer_tui_read_only"
_BULK = "dialer_tui_bulk"


def bulk(engine: Engine) -> Engine:
    """The same engine for bulk import batches: no fsync per commit on SQLite (WAL keeps the
    database consistent; a power cut can lose the last batches, which a re-import restores)."""
    return engine.execution_options(**{_BULK: True})


def reader(engine: Engine) -> Engine:
    """The same engine for read-only units of work: a plain (deferred) BEGIN on SQLite, which
    reads one snapshot from its first read; REPEATABLE READ on PostgreSQL for the same reason
    (a queue read is several statements: under READ COMMITTED each sees other reps' outcomes
    committed since the one before, and a queue entry could mix two states of a prospect)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{_READ_ONLY: True}, isolation_level="REPEATABLE READ")
    return engine.execution_options(**{_READ_ONLY: True})


def make_engine(db: str | os.PathLike | None = None, *, migrate: bool = True) -> Engine:
    """The one way the app, the CLI and the tests get an engine."""
    url = resolve_url(db)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            path = Path(database)
            _prepare_sqlite_file(path)
            if store_is_read_only(path):
                # engine.url stays the file's URL (the journal and messages are keyed on it);
                # only the connection underneath is opened read-only.
                uri = read_only_uri(path)
                engine = create_engine(url, creator=lambda: sqlite3.connect(
                    uri, uri=True, check_same_thread=False, timeout=30))
                _sqlite_pragmas(engine, read_only=True)
                if migrate:  # a current schema is only read (migrations.upgrade)
                    upgrade(engine)
                return engine
            for suffix in ("-wal", "-shm"):  # WAL side files hold data too
                side = path.with_name(path.name + suffix)
                if side.exists():
                    os.chmod(side, 0o600)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_pragmas(engine)
    else:
        try:
            pg_url, args = _pg_engine_args(url)
            engine = create_engine(pg_url, **args)
        except ModuleNotFoundError:
            raise StoreError("PostgreSQL needs the postgres extra: "
                             "pip install -e '.[postgres]'") from None
        if PGBOUNCER in make_url(url).query:  # the URL handed to psycopg no longer says so
            engine.update_execution_options(**{_PGBOUNCER: True})
    if migrate:
        upgrade(engine)
        if engine.dialect.name == "postgresql":  # change signals for cockpits (store/notify.py)
            from dialer_tui.store import notify

            notify.install(engine)
    return engine


_PGBOUNCER = "dialer_tui_pgbouncer"


def behind_pgbouncer(engine: Engine) -> bool:
    """The URL said `?pgbouncer=1`: no session state (LISTEN) survives a transaction."""
    return bool(engine.get_execution_options().get(_PGBOUNCER))
