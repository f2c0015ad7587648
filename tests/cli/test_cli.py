"""The command-line contract (docs/product-rules.md, *Command line*), driven as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

# The whole scenario is placed in time: the list arrives at ARRIVED, and is judged at AT.
ARRIVED = "2026-11-30T12:00:00Z"
AT = "2026-12-01T15:00:00Z"  # Tuesday 10:00 in New York

CSV = """First Name,Last Name,Company Name,Job Title,Industry,State/Province,Country,Phone Number,Mobile Phone,Email
Tim,Okafor,Quality Fabricators,Plant Manager,Manufacturing,OH,US,(937) 555-0101,937-555-0111,tim@qf.example
Ana,Lima,Lima Foods,CFO,Retail,FL,US,813-555-0102 x114,,ana@lima.example
Ben,Cho,Cho Logistics,COO,Logistics,NY,US,+1 212 555 0103,,ben@cho.example
Zoe,Roy,Roy Clinics,Director,Healthcare,CA,US,310-555-0104,,zoe@roy.example
"""


def run(*args: str, db: Path, input_: str | None = None, env: dict | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    cfg = db.parent / "cfg"  # a named config folder must exist (config.config_dir)
    cfg.mkdir(exist_ok=True)
    full_env = {**os.environ, "DIALER_TUI_DB": str(db), "DIALER_TUI_CONFIG": str(cfg),
                **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "dialer_tui", *args], capture_output=True,
                          text=True, env=full_env, input=input_, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    src = tmp_path / "list.csv"
    src.write_text(CSV, encoding="utf-8")
    out = json.loads(run("import", str(src), "--at", ARRIVED, "--json", db=path).stdout)
    assert {k: out[k] for k in ("imported", "merged", "rejected")} == \
        {"imported": 4, "merged": 0, "rejected": 0}
    assert out["columns"]["Mobile Phone"] == "phone (mobile)"
    assert out["columns"]["Job Title"] == "title"
    return path


def test_queue_json_lists_only_callable_with_the_contract_fields(db):
    items = json.loads(run("queue", "--at", AT, "--json", db=db).stdout)
    # 07:00 in California: Zoe is not callable yet.
    assert {i["name"] for i in items} == {"Tim Okafor", "Ana Lima", "Ben Cho"}
    for i in items:
        assert set(i) >= {"prospect_id", "name", "phone", "reason", "local_time", "time_zone"}
        assert i["phone"].startswith("+1") and i["reason"] == "new"
        assert i["local_time"] == "2026-12-01T10:00:00-05:00"
    tim = next(i for i in items if i["name"] == "Tim Okafor")
    assert tim["phone"] == "+19375550111"  # the mobile first


def test_why_explains_and_gives_the_next_time(db):
    zoe = json.loads(run("lookup", "310 555 0104", "--json", db=db).stdout)[0]["prospect_id"]
    out = json.loads(run("why", str(zoe), "--at", AT, "--json", db=db).stdout)
    assert out["callable"] is False
    assert out["time_zone"] == "America/Los_Angeles"
    assert out["next_allowed"] == "2026-12-01T16:00:00+00:00"  # 08:00 Pacific
    assert any("07:00" in r for r in out["reasons"])
    text = run("why", str(zoe), "--at", AT, db=db).stdout
    assert "not callable now" in text and "next allowed" in text


def test_log_then_history_and_lookup_in_any_format(db):
    ana = json.loads(run("lookup", "(813) 555-0102", "--json", db=db).stdout)
    assert [m["name"] for m in ana] == ["Ana Lima"]
    assert ana[0]["phones"][0]["extension"] == "114"
    for fmt in ("+18135550102", "813.555.0102", "1-813-555-0102", "lima foods", "ANA"):
        assert [m["name"] for m in json.loads(run("lookup", fmt, "--json", db=db).stdout)] == \
            ["Ana Lima"], fmt
    pid = str(ana[0]["prospect_id"])
    run("log", pid, "left_voicemail", "--at", AT, "--note", "[bold]VM[/] one", db=db)
    out = json.loads(run("log", pid, "callback_requested", "--at", "2026-12-02T15:00:00Z",
                         "--callback", "today 8:45pm", "--json", db=db).stdout)
    # FL: 08:00 in the Central panhandle, 09:00 in Tampa
    assert out["warnings"] and out["callback_at"] == "2026-12-03T14:00:00+00:00"
    hist = json.loads(run("history", pid, "--at", "2026-12-02T16:00:00Z", "--json", db=db).stdout)
    assert hist["prospect"]["name"] == "Ana Lima"
    assert [t["outcome"] for t in hist["touches"]] == ["callback_requested", "left_voicemail"]
    assert hist["touches"][1]["note"] == "[bold]VM[/] one"
    assert hist["touches"][1]["promised"]


def test_bad_input_exits_2_with_a_message_and_writes_nothing(db, tmp_path):
    cases = [
        (("log", "1", "hung_up"), "unknown outcome 'hung_up'"),
        (("log", "999", "no_answer"), "no prospect with id 999"),
        (("log", "1", "callback_requested", "--callback", "someday maybe"), "cannot read"),
        (("queue", "--at", "yesterday-ish"), "not an ISO 8601 time"),
        (("why", "999"), "no prospect with id 999"),
        (("import", str(tmp_path / "missing.csv")), "missing.csv"),
        (("import", str(tmp_path)), str(tmp_path)),
        (("export", "prospects", str(tmp_path / "nope" / "x.csv")), "does not exist"),
        (("dnc", "add", "not a phone"), "not a phone"),
    ]
    for args, message in cases:
        proc = run(*args, db=db, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    hist = json.loads(run("history", "1", "--json", db=db).stdout)
    assert hist["touches"] == []


def test_bad_db_path_exits_2(tmp_path):
    for args in (("queue",), ()):  # () is the app: its forked reader fails, it says why itself
        proc = run(*args, db=tmp_path, check=False)  # a directory
        assert proc.returncode == 2 and "is a directory" in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_bad_csv_header_exits_2(tmp_path):
    src = tmp_path / "weird.csv"
    src.write_text("foo,bar\n1,2\n", encoding="utf-8")
    proc = run("import", str(src), db=tmp_path / "x.db", check=False)
    assert proc.returncode == 2 and "weird.csv" in proc.stderr


def test_dnc_add_blocks_the_number(db):
    run("dnc", "add", "(212) 555-0103", "--reason", "asked by email", "--at", ARRIVED, db=db)
    items = json.loads(run("queue", "--at", AT, "--json", db=db).stdout)
    assert "Ben Cho" not in {i["name"] for i in items}
    listed = json.loads(run("dnc", "list", "--json", db=db).stdout)
    assert listed[0]["phone"] == "+12125550103" and listed[0]["reason"] == "asked by email"


def test_check_passes_on_shipped_files_and_names_file_and_line_of_a_broken_one(db):
    assert "ok" in run("check", db=db).stdout
    cfg = db.parent / "cfg"
    cfg.mkdir(exist_ok=True)
    (cfg / "dispositions.yaml").write_text("outcomes:\n  - name: x\n    key: '1'\n    lable: X\n")
    proc = run("check", db=db, check=False)
    assert proc.returncode == 2
    assert "dispositions.yaml:4" in proc.stderr and "lable" in proc.stderr


def test_check_names_an_unknown_binding_id_in_settings_keys(db):
    cfg = db.parent / "cfg"
    cfg.mkdir(exist_ok=True)
    settings = cfg / "settings.yaml"
    settings.write_text("rep_name: Sam\nkeys:\n  outcome.meeting_booked: f1\n"
                        "  cockpit.serach: ctrl+f\n", encoding="utf-8")
    proc = run("check", db=db, check=False)
    assert proc.returncode == 2
    assert f"{settings}:4:3: keys.cockpit.serach: unknown binding id 'cockpit.serach'" \
        in proc.stderr
    assert "cockpit.search" in proc.stderr and "outcome." not in proc.stderr
    app = run(db=db, check=False)  # the app checks the same before its UI starts
    assert app.returncode == 2 and "unknown binding id 'cockpit.serach'" in app.stderr
    settings.write_text("keys:\n  outcome.meeting_booked: f1\n  cockpit.search: ctrl+f\n",
                        encoding="utf-8")
    assert "ok" in run("check", db=db).stdout


def test_sixteen_concurrent_next_calls_never_hand_out_a_prospect_twice(tmp_path):
    db = tmp_path / "team.db"
    rows = ["First Name,Last Name,Company,Phone,State"]
    rows += [f"P{i},Rep,Co{i},212-555-{1000 + i:04d},NY" for i in range(40)]
    (tmp_path / "team.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run("import", str(tmp_path / "team.csv"), "--at", ARRIVED, db=db)

    def claim(n: int) -> subprocess.CompletedProcess:
        return run("next", "--rep", f"rep{n}", "--at", AT, "--json", db=db, check=False)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(claim, range(16)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert not any("locked" in r.stderr for r in results)
    claimed = [json.loads(r.stdout)["prospect_id"] for r in results]
    assert len(claimed) == 16 and len(set(claimed)) == 16


GATE_CSV = """First Name,Last Name,Company Name,State/Province,Country,Phone Number,Mobile Phone
Kim,Lee,Lee Supply,IL,US,312-555-0105,
Flo,Rida,Rida Marine,NY,US,212-555-0106,305-555-0107
Tor,Onto,Onto Freight,FL,US,,416-555-0108
"""


@pytest.fixture
def gate_db(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "gate.db"
    src = tmp_path / "gate.csv"
    src.write_text(GATE_CSV, encoding="utf-8")
    run("import", str(src), "--at", ARRIVED, "--region", "US", db=path)
    ids = {m["name"]: str(m["prospect_id"])
           for q in ("Kim", "Flo", "Tor")
           for m in json.loads(run("lookup", q, "--json", db=path).stdout)}
    return path, ids


def test_log_of_a_call_outside_the_hours_is_kept_warned_and_marked(gate_db, tmp_path):
    db, ids = gate_db
    late = "2026-12-02T04:10:00Z"  # 22:10 in Chicago: US federal allows 08:00-21:00
    out = json.loads(run("log", ids["Kim Lee"], "no_answer", "--at", late, "--json",
                         db=db).stdout)
    assert out["touch_id"] and out["compliance"].startswith("outside the rules: 22:10")
    assert any("outside the rules" in w for w in out["warnings"])
    text = run("--rep", "sam", "log", ids["Kim Lee"], "no_answer", "--at",
               "2026-12-02T04:20:00Z", "--override", "she asked me to call after her shift",
               db=db)
    assert "warning: this call was outside the rules" in text.stdout
    touches = json.loads(run("history", ids["Kim Lee"], "--at", late, "--json",
                             db=db).stdout)["touches"]
    assert "(override by sam: she asked me to call after her shift)" in touches[0]["compliance"]
    assert touches[1]["compliance"].startswith("outside the rules: 22:10 in America/Chicago")
    run("export", "touches", str(tmp_path / "t.csv"), db=db)
    exported = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert "compliance" in exported.splitlines()[0] and "override by sam" in exported
    # inside the hours, nothing is marked
    ok = json.loads(run("log", ids["Kim Lee"], "no_answer", "--at", "2026-12-02T16:00:00Z",
                        "--json", db=db).stdout)
    assert ok["compliance"] == "" and ok["warnings"] == []


def test_the_florida_cap_counts_the_person_on_every_number(gate_db):
    db, ids = gate_db
    flo = ids["Flo Rida"]
    # Three calls to the 305 mobile: one attempt of the cadence and two re-dials, which the cap
    # counts all the same (it counts calls). The cadence's email task stays due: not a call.
    for minute in ("00", "05", "10"):
        run("log", flo, "no_answer", "--phone", "+13055550107",
            "--at", f"2026-12-01T15:{minute}:00Z", db=db)
    at = "2026-12-01T15:20:00Z"
    calls = json.loads(run("queue", "--at", at, "--json", db=db).stdout)
    assert flo not in {str(i["prospect_id"]) for i in calls if i["channel"] == "call"}
    why = json.loads(run("why", flo, "--at", at, "--json", db=db).stdout)
    assert why["callable"] is False and why["phone"] == "+12125550106"  # the office line
    assert any("3 attempts in the last 24 h; Florida allows 3" in r for r in why["reasons"])
    assert why["next_allowed"] == "2026-12-02T15:00:00+00:00"
    claimed = json.loads(run("next", "--rep", "sam", "--at", at, "--json", db=db).stdout)
    assert claimed is None or str(claimed["prospect_id"]) != flo or claimed["channel"] != "call"
    fourth = json.loads(run("log", flo, "no_answer", "--phone", "+12125550106", "--at", at,
                            "--json", db=db).stdout)
    assert "3 attempts in the last 24 h" in fourth["compliance"]


def test_why_names_the_number_judged_and_every_law_applied(gate_db):
    db, ids = gate_db
    at = "2026-12-02T01:30:00Z"  # 20:30 in Toronto: CRTC allows until 21:30, Florida until 20:00
    text = run("why", ids["Tor Onto"], "--at", at, db=db).stdout
    assert "not callable now" in text
    assert "judged +14165550108 in America/Toronto" in text
    assert "Canada (CRTC)" in text and "Florida" in text and "US federal" in text
    assert "next allowed" in text


def test_import_shows_the_column_mapping_and_takes_a_map_by_hand(tmp_path):
    db = tmp_path / "es.db"
    src = tmp_path / "es.csv"
    src.write_text("Nombre,Correo,Telefono,Empresa,Notas,Nmae\n"
                   "Juan García,juan@garcia.example,+34 612 345 678,García SL,,x\n",
                   encoding="utf-8")
    dry = run("import", str(src), "--region", "ES", "--dry-run", "--at", ARRIVED, db=db).stdout
    assert "would import 1, merged 0, rejected 0" in dry
    assert "  Correo    -> email" in dry and "  Empresa   -> company" in dry
    assert "  Nmae      -> not mapped: kept as a custom field (did you mean full_name?)" in dry
    assert json.loads(run("lookup", "juan", "--json", db=db).stdout) == []  # a dry run
    out = json.loads(run("import", str(src), "--region", "ES", "--json", "--at", ARRIVED,
                         "--map", "Notas=ignore,Nmae=title", db=db).stdout)
    assert out["imported"] == 1 and out["columns"]["Nmae"] == "title"
    assert out["columns"]["Notas"] is None and out["nameless"] == 0
    bad = run("import", str(src), "--map", "Correo=correo", db=db, check=False)
    assert bad.returncode == 2 and "--map 'Correo=correo': expected HEADER=FIELD" in bad.stderr
    missing = run("import", str(src), "--map", "Mail=email", db=db, check=False)
    assert missing.returncode == 2 and "has no column 'Mail'" in missing.stderr


def test_files_are_written_owner_only_never_through_links_or_onto_devices(db, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / "planted.csv").symlink_to(victim)
    for target, message in ((tmp_path / "planted.csv", "is a symbolic link"),
                            (tmp_path, "is not a regular file"),
                            (Path("/dev/null"), "is not a regular file"),
                            (tmp_path / "missing" / "x.csv", "does not exist")):
        proc = run("export", "prospects", str(target), db=db, check=False)
        assert proc.returncode == 2 and message in proc.stderr, (target, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert victim.read_text(encoding="utf-8") == "keep me"
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o644)
    run("export", "prospects", str(out), db=db)
    assert (out.stat().st_mode & 0o777) == 0o600 and "Tim" in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []
    # --rejects to a folder that does not exist: said before any row is imported
    src = tmp_path / "more.csv"
    src.write_text("First Name,Phone\nNew,212-555-0190\n", encoding="utf-8")
    proc = run("import", str(src), "--rejects", str(tmp_path / "nope" / "r.csv"), db=db,
               check=False)
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    assert json.loads(run("lookup", "212-555-0190", "--json", db=db).stdout) == []


def test_untrusted_text_reaches_no_terminal_and_no_file_raw(db, tmp_path):
    evil = "\x1b]52;c;SGVsbG8=\x07 \u202eevil\x9b2J"
    run("dnc", "add", "(212) 555-0103", "--reason", evil, "--at", ARRIVED, db=db)
    claimed = json.loads(run("next", "--rep", evil, "--at", AT, "--json", db=db).stdout)
    texts = [run("dnc", "list", db=db).stdout, run("dnc", "list", "--json", db=db).stdout,
             run("why", str(claimed["prospect_id"]), "--at", AT, db=db).stdout]
    pid = str(json.loads(run("lookup", "Tim", "--json", db=db).stdout)[0]["prospect_id"])
    run("log", pid, "no_answer", "--note", evil + "\tcell", "--at", AT, db=db)
    texts.append(run("history", pid, "--at", AT, db=db).stdout)
    for text in texts:
        assert not any(ch in text for ch in "\x1b\x07\x9b\u202e"), repr(text)
    assert "\u241b]52;c;SGVsbG8=\u2407" in texts[0] and "claimed by \u241b]52" in "".join(texts)
    assert json.loads(texts[1])[0]["reason"] == evil  # JSON escapes it; the value is exact
    out = tmp_path / "touches.csv"
    run("export", "touches", str(out), db=db)
    raw = out.read_text(encoding="utf-8")
    assert not any(ch in raw for ch in "\x1b\x07\x9b\u202e")
    assert '"\u241b]52;c;SGVsbG8=\u2407 \ufffdevil\ufffd2J\tcell"' in raw  # the tab cell quoted


def test_a_closed_pipe_ends_the_output_quietly(tmp_path):
    db = tmp_path / "many.db"
    src = tmp_path / "many.csv"
    rows = "".join(f"P{i},Q{i},2{i // 1000 + 12}-555-{1000 + i % 1000}\n" for i in range(3000))
    src.write_text("First Name,Last Name,Phone\n" + rows, encoding="utf-8")
    run("import", str(src), "--at", ARRIVED, db=db)
    proc = subprocess.Popen([sys.executable, "-m", "dialer_tui", "--db", str(db), "queue", "--at",
                             AT, "--limit", "3000"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ,
                                                         "DIALER_TUI_CONFIG": str(tmp_path)})
    assert proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and "Traceback" not in err, err


def test_nonsense_numbers_paths_and_bytes_are_one_line_and_exit_2(db, tmp_path):
    cases = [
        (("why", str(2**64)), "a prospect id must be between 1 and"),
        (("queue", "--at", "0001-01-01T00:00:00"), "the year must be between 1971 and 2199"),
        (("log", "1", "no_answer", "--at", "9999-12-31T23:00:00"), "the year must be between"),
        (("next", "--rep", "x", "--lease-minutes", "99999999999"), "between 1 and 1440"),
        (("next", "--rep", "x", "--lease-minutes", "-5"), "between 1 and 1440"),
        (("queue", "--limit", "0"), "between 1 and 10000"),
        (("--config", str(tmp_path / "typo"), "queue"), "does not exist"),
        (("lookup", "caf\udcff"), "is not valid UTF-8 text"),
    ]
    for args, message in cases:
        proc = run(*args, db=db, check=False)
        assert proc.returncode == 2 and message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    (tmp_path / "cfg" / "settings.yaml").mkdir(parents=True, exist_ok=True)  # a folder where a file belongs
    proc = run("queue", db=db, check=False)
    assert proc.returncode == 2 and "settings.yaml is not a readable regular file" in proc.stderr


def test_check_refuses_a_key_that_lands_on_another_binding_and_absurd_recycling(db):
    cfg = db.parent / "cfg"
    cfg.mkdir(exist_ok=True)
    (cfg / "settings.yaml").write_text("keys:\n  outcome.no_answer: '1'\n", encoding="utf-8")
    proc = run("check", db=db, check=False)
    assert proc.returncode == 2
    assert "settings.yaml:2:3: keys.outcome.no_answer: key '1' is already " \
           "outcome.meeting_booked's" in proc.stderr
    (cfg / "settings.yaml").write_text("keys:\n  outcome.no_answer: '1'\n"
                                       "  outcome.meeting_booked: '0'\n", encoding="utf-8")
    assert "ok" in run("check", db=db).stdout  # a swap is fine
    (cfg / "settings.yaml").unlink()
    from dialer_tui.config import DATA_DIR
    shipped = (DATA_DIR / "dispositions.yaml").read_text(encoding="utf-8")
    assert "recycle_days: 180" in shipped
    (cfg / "dispositions.yaml").write_text(shipped.replace("recycle_days: 180",
                                                           "recycle_days: 3000000", 1))
    proc = run("check", db=db, check=False)
    assert proc.returncode == 2 and "dispositions.yaml:" in proc.stderr
    assert "recycle_days" in proc.stderr and "3650" in proc.stderr


def test_database_errors_name_the_store_never_the_password_or_a_traceback(tmp_path):
    garbage = tmp_path / "not-a-db.db"
    garbage.write_bytes(b"this is not an SQLite database, just text\n" * 100)
    proc = run("queue", db=garbage, check=False)
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr
    assert str(garbage) in proc.stderr and "not a database" in proc.stderr
    url = "postgresql+psycopg://rep:s3cr3t-pw@127.0.0.1:1/list"  # nothing listens on port 1
    proc = run("queue", db=tmp_path / "x.db", env={"DIALER_TUI_DB": url}, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "s3cr3t-pw" not in proc.stderr and "rep:***@127.0.0.1:1/list" in proc.stderr


def test_yaml_with_nul_bad_bytes_or_utf16_is_named_by_line_and_column(db):
    cfg = db.parent / "cfg"
    settings = cfg / "settings.yaml"
    settings.write_bytes(b"rep_name: Sam\nregion: U\x00S\n")
    proc = run("check", db=db, check=False)
    assert proc.returncode == 2
    assert f"{settings}:2:10: character U+0000 is not allowed in YAML" in proc.stderr
    settings.write_bytes(b"rep_name: S\xffam\n")
    proc = run("check", db=db, check=False)
    assert proc.returncode == 2 and f"{settings}:1:12: byte 0xff is not UTF-8" in proc.stderr
    settings.write_bytes("rep_name: Sam\nregion: GB\n".encode("utf-16"))  # Notepad's "Unicode"
    assert "ok" in run("check", db=db).stdout
