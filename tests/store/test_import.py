"""CSV import against real SQLite files: CRM export quirks, dedupe and merge, untrusted text,
rejects, dry runs, whole-batch writes, and the fast phone parser's agreement with parse_phone."""

from __future__ import annotations

import csv
import os
import random
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlmodel import Session

from dialer_tui.config import DATA_DIR
from dialer_tui.domain.phones import PhoneError, parse_phone
from dialer_tui.services import importer
from dialer_tui.services.csv_headers import parse_phone_fast
from dialer_tui.services.importer import CsvInputError, import_csv
from dialer_tui.store.engine import make_engine
from dialer_tui.store.models import PhoneNumber, Prospect

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEMO = DATA_DIR / "demo_prospects.csv"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


def prospects(engine) -> dict[int, Prospect]:
    with Session(engine) as s:
        return {p.id: p for p in s.exec(select(Prospect)).scalars()}


def numbers(engine) -> dict[int, list[tuple[str, str, str]]]:
    """prospect id -> [(e164, extension, kind)] in insertion order."""
    out: dict[int, list] = {}
    with Session(engine) as s:
        for ph in s.exec(select(PhoneNumber).order_by(PhoneNumber.id)).scalars():
            out.setdefault(ph.prospect_id, []).append((ph.e164, ph.extension, ph.kind))
    return out


def snapshot(engine) -> tuple[list, list]:
    with Session(engine) as s:
        return ([p.model_dump() for p in s.exec(select(Prospect).order_by(Prospect.id)).scalars()],
                [p.model_dump() for p in
                 s.exec(select(PhoneNumber).order_by(PhoneNumber.id)).scalars()])


def by_first(engine) -> dict[str, Prospect]:
    return {p.first_name: p for p in prospects(engine).values()}


def test_messy_hubspot_export(engine):
    """BOM, CRLF, quoted newlines, mixed formats, extensions, a merge, a reject, control
    characters and formula- or markup-looking text kept literally."""
    result = import_csv(engine, FIXTURES / "import_messy.csv", now=NOW)
    assert result.summary() == {"imported": 7, "merged": 2, "rejected": 1}
    # Line numbers are physical lines: row 2's quoted newline pushes the rest down one.
    assert [(r.row, r.reason) for r in result.rejects] == [
        (7, "no valid phone number or email (phone 'abc': not a phone number; "
            "phone '12345': not a possible number for US)")]
    assert "row 8: phone '555-0000' ignored: not a valid number" in result.warnings
    assert "row 6: control characters removed from 'Last Name'" in result.warnings
    assert "row 9: Record ID '1007' not imported: the prospect of an earlier row already has " \
           "'1001'" in result.warnings

    people = by_first(engine)
    assert set(people) == {"Jane", "[@click=app.quit]", '=HYPERLINK("http://x","y")', "Red",
                           "Mixed", "Zoë", "Email"}
    jane = people["Jane"]
    assert (jane.last_name, jane.company, jane.country, jane.region) == (
        "Doe", "Acme [EMEA] Ltd", "US", "FL")
    assert jane.research_notes == "Met at the expo;\nfollow up in May"
    assert (jane.email, jane.email_key, jane.custom_fields) == (
        "jane.doe@acme.example", "jane.doe@acme.example", '{"Record ID": "1001"}')
    assert (jane.status, jane.queue_rank, jane.queue_due_at, jane.created_at) == (
        "new", 3, NOW, NOW)
    assert jane.name_key == "jane doe acme [emea] ltd"
    # Row 9 is Jane again in another format: her direct line is added, nothing overwritten.
    assert numbers(engine)[jane.id] == [("+13055550101", "12", "office"),
                                        ("+13055550104", "7", "direct")]

    markup = people["[@click=app.quit]"]
    assert (markup.last_name, markup.company, markup.country) == (
        "Smith [/]", "[bold]Null[/bold] Corp", "GB")  # the NUL byte is gone
    formula = people['=HYPERLINK("http://x","y")']
    assert (formula.last_name, formula.research_notes) == ("@SUM(A1)", "+1 is fine")
    red = people["Red"]
    assert (red.last_name, red.company, red.research_notes) == ("Herring", "Evil Corp", "notex")
    assert numbers(engine)[red.id] == [("+493023125301", "", "office")]
    assert numbers(engine)[people["Mixed"].id] == [("+14155550103", "", "mobile")]
    zoe = people["Zoë"]
    assert (zoe.last_name, zoe.company, zoe.country, zoe.research_notes) == (
        "Ångström", "Straße GmbH", "FR", "Multi\nline\nnote")
    # Email-only row, then a row with only a phone and the same email in capitals: merged.
    only = people["Email"]
    assert (only.email, only.region) == ("only@mail.example", "CO")
    assert numbers(engine)[only.id] == [("+13035550105", "", "office")]
    for p in prospects(engine).values():
        for text in (p.first_name, p.last_name, p.company, p.research_notes):
            assert not any(ord(ch) < 32 and ch not in "\t\n" or 0x7f <= ord(ch) <= 0x9f
                           for ch in text)


def test_phone_details(engine):
    import_csv(engine, FIXTURES / "import_messy.csv", now=NOW)
    with Session(engine) as s:
        ph = s.exec(select(PhoneNumber).where(PhoneNumber.e164 == "+13055550101")).scalar_one()
    assert (ph.raw, ph.valid, ph.number_type, ph.time_zones, ph.created_at) == (
        "(305) 555-0101 ext. 12", True, "fixed_line_or_mobile", "America/New_York", NOW)


def test_reimport_changes_nothing(any_engine):
    engine = any_engine
    first = import_csv(engine, FIXTURES / "import_messy.csv", now=NOW)
    before = snapshot(engine)
    again = import_csv(engine, FIXTURES / "import_messy.csv",
                       now=datetime(2026, 4, 1, tzinfo=timezone.utc))
    assert again.summary() == {"imported": 0, "merged": 9, "rejected": 1}
    assert first.imported == 7
    assert snapshot(engine) == before


def test_demo_file_imports_cleanly_and_idempotently(engine):
    result = import_csv(engine, DEMO, source="demo", now=NOW)
    assert (result.summary(), result.warnings) == (
        {"imported": 60, "merged": 0, "rejected": 0}, [])
    before = snapshot(engine)
    assert import_csv(engine, DEMO, source="demo", now=NOW).summary() == {
        "imported": 0, "merged": 60, "rejected": 0}
    assert snapshot(engine) == before
    people = by_first(engine)
    dana = people["Dana"]
    assert (dana.priority, dana.assistant_name, dana.source, dana.owner) == (
        2, "Marcy Klein", "demo", "Alex Rivera")
    with Session(engine) as s:
        rows = s.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == dana.id)
                      .order_by(PhoneNumber.id)).scalars().all()
    assert [(p.kind, p.note) for p in rows] == [
        ("office", "Main line: press 2, then ext 114"), ("mobile", ""), ("assistant", "")]
    assert people["Wes"].time_zone == "America/Los_Angeles"
    assert people["Marcus"].referrer_name == "" and people["Elena"].referrer_company == \
        "Trinity Retail Group"
    assert sum(1 for p in people.values() if p.id not in numbers(engine)) == 3  # email only


def test_cp1252_file(engine):
    result = import_csv(engine, FIXTURES / "import_cp1252.csv", now=NOW)
    assert result.summary() == {"imported": 3, "merged": 0, "rejected": 0}
    names = {(p.first_name, p.last_name, p.company, p.research_notes)
             for p in prospects(engine).values()}
    assert names == {("Jürgen", "Müller", "Bäckerei Müller", "Budget 50 000 € — Q3"),
                     ("José", "Núñez", "Café Olé", "Habla español"),
                     ("Zoë", "Brontë", "Crème Brûlée Ltd", "Œuvre «complète»")}


def test_pipedrive_semicolons_and_region(engine):
    result = import_csv(engine, FIXTURES / "import_pipedrive.csv", region="DE", now=NOW)
    assert (result.summary(), result.warnings) == (
        {"imported": 3, "merged": 0, "rejected": 0}, [])
    people = by_first(engine)
    lukas = people["Lukas"]
    assert (lukas.last_name, lukas.company, lukas.title, lukas.email) == (
        "Becker", "Spree Spedition GmbH", "Leiter Logistik", "l.becker@spree.example")
    assert lukas.custom_fields == ('{"Organization - Address": "Hafenstraße 1; Berlin", '
                                   '"Person - Label": "Hot lead"}')
    assert numbers(engine)[lukas.id] == [("+493023125501", "", "office"),
                                         ("+4915228817501", "", "mobile")]
    assert (people["Camille"].last_name, people["Anna"].last_name) == ("Dubois", "Schmidt")


def test_salesforce_and_close_headers(engine):
    sf = import_csv(engine, FIXTURES / "import_salesforce.csv", now=NOW)
    close = import_csv(engine, FIXTURES / "import_close.csv", now=NOW)
    assert (sf.imported, close.imported, sf.warnings, close.warnings) == (2, 2, [], [])
    people = by_first(engine)
    maya = people["Maya"]
    assert (maya.title, maya.company, maya.city, maya.region, maya.country, maya.source,
            maya.owner, maya.research_notes) == (
        "Director of Engineering", "Maple Leaf Software", "Toronto", "ON", "CA", "Trade show",
        "Alex Rivera", "Expanding to Montreal")
    assert numbers(engine)[maya.id] == [("+14165550158", "", "office"),
                                        ("+14165550159", "", "mobile")]
    kevin, jolene = people["Kevin"], people["Jolene"]
    assert (kevin.last_name, kevin.company, kevin.title, kevin.email) == (
        "Park", "Bayside Robotics", "CTO", "kevin@bayside.example")
    assert '"lead_status": "Potential"' in kevin.custom_fields
    assert numbers(engine)[jolene.id] == [("+12145550108", "5", "office")]


def test_dry_run_writes_nothing(engine):
    dry = import_csv(engine, FIXTURES / "import_messy.csv", dry_run=True, now=NOW)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Prospect)).scalar_one() == 0
        assert s.exec(select(func.count()).select_from(PhoneNumber)).scalar_one() == 0
    real = import_csv(engine, FIXTURES / "import_messy.csv", now=NOW)
    assert (dry.summary(), dry.warnings, dry.rejects) == (real.summary(), real.warnings,
                                                          real.rejects)
    assert import_csv(engine, FIXTURES / "import_messy.csv", dry_run=True).summary() == {
        "imported": 0, "merged": 9, "rejected": 1}


def test_rejects_file(engine, tmp_path):
    rejects = tmp_path / "rejects.csv"
    import_csv(engine, FIXTURES / "import_messy.csv", rejects_path=rejects, now=NOW)
    with open(rejects, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-2:] == ["row", "reject_reason"]
    assert rows[0][:3] == ["First Name", "Last Name", "Company Name"]
    assert len(rows) == 2
    assert rows[1][:4] == ["Bad", "Number", "Nowhere LLC", "abc"]
    assert rows[1][-2] == "7" and rows[1][-1].startswith("no valid phone number or email")


def test_rejects_file_is_neutralised(engine, tmp_path):
    src, rejects = tmp_path / "in.csv", tmp_path / "rejects.csv"
    src.write_text('Name,Phone\n"=cmd|\' /C calc\'!A0",123\n', encoding="utf-8")
    result = import_csv(engine, src, rejects_path=rejects)
    assert result.rejected == 1
    assert rejects.read_text(encoding="utf-8").splitlines()[1].startswith("'=cmd|")


def test_shared_switchboard_keeps_people_apart(engine, tmp_path):
    src = tmp_path / "switchboard.csv"
    src.write_text("First Name,Last Name,Company,Main Phone,Mobile\n"
                   "Ann,Lee,Acme,212-555-0180,\n"
                   "Bob,Ray,Acme,(212) 555-0180,917-555-0181\n"
                   "B.,Ray,Acme,212 555 0180,\n", encoding="utf-8")
    result = import_csv(engine, src)
    # Bob shares Ann's switchboard but is someone else; "B. Ray" is the same Bob.
    assert result.summary() == {"imported": 2, "merged": 1, "rejected": 0}
    people = by_first(engine)
    assert numbers(engine)[people["Bob"].id] == [("+12125550180", "", "office"),
                                                 ("+19175550181", "", "mobile")]
    assert numbers(engine)[people["Ann"].id] == [("+12125550180", "", "office")]
    assert result.warnings == ["row 4: first_name 'B.' not imported: the prospect of an earlier "
                               "row already has 'Bob'"]


def test_merge_fills_empty_fields_and_keeps_filled_ones(engine, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("Name,Email,Title,Phone\nAnn Lee,ann@acme.example,CFO,\n", encoding="utf-8")
    second.write_text("Name,Email,Title,City,Phone\nAnn Lee,ANN@acme.example,CEO,Denver,"
                      "303-555-0190\n", encoding="utf-8")
    import_csv(engine, first, now=NOW)
    later = datetime(2026, 3, 3, tzinfo=timezone.utc)
    result = import_csv(engine, second, now=later)
    assert result.summary() == {"imported": 0, "merged": 1, "rejected": 0}
    ann = by_first(engine)["Ann"]
    assert (ann.title, ann.city, ann.updated_at, ann.created_at) == ("CFO", "Denver", later, NOW)
    assert numbers(engine)[ann.id] == [("+13035550190", "", "office")]
    assert result.warnings == [f"row 2: title 'CEO' not imported: prospect #{ann.id} already "
                               "has 'CFO'"]


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("dir", "is a directory"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a PNG image, not CSV"),
    (bytes(range(256)) * 8, "looks like a binary file"),
    (b"", "the file is empty"),
    (b"Jane,Doe,jane@acme.example,305-555-0101\n", "line 1: no header row"),
    (b"\n\nFoo,Bar Baz,Quux\n1,2,3\n", "line 3: no recognisable phone or email column; "
                                       "headers found: 'Foo', 'Bar Baz', 'Quux' (map one with "
                                       "--map 'HEADER=phone' or 'HEADER=email')"),
    (b"Nmae,Emial,Phne\nAna,ana@x.example,212 555 0100\n",
     "'Nmae' looks like full_name; 'Emial' looks like email; 'Phne' looks like phone"),
    (b'Name,Phone\n"Ann,' + b"x\n" * 300, "line 2: a quoted field runs on"),
])
def test_csv_input_errors(engine, tmp_path, content, message):
    path = tmp_path / "input.csv"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(CsvInputError) as err:
        import_csv(engine, path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_progress_and_whole_batches(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_ROWS", 50)
    src = tmp_path / "many.csv"
    lines = ["First Name,Phone"] + [f"P{i},(212) 555-{i:04d}" for i in range(120)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[tuple[int, int]] = []
    import_csv(engine, src, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(50, 120), (100, 120), (120, 120)]

    other = make_engine(tmp_path / "interrupted.db")

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_csv(other, src, progress=interrupt)
    # The batch written before the interruption is there whole; nothing after it.
    with Session(other) as s:
        assert s.exec(select(func.count()).select_from(Prospect)).scalar_one() == 50
        assert s.exec(select(func.count()).select_from(PhoneNumber)).scalar_one() == 50
    assert import_csv(other, src).summary() == {"imported": 70, "merged": 50, "rejected": 0}


def _index_names(engine) -> set[str]:
    found = inspect(engine)
    return {ix["name"] for table in ("prospect", "phone_number")
            for ix in found.get_indexes(table)}


def test_first_load_is_one_transaction_with_indexes_built_at_the_end(any_engine, tmp_path,
                                                                     monkeypatch):
    """A large import into an empty store: rows merge into earlier (not yet committed) batches,
    an interruption leaves the store empty with every index, and success leaves every index."""
    engine = any_engine
    monkeypatch.setattr(importer, "FIRST_LOAD_MIN_ROWS", 100)
    monkeypatch.setattr(importer, "BATCH_ROWS", 50)
    wanted = {ix.name for table in (Prospect.__table__, PhoneNumber.__table__)
              for ix in table.indexes}
    if engine.dialect.name == "postgresql":  # the trigram search indexes, dropped and rebuilt too
        wanted |= {"ix_prospect_name_trgm", "ix_prospect_email_trgm"}
    assert wanted <= _index_names(engine)
    src = tmp_path / "first.csv"
    lines = ["First Name,Phone,Email"] + [f"P{i},(212) 555-{i:04d}," for i in range(120)]
    lines.append("P5,(212) 555-0005,p5@example.com")  # merges into the first batch's P5
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def interrupt(done: int, total: int) -> None:
        if done < total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_csv(engine, src, progress=interrupt, now=NOW)
    assert prospects(engine) == {}
    assert wanted <= _index_names(engine)

    result = import_csv(engine, src, now=NOW)
    assert result.summary() == {"imported": 120, "merged": 1, "rejected": 0}
    assert wanted <= _index_names(engine)
    people = by_first(engine)
    assert len(people) == 120 and people["P5"].email == "p5@example.com"
    assert numbers(engine)[people["P119"].id] == [("+12125550119", "", "office")]
    # Not empty any more: the next import goes batch by batch and merges everything.
    assert import_csv(engine, src, now=NOW).summary() == {
        "imported": 0, "merged": 121, "rejected": 0}


def test_generated_rows_import(engine, tmp_path):
    """Sanity for the bulk path (scripts/gen_csv.py measures the speed)."""
    sys.path.insert(0, str(Path(__file__).parent.parent.parent / "scripts"))
    try:
        import gen_csv
    finally:
        sys.path.pop(0)
    src = tmp_path / "gen.csv"
    gen_csv.generate(20_000, src, seed=7)
    result = import_csv(engine, src)
    assert result.summary() == {"imported": 20_000, "merged": 0, "rejected": 0}
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Prospect)).scalar_one() == 20_000
        ids = s.exec(select(func.min(Prospect.id), func.max(Prospect.id))).one()
    assert tuple(ids) == (1, 20_000)


def test_worker_processes_read_as_the_parent_does(tmp_path, monkeypatch):
    """A file big enough for the worker processes gives the same prospects, warnings and
    rejects file (with the rejected rows' own cells) as reading it in the parent."""
    from dialer_tui.services import import_reader

    src = tmp_path / "big.csv"
    lines = ["First Name,Company,Phone,Email"]
    for i in range(import_reader.PARALLEL_MIN_ROWS + 500):
        if i % 997 == 0:
            lines.append(f"Nobody{i},=HYPERLINK(\"x\"),not a number,")  # rejected
        elif i % 501 == 0:
            lines.append(f"Odd{i},Acme,12,odd{i}@example.com")  # kept, with a warning
        else:
            lines.append(f"P{i},Acme,(212) 555-{i % 10000:04d},p{i}@example.com")
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(name: str):
        engine = make_engine(tmp_path / f"{name}.db")
        rejects = tmp_path / f"{name}-rejects.csv"
        result = import_csv(engine, src, rejects_path=rejects, now=NOW)
        return (result.summary(), result.warnings, rejects.read_text(encoding="utf-8"),
                snapshot(engine))

    chunked, chunks = [], import_reader._chunks  # only the workers' path cuts chunks
    monkeypatch.setattr(import_reader, "_chunks", lambda *a: chunked.append(1) or chunks(*a))
    parallel = run("parallel")
    assert chunked or (os.cpu_count() or 1) < 2  # (one core: read in line)
    monkeypatch.setattr(import_reader, "PARALLEL_MIN_ROWS", 10 ** 9)
    assert run("sequential") == parallel
    summary, warnings, rejects, _ = parallel
    assert summary["rejected"] == 21
    assert "row 503: phone '12' ignored: not a possible number for US" in warnings
    assert 'Nobody997,"\'=HYPERLINK(""x"")",not a number,,999,' in rejects


def test_fast_parser_agrees_with_parse_phone():
    rnd = random.Random(3)
    samples = ["", "abc", "1", "+", "12345", "800-FLOWERS", "+44 7700 900123", "+1 800 555 0199",
               "+882 1234 5678", "+800 1234 5678", "+7 701 123 4567", "+44 1481 123456",
               "+1 441 234 5678", "+1 684 633 1234", "(305) 555-0101 ext. 12", "0049 30 1234567",
               "+33 1 99 00 01 20 poste 4", "x" * 70]
    samples += [f"({rnd.randint(200, 999)}) {rnd.randint(100, 999)}-{rnd.randint(0, 9999):04d}"
                for _ in range(1500)]
    samples += [f"+{rnd.randint(1, 999)} {rnd.randint(0, 10 ** rnd.randint(3, 11))}"
                for _ in range(1500)]
    samples += [f"0{rnd.randint(1, 9)}{rnd.randint(0, 10 ** 9)}" for _ in range(1500)]
    for raw in samples:
        for region in ("US", "GB", "DE", "CA", "FR"):
            try:
                p = parse_phone(raw, region)
                want = (p.e164, p.extension, p.number_type, " ".join(p.time_zones)) \
                    if p.valid else "not a valid number"
            except PhoneError as exc:
                want = str(exc)
            assert parse_phone_fast(raw, region) == want, (raw, region)


@pytest.mark.parametrize("dry_run", [False, True])
def test_merges_across_batches(any_engine, tmp_path, monkeypatch, dry_run):
    """Rows merging into prospects of the same batch and of earlier batches."""
    engine = any_engine
    monkeypatch.setattr(importer, "BATCH_ROWS", 2)
    src = tmp_path / "batches.csv"
    src.write_text("First Name,Last Name,Phone,Mobile,Email,City\n"
                   "Ann,Lee,212-555-0191,,,\n"
                   "Bob,Ray,212-555-0192,,,\n"
                   "Cat,Kim,212-555-0193,,,\n"
                   "Ann,Lee,212-555-0191,,ann@lee.example,\n"  # into batch 1
                   "Bob,Ray,212-555-0192,,,Denver\n"  # into batch 1, from batch 3
                   "Cat,Kim,,917-555-0194,,\n"  # no shared key: a new prospect
                   "Ann,Lee,,,ANN@lee.example,Austin\n",  # by email, set two batches back
                   encoding="utf-8")
    result = import_csv(engine, src, dry_run=dry_run)
    assert (result.summary(), result.warnings) == (
        {"imported": 4, "merged": 3, "rejected": 0}, [])
    if dry_run:
        assert prospects(engine) == {}
        return
    people = sorted((p.first_name, p.email, p.city, tuple(numbers(engine).get(p.id, ())))
                    for p in prospects(engine).values())
    assert people == [
        ("Ann", "ann@lee.example", "Austin", (("+12125550191", "", "office"),)),
        ("Bob", "", "Denver", (("+12125550192", "", "office"),)),
        ("Cat", "", "", (("+12125550193", "", "office"),)),
        ("Cat", "", "", (("+19175550194", "", "mobile"),))]


def test_excel_variants(engine, tmp_path):
    """Excel's "sep=;" first line, and its "Unicode text" (UTF-16, tab separated) save."""
    sep = tmp_path / "sep.csv"
    sep.write_text("sep=;\nName;Phone;Empresa\nAna Ruiz;+34 912 345 678;Olé SL\n", encoding="utf-8")
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes("Name\tPhone\nZoë Brontë\t020 7946 0125\n".encode("utf-16"))
    assert import_csv(engine, sep).summary() == {"imported": 1, "merged": 0, "rejected": 0}
    assert import_csv(engine, utf16, region="GB").imported == 1
    people = by_first(engine)
    # "Empresa" is Spanish for company (dialer_tui/data/header_synonyms.yaml)
    assert (people["Ana"].last_name, people["Ana"].company, people["Ana"].custom_fields) == (
        "Ruiz", "Olé SL", "{}")
    assert numbers(engine)[people["Zoë"].id] == [("+442079460125", "", "office")]


def test_later_batches_find_stored_prospects(any_engine, tmp_path, monkeypatch):
    """The stored owners of a number or an email are looked up in the batch that first meets
    them (not read up front): a later batch still merges into the right stored prospect, a
    shared switchboard still keeps people apart, and a number met twice is asked once."""
    engine = any_engine
    stored = tmp_path / "stored.csv"
    stored.write_text("First Name,Last Name,Company,Phone,Email\n"
                      "Ann,Lee,Acme,212-555-0180,\n"
                      "Bob,Ray,Acme,212-555-0180,\n"
                      "Cat,Kim,Bolt,212-555-0183,cat@kim.example\n", encoding="utf-8")
    assert import_csv(engine, stored).summary() == {"imported": 3, "merged": 0, "rejected": 0}
    monkeypatch.setattr(importer, "BATCH_ROWS", 2)
    src = tmp_path / "later.csv"
    src.write_text("First Name,Last Name,Company,Phone,Email,City\n"
                   "Dan,Orr,Crux,212-555-0184,,\n"
                   "Eve,Park,Crux,212-555-0185,,\n"
                   "Fay,Moss,Dune,212-555-0186,,\n"
                   "Cat,Kim,,,CAT@kim.example,Boston\n"  # batch 2: by the stored email
                   "B.,Ray,,212 555 0180,,Denver\n"  # batch 3: the switchboard, Bob not Ann
                   "Gus,Hale,Acme,(212) 555-0180,,\n"  # batch 3: someone new there
                   "Ann,Lee,,212.555.0180,,Austin\n",  # batch 4: the switchboard again
                   encoding="utf-8")
    result = import_csv(engine, src)
    assert result.summary() == {"imported": 4, "merged": 3, "rejected": 0}
    people = by_first(engine)
    assert (people["Cat"].city, people["Bob"].city, people["Ann"].city) == (
        "Boston", "Denver", "Austin")
    assert len(people) == 7
    assert numbers(engine)[people["Gus"].id] == [("+12125550180", "", "office")]
