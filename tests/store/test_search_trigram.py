"""Name and email lookup through SQLite's trigram index (schema v11, store/name_search.py):
the same prospects, in the same order, as the `LIKE '%text%'` scan it replaces, and an index
that stays in step with the prospect rows however they are written."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from dialer_tui.services import importer
from dialer_tui.services.csv_headers import name_key
from dialer_tui.services.importer import import_csv
from dialer_tui.store import name_search, repo
from dialer_tui.store.engine import make_engine
from dialer_tui.store.models import Prospect

AT = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)

pytestmark = pytest.mark.skipif(not name_search.trigram_available(),
                                reason="this SQLite has no FTS5 trigram tokenizer")

# Names that are hard on a query language or a LIKE pattern, and text outside ASCII.
HOSTILE = [("Ben", "100% Cho", "Cho_Co", ""), ("Dan", "O'Brien", 'The "Quoted" Co', ""),
           ("Eve", "Back\\Slash", "C:\\Path", "eve\\x@bs.example"),
           ("Gus", "Müller", "Straße AG", "gus@strasse.example"), ("Ida", "Zoë", "Chloé SA", ""),
           ("İlker", "Yıldız", "İstanbul Ltd", ""), ("Jin", "王", "北京科技", "jin@王.example"),
           ("Kai", "Emoji", "Rocket 🚀 Labs", "kai@rocket.example"),
           ("Lou", "AND OR", "NOT NEAR(x y)", "lou*@star.example"),
           ("Max", "Col:on", "{brace} ^caret -minus +plus", ""),
           ("Ned", "Under_score", "50%_off", "a_b%c@x.example")]
# Keys as an older import or a script may have stored them, not folded: SQLite's LIKE folds
# ASCII case only and the index folds every script, so only LIKE may decide.
RAW_KEYS = [("UPPER CASE ÉCOLE", "MIXED@Case.Example"), ("ÄRGER ÖL", ""),
            ("abcd xbcy", "")]  # "abcy": both trigrams, not in a row (the index cannot tell)
NEEDLES = ["%", "_", "%%%", "___", "100%", "0%_", "o_c", "b_n", "'", "o'b", "o'brien", '"',
           '"quoted"', '"q', "\\", "k\\s", "c:\\p", "müller", "MÜLLER", "straße", "strasse",
           "zoë", "chloé", "CHLOÉ", "i̇lk", "ılk", "yıldız", "王", "北京科", "🚀", "t 🚀 l",
           "and or", "not near(", "near(x y)", "*", "lou*", "col:on", "{brace}", "^caret",
           "-minus +", "upper", "UPPER", "école", "École", "ärger", "mixed@case", "ÄR",
           "a_b%", "  Ben   100%  ", "ben 100% cho", "@", "@x.example", ".example", "e", "ee",
           "son", "smith", "nobody here", "\t", "x" * 40, "abcy", "bcd x", "aaaa"]


def _store(path, rng: random.Random, n: int = 400):
    engine = make_engine(path)
    first = ["Ann", "Bob", "Cat", "Dora", "Joe", "Jon", "Sam", "Zoe", "Émile", "Åsa"]
    last = ["Smith", "Johnson", "Lee", "Kim", "Nguyen", "Dubois", "Ståhl", "Smithson"]
    company = ["Acme Inc", "Harbor Steel", "Globex", "Initech LLC", "Café Noir", "Smith & Sons"]
    rows = [(rng.choice(first), rng.choice(last), rng.choice(company),
             rng.choice(["", "sales@acme.example", "x_y@h.example", "a%b@c.example"]))
            for _ in range(n)] + HOSTILE * 2  # twice: equal keys, settled by id
    with Session(engine) as s:
        for f, last_name, c, email in rows:
            s.add(Prospect(first_name=f, last_name=last_name, company=c, email=email,
                           email_key=email.lower(), name_key=name_key(f, last_name, c),
                           created_at=AT, updated_at=AT, queue_due_at=AT))
        for key, email_key in RAW_KEYS:
            s.add(Prospect(first_name="Raw", email=email_key, email_key=email_key, name_key=key,
                           created_at=AT, updated_at=AT, queue_due_at=AT))
        s.commit()
    return engine


def _like_scan(path, needle: str, limit: int) -> list[int]:
    """What repo.search answered before v11, written out by hand on a connection of its own:
    the needle folded and squeezed as search does, % _ and \\ literal, ASCII case ignored."""
    needle = " ".join(needle.lower().split())
    if not needle:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute(
            "SELECT id FROM prospect WHERE name_key LIKE ?1 ESCAPE '\\' "
            "OR email_key LIKE ?1 ESCAPE '\\' ORDER BY name_key, id LIMIT ?2", (pattern, limit))]
    finally:
        con.close()


def _search(engine, needle: str, limit: int = 50) -> tuple[list[int], bool]:
    """repo.search's ids, and whether it asked the trigram index."""
    statements: list[str] = []
    with Session(engine) as s:
        conn = s.connection()

        def grab(_conn, _cursor, statement, _parameters, _context, _many):
            statements.append(statement)

        event.listen(conn, "before_cursor_execute", grab)
        ids = [p.id for p in repo.search(s, text=needle, limit=limit)]
        event.remove(conn, "before_cursor_execute", grab)
    return ids, any("MATCH" in st for st in statements)


def _index_checked(engine) -> None:
    """FTS5's own check, against the prospect rows too (rank 1): raises if out of step."""
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {name_search.TABLE} ({name_search.TABLE}, rank) "
                          "VALUES ('integrity-check', 1)"))


def test_hostile_needles_find_what_the_like_scan_finds(tmp_path):
    path = tmp_path / "store.db"
    engine = _store(path, random.Random(7))
    _index_checked(engine)
    asked_index = 0
    for needle in NEEDLES:
        for limit in (50, 3):
            ids, used = _search(engine, needle, limit)
            assert ids == _like_scan(path, needle, limit), (needle, limit)
            asked_index += used
            folded = " ".join(needle.lower().split())
            assert used == (len(folded) >= name_search.MIN_NEEDLE), needle
    assert asked_index > 60  # the comparison above was of the index, not of the scan twice
    # The case only LIKE decides: the index folds É to é, LIKE does not; ASCII folds in both.
    assert _search(engine, "école")[0] == []
    assert _search(engine, "abcy") == ([], True)
    con = sqlite3.connect(path)  # ... though the index alone would have answered with rows
    assert con.execute(f"SELECT count(*) FROM {name_search.TABLE} WHERE {name_search.TABLE} "
                       "MATCH ?", (name_search.query("abcy"),)).fetchone()[0] == 1
    assert con.execute(f"SELECT count(*) FROM {name_search.TABLE} WHERE {name_search.TABLE} "
                       "MATCH ?", (name_search.query("école"),)).fetchone()[0] == 1
    con.close()
    assert len(_search(engine, "upper")[0]) == 1 and len(_search(engine, "mixed@")[0]) == 1
    engine.dispose()


def test_random_pieces_of_stored_keys_find_what_the_like_scan_finds(tmp_path):
    """Pieces of real keys (hits) and of keys with a character changed (mostly misses)."""
    path, rng = tmp_path / "store.db", random.Random(11)
    engine = _store(path, rng)
    con = sqlite3.connect(path)
    keys = [k for row in con.execute("SELECT name_key, email_key FROM prospect") for k in row if k]
    con.close()
    for _ in range(300):
        key = rng.choice(keys)
        start = rng.randrange(len(key))
        piece = key[start:start + rng.randint(1, 12)]
        if rng.random() < 0.3:
            at = rng.randrange(len(piece))
            piece = piece[:at] + rng.choice("%_'\"\\ éa*Z") + piece[at + 1:]
        assert _search(engine, piece)[0] == _like_scan(path, piece, 50), piece
    engine.dispose()


def _index_digest(path) -> str:
    con = sqlite3.connect(path)
    try:
        rows = con.execute(f"SELECT id, block FROM {name_search.TABLE}_data ORDER BY id")
        return hashlib.sha1(repr(rows.fetchall()).encode()).hexdigest()
    finally:
        con.close()


def test_the_index_follows_inserts_key_changes_and_deletes(tmp_path):
    path = tmp_path / "store.db"
    engine = _store(path, random.Random(3), n=20)
    with Session(engine) as s:  # the ORM, as the cockpit and referrals write
        p = Prospect(first_name="Quentin", last_name="Blake", company="Zebra Works",
                     name_key=name_key("Quentin", "Blake", "Zebra Works"),
                     created_at=AT, updated_at=AT, queue_due_at=AT)
        s.add(p)
        s.commit()
        pid = p.id
    assert _search(engine, "ebra wor")[0] == [pid]
    _index_checked(engine)

    before = _index_digest(path)
    with Session(engine) as s:  # an outcome's update leaves the keys alone: no index work
        p = s.get(Prospect, pid)
        p.status, p.attempts = "working", 3
        s.commit()
    with engine.begin() as conn:  # keys set to what they were, as an import's merge sets them
        conn.execute(text("UPDATE prospect SET name_key = name_key, email_key = email_key, "
                          "city = 'Oslo' WHERE id = :i"), {"i": pid})
    assert _index_digest(path) == before

    with Session(engine) as s:
        p = s.get(Prospect, pid)
        p.company, p.email, p.email_key = "Yak Partners", "q@yak.example", "q@yak.example"
        p.name_key = name_key(p.first_name, p.last_name, p.company)
        s.commit()
    assert _search(engine, "ebra wor")[0] == []
    assert _search(engine, "yak part")[0] == [pid] == _search(engine, "q@yak")[0]
    _index_checked(engine)

    with engine.begin() as conn:  # raw SQL, as a script might
        conn.execute(text("DELETE FROM prospect WHERE id = :i"), {"i": pid})
    assert _search(engine, "yak part")[0] == []
    _index_checked(engine)
    engine.dispose()


@pytest.mark.parametrize("first_load", [False, True])
def test_the_index_follows_imports(tmp_path, monkeypatch, first_load):
    """Both import paths: a first load into an empty store (one transaction, B-tree indexes
    built at the end; an interrupted one leaves nothing behind, in the index either) and the
    batch-by-batch merge into a store with prospects."""
    engine = make_engine(tmp_path / "store.db")
    monkeypatch.setattr(importer, "FIRST_LOAD_MIN_ROWS", 100 if first_load else 10**9)
    monkeypatch.setattr(importer, "BATCH_ROWS", 50)
    src = tmp_path / "people.csv"
    lines = ["First Name,Last Name,Company,Phone,Email"] + [
        f"P{i},Surname{i},Firm {i % 7},(212) 555-{i:04d}," for i in range(120)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def interrupt(done: int, total: int) -> None:
        if done < total:
            raise KeyboardInterrupt

    if first_load:
        with pytest.raises(KeyboardInterrupt):
            import_csv(engine, src, progress=interrupt, now=AT)
        _index_checked(engine)
        assert _search(engine, "surname1")[0] == []
    assert import_csv(engine, src, now=AT).summary()["imported"] == 120
    _index_checked(engine)
    assert len(_search(engine, "surname11")[0]) == 11  # 11, 110-119
    # A later file fills an email in (a merge: the row's email_key changes) and adds a person.
    src.write_text("First Name,Last Name,Company,Phone,Email\n"
                   "P7,Surname7,Firm 0,(212) 555-0007,p7@merged.example\n"
                   "Rosa,Newcomer,Firm 9,(212) 555-0999,\n", encoding="utf-8")
    assert import_csv(engine, src, now=AT).summary() == {"imported": 1, "merged": 1,
                                                         "rejected": 0}
    _index_checked(engine)
    with Session(engine) as s:
        assert [p.first_name for p in repo.search(s, text="@merged.ex")] == ["P7"]
        assert [p.first_name for p in repo.search(s, text="newcomer")] == ["Rosa"]
        # The importer writes the index itself, batch by batch, with the triggers dropped
        # meanwhile (name_search.before_batch): they are back for every other writer.
        s.add(Prospect(first_name="Vera", name_key="vera after import", created_at=AT,
                       updated_at=AT, queue_due_at=AT))
        s.commit()
        assert [p.first_name for p in repo.search(s, text="after imp")] == ["Vera"]
    _index_checked(engine)
    engine.dispose()


def test_without_the_trigram_tokenizer_a_store_scans_as_before(tmp_path, monkeypatch):
    """An SQLite older than 3.34, or built without FTS5: no index, no triggers, and search
    answers by the scan, with the same results."""
    monkeypatch.setattr(name_search, "trigram_available", lambda: False)
    path = tmp_path / "store.db"
    engine = _store(path, random.Random(5), n=50)
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'prospect_fts%'"
                       ).fetchone()[0] == 0
    con.close()
    for needle in ("smith", "100%", "o'b", "école", "jo"):
        assert _search(engine, needle) == (_like_scan(path, needle, 50), False), needle
    engine.dispose()
