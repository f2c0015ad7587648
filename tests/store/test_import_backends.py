"""The importer's writes on both backends (PostgreSQL takes each batch with COPY): whole batches,
dedupe across imports, values as typed, and a batch that fails leaves nothing of itself."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from dialer_tui.services import importer
from dialer_tui.services.importer import import_csv
from dialer_tui.store.engine import make_engine
from dialer_tui.store.models import PhoneNumber, Prospect

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


def _count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def _csv(path, n: int, start: int = 0):
    lines = ["First Name,Last Name,Company,Phone,Mobile,Email"]
    for i in range(start, start + n):
        exchange, line = 555 + i // 10_000, i % 10_000
        lines.append(f'P{i},"O\'Brien, {i}",Acme [EMEA] {i},(212) {exchange}-{line:04d},'
                     f"(646) {exchange}-{line:04d},p{i}@example.com")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("rows", [120, importer.FIRST_LOAD_MIN_ROWS + 10])
def test_rows_numbers_and_dedupe(any_db, tmp_path, monkeypatch, rows):
    monkeypatch.setattr(importer, "BATCH_ROWS", 50)
    engine = make_engine(any_db)
    try:
        src = _csv(tmp_path / "a.csv", rows)
        first = import_csv(engine, src, region="US", source="t", now=NOW)
        assert first.summary() == {"imported": rows, "merged": 0, "rejected": 0}
        assert (_count(engine, Prospect), _count(engine, PhoneNumber)) == (rows, 2 * rows)
        again = import_csv(engine, src, region="US", source="t", now=NOW)
        assert again.summary() == {"imported": 0, "merged": rows, "rejected": 0}
        assert (_count(engine, Prospect), _count(engine, PhoneNumber)) == (rows, 2 * rows)
        with Session(engine) as s:
            p = s.exec(select(Prospect).where(Prospect.first_name == "P7")).one()
            assert (p.last_name, p.company, p.email_key) == ("O'Brien, 7", "Acme [EMEA] 7",
                                                             "p7@example.com")
            assert p.created_at == NOW and p.queue_due_at == NOW and p.version >= 0
            numbers = sorted(n.e164 for n in s.exec(select(PhoneNumber)
                                                   .where(PhoneNumber.prospect_id == p.id)))
            assert numbers == ["+12125550007", "+16465550007"]
            assert all(n.valid and not n.do_not_call for n in
                       s.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == p.id)))
    finally:
        engine.dispose()


def test_a_failed_batch_leaves_whole_batches_only(any_db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_ROWS", 50)
    engine = make_engine(any_db)
    try:
        import_csv(engine, _csv(tmp_path / "seed.csv", 1, start=9000), region="US", now=NOW)

        def interrupt(done: int, total: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            import_csv(engine, _csv(tmp_path / "b.csv", 120), region="US", now=NOW,
                       progress=interrupt)
        assert (_count(engine, Prospect), _count(engine, PhoneNumber)) == (51, 102)
        rest = import_csv(engine, tmp_path / "b.csv", region="US", now=NOW)
        assert rest.summary() == {"imported": 70, "merged": 50, "rejected": 0}
        assert (_count(engine, Prospect), _count(engine, PhoneNumber)) == (121, 242)
    finally:
        engine.dispose()


@pytest.mark.parametrize("first_load", [False, True])
def test_rows_merge_into_what_the_batch_before_wrote(any_db, tmp_path, monkeypatch, first_load):
    """Each batch merges into prospects the batch before it created or filled in (into the
    first load's one transaction, or batch by batch into a store that had a prospect): the
    merge reads what that batch wrote, never the row as it was, and loses nothing."""
    monkeypatch.setattr(importer, "BATCH_ROWS", 10)
    monkeypatch.setattr(importer, "FIRST_LOAD_MIN_ROWS", 20 if first_load else 10**9)
    engine = make_engine(any_db)
    try:
        if not first_load:  # a stored prospect that two batches in a row fill in
            seed = tmp_path / "seed.csv"
            seed.write_text("First Name,Last Name,Phone\nSam,Stored,(212) 555-0999\n")
            import_csv(engine, seed, region="US", now=NOW)
        lines = ["First Name,Last Name,Title,Phone,Mobile,Email"]
        for b in range(4):
            if not first_load:
                title, email = {0: ("", "s@example.com"), 1: ("CFO", "")}.get(b, ("", ""))
                lines.append(f"Sam,Stored,{title},(212) 555-0999,,{email}")
            for i in range(9):  # new in batch b; batch b + 1 adds their mobiles by email
                n = b * 9 + i
                lines.append(f"P{n},Last,,(212) 555-{n:04d},,p{n}@example.com")
                if b:
                    m = (b - 1) * 9 + i
                    lines.append(f"P{m},Last,Owner,,(646) 555-{m:04d},p{m}@example.com")
        src = tmp_path / "chain.csv"
        src.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = import_csv(engine, src, region="US", now=NOW)
        assert result.summary() == {"imported": 36, "merged": 27 + (0 if first_load else 4),
                                    "rejected": 0}
        with Session(engine) as s:
            people = {p.first_name: p for p in s.exec(select(Prospect))}
            phones: dict[int, list[str]] = {}
            for ph in s.exec(select(PhoneNumber)):
                phones.setdefault(ph.prospect_id, []).append(ph.e164)
        assert len(people) == 36 + (0 if first_load else 1)
        for m in range(27):
            p = people[f"P{m}"]
            assert p.title == "Owner" and sorted(phones[p.id]) == [
                f"+1212555{m:04d}", f"+1646555{m:04d}"], m
        if not first_load:
            sam = people["Sam"]
            assert (sam.email, sam.title) == ("s@example.com", "CFO")
    finally:
        engine.dispose()
