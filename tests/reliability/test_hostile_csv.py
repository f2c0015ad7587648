"""Generated hostile CSV files (property-based): the importer never crashes, accounts for every
data row, and leaves a consistent database."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dialer_tui.services.importer import CsvInputError, import_csv
from dialer_tui.store.engine import make_engine

HEADERS = ["First Name", "Last Name", "Full Name", "Title", "Company", "Industry", "City",
           "State", "Country", "Email", "Phone", "Mobile Phone", "Notes", "Referred By",
           "Priority", "Time Zone", "LinkedIn", "Custom Field"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1"]
DELIMITERS = [",", ";", "\t", "|"]
PAYLOADS = [
    '=HYPERLINK("http://x","y")', "@SUM(A1)", "+1+1", "-2+3", "\t=1+1", "'=quoted",
    "[@click=app.quit]", "[/]", "[bold red]x", "Acme [EMEA] Ltd", "\x1b[31mred", "\x1b[2J",
    "\x1b]52;c;SGVsbG8=\x07", "\x1b]2;PWNED\x07", "\x1b]8;;http://x\x1b\\link", "\x9b31m",
    "{first_name}", "{0.__class__}", "%s%n", "<script>alert(1)</script>", "a,b;c|d\te",
    'she said "hi", twice', "line\nbreak", "cr\ronly", "crlf\r\nend", "nul\x00byte", "\x00",
    "\ufeffbom", "\u202eright-to-left", "\u2028sep", "\x85nel", "é ü ñ ß", "日本語 会社",
    "emoji 📞", "   ", "", "'", '"', "\\", "sep=;", "NULL", "None", "0", "-0", "1e309",
]
PHONES = ["(212) 736-5000", "212.736.5001 x12", "+1 312 736 0002", "'+13055550101",
          "+44 20 7946 0958", "030 901820", "555-0100", "not a phone", "1" * 30, "+",
          "(000) 000-0000", "212-736-5003; 212-736-5004", "tel:+12127365005"]
EMAILS = ["a@b.co", "A@B.CO", "x.y+z@example.com", "'q@r.st", "bad@", "@bad", "a@b",
          "Name <n@m.io>", "x@y.com; z@w.org"]
HUGE = ["x" * 140_000, "x" * 100_000, "ab " * 33_334, "1" * 100_000, "é" * 100_000, "a@" * 50_000,
        "line\n" * 250]
ANCHOR = "Zq9"  # plain ASCII that survives every encoding and every scrub: the row is not blank
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TEXT_COLUMNS = ("first_name", "last_name", "title", "company", "industry", "city", "region",
                "country", "email", "research_notes", "referrer_name", "referrer_company",
                "custom_fields", "source")

hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=40),
    st.binary(max_size=20).map(lambda b: b.decode("latin-1")),  # junk bytes as characters
    st.lists(st.sampled_from(PAYLOADS), min_size=2, max_size=4).map("".join),
)
# Mostly plausible values in their own columns (so rows import, merge and reject), often hostile.
COLUMN_CELLS = {
    "Phone": st.one_of(st.sampled_from(PHONES[:5]), st.sampled_from(PHONES), hostile),
    "Email": st.one_of(st.sampled_from(EMAILS[:3]), st.sampled_from(EMAILS), hostile),
    "First Name": st.one_of(st.sampled_from(["Ann", "Bob", "ann", "Ann."]), hostile),
    "Last Name": st.one_of(st.sampled_from(["Lee", "Ng", "LEE"]), hostile),
}
COLUMN_CELLS["Mobile Phone"] = COLUMN_CELLS["Phone"]


ESCAPE_ONLY = ["\x1b[31m", "\x1b]0;PWNED\x07", "\x1b]52;c;SGVsbG8=\x07", "\x07\x08", "\x1b[2J"]


@st.composite
def hostile_files(draw):
    headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8, unique=True))
    if draw(st.sampled_from([True, True, True, False])):  # usually a usable column at least
        headers.insert(draw(st.integers(0, len(headers))),
                       draw(st.sampled_from([h for h in ("Phone", "Email", "First Name")
                                             if h not in headers] or ["Custom Field 2"])))
    width = len(headers)
    # One column: the sniffer cannot see another delimiter in the header, so it reads commas.
    delim = draw(st.sampled_from(DELIMITERS)) if width > 1 else ","
    rows, data_rows, huge = [], 0, 0
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["data"] * 8 + ["empty", "blank", "escapes"]))
        if kind == "empty":
            rows.append([])
            continue
        if kind == "blank":
            rows.append([""] * draw(st.integers(1, width + 1)))
            continue
        if kind == "escapes":  # nothing but escape codes: a row all the same, to be counted
            rows.append([draw(st.sampled_from(ESCAPE_ONLY)) for _ in range(width)])
            data_rows += 1
            continue
        size = draw(st.integers(1, width + 2))
        row = [draw(COLUMN_CELLS.get(headers[i] if i < width else "", hostile))
               for i in range(size)]
        if huge < 2 and draw(st.integers(0, 9)) == 0:  # at most two 100k fields a file
            row[draw(st.integers(0, size - 1))] = draw(st.sampled_from(HUGE))
            huge += 1
        at = draw(st.integers(0, min(size, width) - 1))
        row[at] = draw(st.sampled_from([ANCHOR, f"{ANCHOR} {row[at][:20]}"]))
        rows.append(row)
        data_rows += 1
    buf = io.StringIO(newline="")
    # csv.writer quotes a bare CR only when CR is in its line terminator: LF files quote all.
    crlf = draw(st.booleans())
    writer = csv.writer(buf, delimiter=delim, lineterminator="\r\n" if crlf else "\n",
                        quoting=csv.QUOTE_MINIMAL if crlf else csv.QUOTE_ALL)
    writer.writerow(headers)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(ENCODINGS))
    data = buf.getvalue().encode(encoding, errors="replace")
    region = draw(st.sampled_from(["US", "GB", "DE", "us"]))
    event(f"encoding {encoding}")
    event(f"{width} columns, delimiter {delim!r}")
    event(f"{huge} fields of 100k characters")
    return data, data_rows, region


def check_database(db: Path, imported: int) -> None:
    """Every number on an existing prospect, E.164 numbers well formed, no control character in
    any stored text, SQLite's own checks clean."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("SELECT count(*) FROM prospect").fetchone()[0] == imported
        orphans = con.execute("SELECT count(*) FROM phone_number ph LEFT JOIN prospect p "
                              "ON p.id = ph.prospect_id WHERE p.id IS NULL").fetchone()[0]
        assert orphans == 0
        for (e164,) in con.execute("SELECT e164 FROM phone_number"):
            assert re.fullmatch(r"\+[1-9]\d{6,14}", e164), e164
        cols = ", ".join(TEXT_COLUMNS)
        for row in con.execute(f"SELECT {cols} FROM prospect"):
            for name, value in zip(TEXT_COLUMNS, row, strict=True):
                assert not CONTROL.search(value or ""), (name, value[:80])
    finally:
        con.close()


def check_rejects(path: Path, expected: int) -> None:
    if not path.exists():
        assert expected == 0
        return
    with open(path, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert len(table) - 1 == expected
    for row in table:
        for value in row:
            assert value[:1] not in set("=+-@\t\r\n"), value[:40]


def run_import(data: bytes, region: str):
    """Import `data` into a fresh SQLite file; (result or CsvInputError, db path, rejects)."""
    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))
    path, db, rejects = tmp / "in.csv", tmp / "t.db", tmp / "rejects.csv"
    path.write_bytes(data)
    engine = make_engine(db)
    try:
        try:
            return import_csv(engine, path, region=region, source="fuzz",
                              rejects_path=rejects), db, rejects
        except CsvInputError as exc:
            assert str(exc), "a CsvInputError must say what is wrong"
            return exc, db, rejects
    finally:
        engine.dispose()


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(hostile_files())
def test_hostile_csv_rows_are_imported_or_rejected_with_a_reason(sample):
    """Random header subsets (missing columns), ragged rows, the four encodings Excel and CRMs
    write, delimiters, quotes and line breaks inside fields, 100k-character fields, junk bytes,
    NULs, formula / markup / ANSI / OSC payloads: import_csv raises nothing but CsvInputError
    (and then writes nothing); otherwise imported + merged + rejected == the data rows, every
    reject has a reason, and the database stays consistent."""
    data, data_rows, region = sample
    got, db, rejects = run_import(data, region)
    if isinstance(got, CsvInputError):
        event("CsvInputError: " + re.sub(r".*?(line \d+)?: ", "", str(got), count=1)[:50])
        check_database(db, 0)  # the whole file is read before the first write
        return
    result = got
    event(f"imported {min(result.imported, 3)}+, merged {min(result.merged, 1)}+, "
          f"rejected {min(result.rejected, 1)}+")
    assert result.imported + result.merged + result.rejected == data_rows, (
        result.summary(), data_rows, result.rejects[:3])
    assert result.rejected == len(result.rejects)
    assert all(r.reason and r.row >= 2 for r in result.rejects)
    check_rejects(rejects, result.rejected)
    check_database(db, result.imported)


@st.composite
def mangled_files(draw):
    """A well-formed file, then damaged at the byte level: junk inserted, cut short, a binary
    magic number in front, unbalanced quotes, or nothing but junk."""
    data, _, region = draw(hostile_files())
    how = draw(st.sampled_from(["insert", "truncate", "magic", "quote", "junk", "nuls"]))
    if how == "insert":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    elif how == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif how == "magic":
        data = draw(st.sampled_from([b"PK\x03\x04", b"%PDF", b"\x1f\x8b", b"SQLite format 3\x00",
                                     b"\xff\xfe", b"\xfe\xff"])) + data
    elif how == "quote":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b'"' + data[at:]
    elif how == "junk":
        data = draw(st.binary(max_size=2000))
    else:
        data = data.replace(b",", b"\x00,")
    return data, region


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(mangled_files())
def test_mangled_bytes_never_crash_the_importer(sample):
    """Byte-level damage (the row count is then unknowable): still only CsvInputError, every
    counted row accounted for once, and a consistent database."""
    data, region = sample
    got, db, rejects = run_import(data, region)
    if isinstance(got, CsvInputError):
        check_database(db, 0)
        return
    assert got.rejected == len(got.rejects)
    assert got.imported + got.merged + got.rejected <= data.count(b"\n") + data.count(b"\r") + 1
    check_rejects(rejects, got.rejected)
    check_database(db, got.imported)


@pytest.mark.parametrize("column", HEADERS)
def test_a_100k_character_field_in_any_column_imports_quickly(tmp_path, column):
    """One 100,000-character field (no spaces, no '@') in each column in turn, beside a valid
    phone and name: imported or rejected within a second, not after a regex backtracks for
    minutes."""
    headers = ["First Name", "Phone", column] if column not in ("First Name", "Phone") else [
        "First Name", "Phone", "Company"]
    values = ["Ann", "(212) 736-5000", "x"]
    values[headers.index(column)] = "a" * 100_000
    path = tmp_path / "huge.csv"
    path.write_text(",".join(headers) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    engine = make_engine(tmp_path / "t.db")
    started = time.monotonic()
    result = import_csv(engine, path, region="US")
    elapsed = time.monotonic() - started
    engine.dispose()
    assert result.imported + result.rejected == 1
    assert elapsed < 1.0, f"{column}: {elapsed:.1f}s for one row"


def test_a_cell_over_128_kib_rejects_its_row_not_the_file(tmp_path):
    path = tmp_path / "oversize.csv"
    path.write_text("First Name,Phone,Notes\nAnn,(212) 736-5000,fine\n"
                    f"Bob,(212) 736-5001,{'n' * 200_000}\nCy,(212) 736-5002,\n", encoding="utf-8")
    engine = make_engine(tmp_path / "t.db")
    result = import_csv(engine, path, region="US", rejects_path=tmp_path / "rejects.csv")
    engine.dispose()
    assert result.summary() == {"imported": 2, "merged": 0, "rejected": 1}
    assert [(r.row, r.reason) for r in result.rejects] == [
        (3, "the 'Notes' cell is over 128 KiB")]
    assert "Bob" in (tmp_path / "rejects.csv").read_text(encoding="utf-8")
