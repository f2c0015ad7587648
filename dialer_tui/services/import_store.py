"""The importer's dedupe and writes: which stored prospect a row merges into, and the batches
written through Core executemany (see importer.py for the whole import)."""

from __future__ import annotations

import json
from contextlib import contextmanager, nullcontext
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from dialer_tui.services.csv_headers import RowValues, name_key
from dialer_tui.store import name_search
from dialer_tui.store.engine import bulk
from dialer_tui.store.models import RANK_NEW, STATUS_NEW, PhoneNumber, Prospect

if TYPE_CHECKING:
    from dialer_tui.services.importer import ImportResult

_P, _PH = Prospect.__table__, PhoneNumber.__table__
# Fields a merge fills when empty and never overwrites (docs/product-rules.md, *Import and export*).
MERGE_FIELDS = ("first_name", "last_name", "title", "company", "industry", "city", "region",
                "country", "time_zone", "email", "linkedin_url", "referrer_name",
                "referrer_company", "assistant_name", "preferred_channel", "research_notes",
                "owner", "source", "priority", "line", "consent_basis", "consent_date",
                "consent_source")
_KEEP = ("id", *MERGE_FIELDS, "email_key", "name_key", "custom_fields")  # what a merge needs
_UPDATE_COLS = (*_KEEP[1:], "updated_at")


def _same_person(target: dict, fields: dict) -> bool:
    """A shared number (a switchboard) must not fold two named people into one prospect."""
    a_first, a_last = target["first_name"].casefold(), target["last_name"].casefold()
    b_first = fields.get("first_name", "").casefold()
    b_last = fields.get("last_name", "").casefold()
    if not (a_first or a_last) or not (b_first or b_last):
        return True
    if a_last and b_last and a_last != b_last:
        return False
    a_first, b_first = a_first.rstrip("."), b_first.rstrip(".")
    return not a_first or not b_first or a_first.startswith(b_first) or b_first.startswith(a_first)


class ImportStore:
    """The dedupe maps and the batch writes.

    The maps (E.164 -> prospect, email -> prospect) hold what the import has met so far: before
    a batch is matched, the stored owners of its numbers and emails not met before are read in
    a few indexed queries (_learn), so matching is then a dict lookup per row. The whole store's
    numbers and emails were read up front before: 100k rows into 1M prospects took 12.9 s with
    a peak of 803 MB, now 6.9 s and 354 MB (one pair); the import grew with the store, not the
    file. (PostgreSQL at 100k prospects pays ~0.6 s more this way, ~45 ms of lookups a batch
    against one read of the store: kept for the one path.) A batch is matched first, then
    written in one transaction. New prospects get provisional negative ids, swapped for real
    ones inside that transaction (`real`), so that matching needs no database round trip. A dry
    run keeps what it would have written in `virtual` (compact _KEEP tuples) for later rows to
    merge into.
    (A writer thread overlapping the writes with the next batch's parsing was tried: the GIL
    hand-offs around each sqlite3 step ate the gain, so the code stays sequential.)"""

    NO_NAME = "no name: the file has name columns, empty in this row (a new prospect needs one)"

    def __init__(self, engine: Engine, result: ImportResult, now: datetime, dry_run: bool,
                 named: bool = False):
        self.engine, self.result, self.now, self.dry_run = engine, result, now, dry_run
        # A file with name columns: a row with none that would be a new prospect is refused
        # (lines in `refused`); one that merges into a known person is fine.
        self.named, self.refused = named, []
        # Rows go to the driver as they are (see _insert): defaults from the models, and `now`
        # converted once by the column's own type.
        stamp = _P.c.created_at.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
        stamped = stamp(now) if stamp else now
        self.base = Prospect().model_dump(exclude={"id"})
        self.base.update(status=STATUS_NEW, queue_rank=RANK_NEW, queue_due_at=stamped,
                         created_at=stamped, updated_at=stamped)
        self.phone_base = {**PhoneNumber(prospect_id=0, e164="").model_dump(exclude={"id"}),
                           "created_at": stamped}
        self.phone_owner: dict[str, int] = {}
        self.shared: dict[str, list[int]] = {}  # numbers on several prospects (switchboards)
        self.email_owner: dict[str, int] = {}
        self.virtual: dict[int, tuple] = {}
        self.real: dict[int, int] = {}
        self.last_id = 0
        self.load_conn: Connection | None = None  # the one transaction of a first load
        self.met_numbers: set[str] = set()  # asked of the store already (_learn)
        self.met_emails: set[str] = set()
        with engine.connect() as conn:
            self.store_empty = conn.execute(select(_P.c.id).limit(1)).first() is None

    @contextmanager
    def first_load(self) -> Iterator[None]:
        """Around a large import (importer.FIRST_LOAD_MIN_ROWS): into an empty store, one
        transaction that drops the prospect and number tables' secondary indexes first (on
        PostgreSQL the trigram search indexes too) and builds them once at the end. Sorting
        100k keys once beats 100k B-tree inserts into each of eight indexes: the import is ~15%
        faster. Nobody has anything to call from an empty store, so holding its write lock for
        the few seconds costs no one; and an interrupted load leaves it empty and fully indexed
        (the DDL rolls back with the rows)."""
        if self.dry_run or not self.store_empty:
            yield
            return
        with _writing(self.engine) as conn:
            # Checked under the write lock: another import may have filled it meanwhile.
            if conn.execute(select(_P.c.id).limit(1)).first() is None:
                indexes, others = [*_P.indexes, *_PH.indexes], _undeclared_indexes(conn)
                for index in indexes:
                    index.drop(conn, checkfirst=True)
                for name, _ in others:
                    conn.execute(text(f'DROP INDEX "{name}"'))
                self.load_conn = conn
                try:
                    yield
                finally:
                    self.load_conn = None
                for index in indexes:
                    index.create(conn)
                for _, definition in others:
                    conn.execute(text(definition))
                return
        yield  # not empty after all: batches of their own, as for any later import

    def _connection(self, *, write: bool):
        """The first load's transaction, else a new one (a batch's, or a read)."""
        if self.load_conn is not None:
            return nullcontext(self.load_conn)
        return _writing(self.engine) if write else self.engine.connect()

    def _own(self, e164: str, pid: int) -> bool:
        """Record that the number is on the prospect; False if it already was."""
        owner = self.phone_owner.get(e164)
        if owner is None:
            self.phone_owner[e164] = pid
        elif owner == pid or pid in self.shared.get(e164, ()):
            return False
        else:
            self.shared.setdefault(e164, [owner]).append(pid)
        return True

    def _owners(self, e164: str) -> list[int] | tuple[int, ...]:
        owner = self.phone_owner.get(e164)
        return () if owner is None else self.shared.get(e164) or (owner,)

    def write(self, rows: list[RowValues]) -> None:
        self._learn(rows)
        new, updated, phones = self._plan(rows, self._targets(rows))
        if self.dry_run:
            self.virtual.update((i, tuple(p[k] for k in _KEEP))
                                for i, p in (*new.items(), *updated.items()))
        else:
            self._commit(list(new.values()), phones, list(updated.values()))

    def _learn(self, rows: list[RowValues]) -> None:
        """The stored owners of the batch's numbers and emails that no earlier batch had, into
        the maps before the batch's own rows (so a stored prospect is found first, as it was
        there first), in the order the store has them."""
        numbers = {ph["e164"] for row in rows for ph in row.phones} - self.met_numbers
        emails = {row.email_key for row in rows if row.email_key} - self.met_emails
        self.met_numbers |= numbers
        self.met_emails |= emails
        if self.store_empty and self.load_conn is not None:
            return  # a first load: nothing stored but what this import wrote
        with self._connection(write=False) as conn:
            for e164, pid in _holders(conn, "phone_number", "e164", "prospect_id", numbers):
                self._own(e164, pid)
            for key, pid in _holders(conn, "prospect", "email_key", "id", emails):
                self.email_owner.setdefault(key, pid)

    def _targets(self, rows: list[RowValues]) -> dict[int, dict]:
        """Copies of the prospects this batch may merge into (stored ones in a query per 500)."""
        ids = {pid for row in rows for ph in row.phones for pid in self._owners(ph["e164"])}
        ids.update(self.email_owner[r.email_key] for r in rows if r.email_key in self.email_owner)
        targets = {i: dict(zip(_KEEP, self.virtual[i], strict=True)) for i in ids
                   if i in self.virtual}
        stored = {self.real.get(i, i): i for i in ids if i not in targets}
        keys = sorted(stored)
        with self._connection(write=False) if keys else nullcontext() as conn:
            for i in range(0, len(keys), 500):
                for r in conn.execute(select(*(_P.c[k] for k in _KEEP))
                                      .where(_P.c.id.in_(keys[i:i + 500]))):
                    targets[stored[r.id]] = dict(r._mapping)
        return targets

    def _plan(self, rows: list[RowValues], targets: dict[int, dict]) -> tuple[dict, dict, list]:
        new: dict[int, dict] = {}
        updated: dict[int, dict] = {}
        phones: list[dict] = []
        for row in rows:
            pid = self._match(row, targets)
            if pid is None and "first_name" not in row.fields and "last_name" not in row.fields:
                if self.named:
                    self.refused.append(row.line)
                    continue
                self.result.nameless += 1
            if pid is None:
                self.last_id -= 1
                pid = self.last_id
                targets[pid] = new[pid] = self._new(pid, row)
                self.result.imported += 1
                touched = False
            else:
                self.result.merged += 1
                touched = self._merge(pid, targets[pid], row)
            for ph in row.phones:
                if self._own(ph["e164"], pid):
                    phones.append({**self.phone_base, **ph, "prospect_id": pid})
                    touched = True
            if touched and pid not in new:
                targets[pid]["updated_at"] = self.now
                updated[pid] = targets[pid]
        return new, updated, phones

    def _commit(self, new: list[dict], phones: list[dict], updated: list[dict]) -> None:
        """One batch, one transaction: its prospects, their numbers and the merges."""
        with self._connection(write=True) as conn:
            ids = self._ids(conn, len(new)) if new else iter(())
            for p in new:
                real_id = next(ids)
                self.real[p["id"]] = real_id
                p["id"] = real_id
            for ph in phones:
                ph["prospect_id"] = self.real.get(ph["prospect_id"], ph["prospect_id"])
            # SQLite's name search index: written per batch, not per row (name_search).
            merged = [self.real.get(t["id"], t["id"]) for t in updated]
            name_search.before_batch(conn, updated_ids=merged)
            _insert(conn, _P, new)
            _insert(conn, _PH, phones)
            if updated:
                stmt = (update(_P).where(_P.c.id == bindparam("b_id"))  # a new row version
                        .values({**{c: bindparam(f"b_{c}") for c in _UPDATE_COLS},
                                 "version": _P.c.version + 1}))  # (models._VERSION)
                conn.execute(stmt, [{"b_id": self.real.get(t["id"], t["id"]),
                                     **{f"b_{c}": t[c] for c in _UPDATE_COLS}} for t in updated])
            name_search.after_batch(conn, ids=[*(p["id"] for p in new), *merged])

    @staticmethod
    def _ids(conn: Connection, n: int) -> Iterator[int]:
        if conn.dialect.name == "postgresql":  # reserved from the sequence, like any insert
            yield from conn.execute(select(func.nextval(func.pg_get_serial_sequence(
                "prospect", "id"))).select_from(func.generate_series(1, n))).scalars()
            return
        # SQLite: BEGIN IMMEDIATE holds the write lock, so max(id) + 1 is ours to use.
        yield from range((conn.execute(select(func.max(_P.c.id))).scalar() or 0) + 1, 2 ** 62)

    def _new(self, pid: int, row: RowValues) -> dict:
        p = self.base.copy()
        p.update(row.fields)
        p.update(id=pid, email_key=row.email_key,
                 name_key=name_key(p["first_name"], p["last_name"], p["company"]),
                 custom_fields=json.dumps(row.custom, ensure_ascii=False) if row.custom else "{}")
        if row.email_key:
            self.email_owner.setdefault(row.email_key, pid)
        return p

    def _match(self, row: RowValues, targets: dict[int, dict]) -> int | None:
        if row.email_key and (pid := self.email_owner.get(row.email_key)) is not None:
            return pid
        for ph in row.phones:
            for pid in self._owners(ph["e164"]):
                if _same_person(targets[pid], row.fields):
                    return pid
        return None

    def _merge(self, pid: int, t: dict, row: RowValues) -> bool:
        """Fill the target's empty fields from the row; report, never overwrite, the rest."""
        who = f"prospect #{pid}" if pid > 0 else "the prospect of an earlier row"
        changed = False
        custom = json.loads(t["custom_fields"] or "{}") if row.custom else {}
        for name, value, have in [*((n, v, t) for n, v in row.fields.items()),
                                  *((k, v, custom) for k, v in row.custom.items())]:
            current = have.get(name)
            if not current:
                have[name] = value
                changed = True
            elif (current.casefold() if isinstance(current, str) else current) != (
                    value.casefold() if isinstance(value, str) else value):
                self.result.warnings.append(f"row {row.line}: {name} {value!r} not imported: "
                                            f"{who} already has {current!r}")
        if row.email_key:
            self.email_owner.setdefault(row.email_key, pid)
            if not t["email_key"] and t["email"].lower() == row.email_key:
                t["email_key"] = row.email_key
        if changed:
            t["custom_fields"] = json.dumps(custom, ensure_ascii=False) if custom else \
                t["custom_fields"]
            t["name_key"] = name_key(t["first_name"], t["last_name"], t["company"])
        return changed


def _holders(conn: Connection, table: str, key: str, owner: str, values: set[str]
             ) -> Iterator[tuple[str, int]]:
    """(key, owner) of the rows whose `key` is one of `values`, in id order (an IN list through
    SQLAlchemy cost ~50 ms a batch to compile and bind, more than the lookups). The table and
    column names are ours, never data.

    SQLite: one statement, the batch's values as one JSON parameter (6,000 numbers: ~15 ms).
    PostgreSQL: an array per 500 values, which it looks up in the index; given all 6,000 at
    once it scans the table in parallel, 34 ms for the numbers and 47 ms for the emails against
    23 and 22 ms in runs of 500, at 100k prospects."""
    ordered = sorted(values)
    if conn.dialect.name != "postgresql":
        if ordered:
            yield from conn.exec_driver_sql(
                f"SELECT {key}, {owner} FROM {table} WHERE {key} IN "
                "(SELECT value FROM json_each(?)) ORDER BY id", (json.dumps(ordered),))
        return
    found: list[tuple[int, str, int]] = []
    for i in range(0, len(ordered), 500):
        found.extend(conn.exec_driver_sql(
            f"SELECT id, {key}, {owner} FROM {table} WHERE {key} = ANY(%s)", (ordered[i:i + 500],)))
    for _, value, holder in sorted(found):  # in id order across the runs, as on SQLite
        yield value, holder


def _undeclared_indexes(conn: Connection) -> list[tuple[str, str]]:
    """PostgreSQL: the prospect and number indexes that the models do not declare (the trigram
    search indexes of migrations.search_indexes), as (name, CREATE INDEX statement). A first
    load drops and rebuilds them with the others: kept, their row-by-row upkeep was a fifth of
    the server's CPU time in a 100k-row first load (2.7-2.9 s -> 2.2-2.3 s, two pairs)."""
    if conn.dialect.name != "postgresql":
        return []
    declared = {index.name for index in (*_P.indexes, *_PH.indexes)}
    found = conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()"
        " AND i.tablename IN ('prospect', 'phone_number') AND NOT EXISTS (SELECT 1 FROM"
        " pg_constraint c WHERE c.conname = i.indexname AND c.connamespace ="
        " current_schema()::regnamespace)"))
    return [(name, definition) for name, definition in found if name not in declared]


BATCH_CACHE_KIB = 65_536


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A batch's transaction (bulk: no fsync per commit). On SQLite its connection gets a 64 MiB
    page cache for the batch, and its own back after: a batch inserts 5,000 rows at random
    places in the name, email and number indexes, which spill out of the default 2 MiB cache
    (100k rows into a store of 100k prospects, two interleaved pairs at load 3.4-4.6: the
    inserts 2.95-3.13 s -> 2.0-2.54 s; the whole import moves less than the machine's noise)."""
    with bulk(engine).connect() as conn:
        raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
        kept = raw.execute("PRAGMA cache_size").fetchone()[0] if raw is not None else None
        if raw is not None:
            raw.execute(f"PRAGMA cache_size = -{BATCH_CACHE_KIB}")
        try:
            with conn.begin():
                yield conn
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA cache_size = {int(kept)}")


def _insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """executemany of the compiled INSERT, handed to the driver as it is. Rows are already in the
    driver's terms (see ImportStore.__init__); SQLAlchemy's per-row parameter processing would add
    a third to the write time."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        # COPY, in the batch's transaction: executemany ran the INSERT once per row, and each
        # ran the change triggers (store/notify.py, FOR EACH STATEMENT) once: 4,600 rows/s at
        # 100k rows. COPY is one statement for the batch.
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            values = itemgetter(*columns)
            for row in rows:
                copy.write_row(values(row))
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(rows[0]))
    if keys := compiled.positiontup:  # positional paramstyles (SQLite's qmark) take tuples
        values = itemgetter(*keys)
        rows = [values(r) for r in rows]
    conn.exec_driver_sql(str(compiled), rows)
