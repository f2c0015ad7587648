"""Generated hostile config folders (property-based): whatever is in them, `dialer-tui check`
either passes or refuses with a ConfigError that names the file, never anything else; a file
that is not a regular file is refused, never silently replaced by the shipped one; and the app
(the import, for header_synonyms.yaml) refuses exactly what check refuses (the same words).

The bulk runs through the library, the way both load it (cli_data.cmd_check: config_dir,
load_bundle, check_keys, vocabulary; cli.cmd_ui and its first-page child: the same but
vocabulary, which only an import reads); a handful through the installed program, the app included. Hostile here: any
YAML type in any known key of settings.yaml and of the shipped files, huge and negative numbers,
unknown keys, deep nesting, aliases, tags, several documents, binary garbage, NUL, bytes that are
not UTF-8, UTF-16/32, 100,000-key files, and any of them as a folder, FIFO, device or link."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dialer_tui.config import DATA_DIR, ConfigError, Settings, config_dir
from dialer_tui.screens.binding_ids import check_keys
from dialer_tui.services.bundle import load_bundle
from dialer_tui.services.header_map import vocabulary

from ..conftest import HEAVY
from .conftest import exe, prospect_rows, seed_db, write_csv

EXAMPLES = 1500 if HEAVY else 300
SHIPPED = ("playbook.yaml", "cadences.yaml", "dispositions.yaml", "calling_rules.yaml",
           "header_synonyms.yaml")
KNOWN = sorted(Settings.model_fields)  # rep_name, region, calling_window, dial, keys, ...
SLOW_S = 20.0  # one case (a 100,000-key file is the slowest, a few seconds)
COUNTS: Counter[str] = Counter()  # reported at the end of the module (test_zz_report)

STRINGS = ["", " ", "\x00", "\x1b]52;c;SGVsbG8=\x07", "\u202eevil", "é" * 3, "09:00", "24:00",
           "25:99", "-1", "1e309", "nan", ".inf", "~", "null", "yes", "no", "on", "0x1F",
           "0o17", "1_000", "{e164}", "{0.__class__}", "$(rm -rf /)", "../../etc/passwd",
           "outcome.meeting_booked", "app.quit", "ctrl+q", "1", "x" * 5000, "US", "ZZ",
           "clipboard", "command", "tel", "none", "pigeon"]
NUMBERS = [0, -1, 1, -(2**63) - 1, 2**63, 2**64, 10**100, -(10**100), 3_000_000, 1441, 1440]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from(NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(STRINGS), st.dates(), st.datetimes(), st.binary(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(KNOWN), st.text(max_size=8), st.integers()),
                    inner, max_size=4)), max_leaves=10)
RAW = [  # whole files that are not YAML a loader can hand to a model
    b"\x00" * 64, b"\xff\xfe\x00\x00r\x00\x00\x00", b"\xef\xbb\xbf\xef\xbb\xbf", b"PK\x03\x04",
    "rep_name: Sam\n".encode("utf-16-le"), "rep_name: Sam\n".encode("utf-32"),
    b"\xfe\xff\x00r\xd8\x00", b"---\nrep_name: a\n---\nrep_name: b\n", b"- 1\n- 2\n",
    b"just a string", b"123", b"[]", b"{}", b"null", b"~", b"!!python/object/apply:os.system "
    b"['touch /tmp/pwned']", b"rep_name: !!python/name:os.system\n", b"rep_name: !custom x\n",
    b"keys: !!set {a, b}\n", b"rep_name: !!binary aGVsbG8=\n",
    b"a: &a [1, *a]\n", b"<<: {rep_name: x}\n", b"rep_name: x\nrep_name: y\n", b"rep_name: 'x\n",
    b"\tre p: x\n", b"%YAML 9.9\n---\nx: 1\n", b"%TAG ! tag:evil.com,2000:\n---\n!x y\n",
    # values that look like a YAML type but are not one: PyYAML raised ValueError & co. here
    b"rep_name: 2026-02-30\n", b"rep_name: !!int x\n", b"rep_name: !!float ._\n",
    b"callbacks_mine_only: !!bool maybe\n", b"rep_name: !!timestamp x\n",
    b"lease_minutes: " + b"9" * 5000 + b"\n"]


def laughs(depth: int) -> bytes:
    """The billion laughs: aliases that expand to 10**depth items if anything walks them."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, depth)]
    lines.append(f"dial: {{mode: command, command: *a{depth - 1}}}")
    return "\n".join(lines).encode()


def nested(depth: int, kind: str) -> bytes:
    if kind == "flow":
        return b"rep_name: " + b"[" * depth + b"]" * depth + b"\n"
    depth = min(depth, 2000)  # indented blocks grow with the square of the depth (4 MB here)
    return b"".join(b" " * i + b"k:\n" for i in range(depth)) + b" " * depth + b"x\n"


def many_keys(n: int, where: str) -> bytes:
    if where == "top":
        return "".join(f"k{i}: {i}\n" for i in range(n)).encode()
    return ("keys:\n" + "".join(f"  outcome.k{i}: '{i}'\n" for i in range(n))).encode()


@st.composite
def settings_files(draw) -> bytes:
    how = draw(st.sampled_from(["yaml"] * 6 + ["raw", "damaged", "deep", "laughs", "huge"]))
    event(f"settings.yaml: {how}")
    if how == "yaml":
        data = {k: draw(values) for k in draw(st.lists(st.sampled_from(KNOWN), unique=True,
                                                        max_size=5))}
        if draw(st.integers(0, 4)) == 0:
            data[draw(st.text(min_size=1, max_size=10))] = draw(values)  # an unknown key
        if draw(st.booleans()) and "dial" in data:
            data["dial"] = {"mode": draw(st.sampled_from(STRINGS)), "command": draw(values)}
        return yaml.safe_dump(data, allow_unicode=draw(st.booleans())).encode("utf-8")
    if how == "raw":
        return draw(st.one_of(st.sampled_from(RAW), st.binary(max_size=200)))
    if how == "damaged":
        good = yaml.safe_dump({"rep_name": "Sam", "region": "US",
                               "calling_window": ["09:00", "17:00"], "lease_minutes": 15}).encode()
        at = draw(st.integers(0, len(good)))
        junk = draw(st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\x1b[2J", b"\r", b"\t",
                                     b"\xe2\x80\xae", b'"', b"'", b"{", b"&", b"*", b"!"]))
        return good[:at] + junk + good[at:]
    if how == "deep":
        return nested(draw(st.sampled_from([50, 1000, 100_000])),
                      draw(st.sampled_from(["flow", "block"])))
    if how == "laughs":
        return laughs(draw(st.integers(2, 9)))
    # 100,000 keys cost seconds each: a couple in a default run, more under DIALER_TUI_HEAVY
    n = draw(st.sampled_from([100, 5000] * 20 + [100_000] * (4 if HEAVY else 1)))
    return many_keys(n, draw(st.sampled_from(["top", "keys"])))


def _paths(node, prefix=()):
    """Every key path in a parsed YAML tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


SHIPPED_TREES = {name: yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))
                 for name in SHIPPED}
SHIPPED_PATHS = {name: list(_paths(tree)) for name, tree in SHIPPED_TREES.items()}


@st.composite
def shipped_files(draw) -> tuple[str, bytes]:
    """A shipped file with one value anywhere in it replaced, or a key added or removed."""
    import copy

    name = draw(st.sampled_from(SHIPPED))
    tree = copy.deepcopy(SHIPPED_TREES[name])
    path = draw(st.sampled_from(SHIPPED_PATHS[name]))
    parent = tree
    for part in path[:-1]:
        parent = parent[part]
    how = draw(st.sampled_from(["replace"] * 4 + ["delete", "unknown key", "raw"]))
    event(f"{name}: {how}")
    if how == "raw":
        return name, draw(st.one_of(st.sampled_from(RAW), st.binary(max_size=100)))
    if how == "replace":
        parent[path[-1]] = draw(values)
    elif how == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
    else:
        parent.append(draw(values))
    return name, yaml.safe_dump(tree, allow_unicode=True).encode("utf-8")


KINDS = ["folder", "fifo", "dangling", "loop", "devnull", "devzero", "link to file"]
NAMES = ("settings.yaml", *SHIPPED)


@st.composite
def config_folders(draw):
    files: dict[str, bytes] = {}
    if draw(st.integers(0, 3)):
        files["settings.yaml"] = draw(settings_files())
    for _ in range(draw(st.integers(0 if files else 1, 2))):
        name, data = draw(shipped_files())
        files[name] = data
    # one of the files may be something other than a regular file
    kind = draw(st.sampled_from(["file"] * 12 + KINDS))
    odd = draw(st.sampled_from([*files, *NAMES]))
    event(f"{odd} is a {kind}")
    return files, kind, odd


def build(root: Path, files: dict[str, bytes], kind: str = "file", odd: str = "") -> Path:
    cfg = root / "cfg"
    cfg.mkdir(parents=True)
    for name, data in files.items():
        (cfg / name).write_bytes(data)
    if kind == "file":
        return cfg
    target = cfg / odd
    target.unlink(missing_ok=True)
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)  # reading it would block for ever
    elif kind == "dangling":
        target.symlink_to(root / "nowhere.yaml")
    elif kind == "loop":
        target.symlink_to(target)
    elif kind == "devnull":
        target.symlink_to("/dev/null")
    elif kind == "devzero":
        target.symlink_to("/dev/zero")  # reading it would never end
    else:  # a link to a regular file is a file: read as if it were here
        (root / "elsewhere.yaml").write_bytes(files.get(odd, b""))
        target.symlink_to(root / "elsewhere.yaml")
    return cfg


def check_outcome(cfg: Path, *, for_app: bool = False) -> str:
    """'ok', or the ConfigError's message: what `check` (or the app, for_app) says."""
    try:
        folder = config_dir(str(cfg))
        bundle = load_bundle(folder)
        check_keys(bundle)
        if not for_app:
            vocabulary(folder)
    except ConfigError as exc:
        return str(exc)
    return "ok"


def assert_sound(cfg: Path, files: dict[str, bytes], kind: str = "file", odd: str = "",
                 app: bool = True) -> str:
    """check passes, or refuses naming the file; whatever is not a regular file is refused; the
    app refuses what check refuses, with the same words. Returns what check said."""
    started = time.monotonic()
    said = check_outcome(cfg)  # anything but a ConfigError fails the test here
    took = time.monotonic() - started
    COUNTS["cases"] += 1
    assert took < SLOW_S, (took, kind, odd, {k: v[:80] for k, v in files.items()})
    if said == "ok":
        COUNTS["passed check"] += 1
        # not silently replaced by the shipped file (an empty file, or /dev/null, is "no file")
        assert kind in ("file", "link to file"), (kind, odd)
        return said
    COUNTS["refused"] += 1
    named = [name for name in NAMES if said.startswith(f"{cfg / name}:")]
    assert named, said  # the message starts with the file it is about
    assert named[0] in files or named[0] == odd, (kind, odd, said)  # a file we broke
    if app and named[0] != "header_synonyms.yaml":  # only an import reads that one
        assert check_outcome(cfg, for_app=True) == said
    return said


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example, HealthCheck.filter_too_much])
@given(config_folders())
def test_check_passes_or_names_the_file_and_the_app_agrees(case):
    files, kind, odd = case
    with tempfile.TemporaryDirectory(prefix="cfgfuzz-") as tmp:
        cfg = build(Path(tmp), files, kind, odd)
        said = assert_sound(cfg, files, kind, odd)
        event("check: ok" if said == "ok" else
              "check refused " + said.removeprefix(f"{cfg}/").split(":")[0])


# Every listed hostile file, not only those the generator happens to draw: each as
# settings.yaml and as each shipped file; and each file name as each thing that is not a file.
LISTED = [*RAW, laughs(9), nested(100_000, "flow"), nested(2000, "block"),
          many_keys(5000, "top"), many_keys(5000, "keys")]


@pytest.mark.parametrize("name", NAMES)
def test_every_listed_hostile_file_in_every_place(name, tmp_path):
    for n, data in enumerate(LISTED):
        assert_sound(build(tmp_path / str(n), {name: data}), {name: data})
    for kind in KINDS:
        assert_sound(build(tmp_path / kind, {}, kind, name), {}, kind, name)


def test_a_100000_key_settings_file_is_refused_in_seconds(tmp_path):
    """(200,000 keys once took 61 s to check.)"""
    n = 200_000 if HEAVY else 100_000
    for where in ("top", "keys") if HEAVY else ("top",):
        data = many_keys(n, where)
        assert_sound(build(tmp_path / where, {"settings.yaml": data}), {"settings.yaml": data},
                     app=False)  # the app's loading is the same, and takes as long again


def _cadences_with(value) -> bytes:
    import copy

    tree = copy.deepcopy(SHIPPED_TREES["cadences.yaml"])
    tree["unresponsive_recycle_days"] = value
    return yaml.safe_dump(tree).encode()


THROUGH_THE_PROGRAM = [  # (file, what is in it, what it is): refused by check and by the app
    ("settings.yaml", b"rep_name: Sam\nregion: 2026-02-30\n", "file"),
    ("settings.yaml", laughs(9), "file"),
    ("settings.yaml", b"", "fifo"),
    ("settings.yaml", b"keys: {outcome.no_answer: '1'}\n", "file"),
    ("playbook.yaml", b"", "folder"),
    ("calling_rules.yaml", b"", "devzero"),
    ("dispositions.yaml", b"\xff\xfe\x00\x00r\x00\x00\x00", "file"),
    ("cadences.yaml", _cadences_with(10**100), "file"),
    ("header_synonyms.yaml", b"fields: !!int x\n", "file"),  # read by import, not the app
]


@pytest.mark.needs("exe")
def test_the_installed_program_refuses_in_one_line_check_and_app_alike(tmp_path):
    seeded = tmp_path / "seeded.db"
    csv = write_csv(tmp_path / "seed.csv", prospect_rows("Fz", 3))
    seed_db(seeded, csv)
    cases = THROUGH_THE_PROGRAM + ([("settings.yaml", many_keys(100_000, "top"), "file")]
                                   if HEAVY else [])

    def program(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([exe(), *args], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)

    for n, (name, data, kind) in enumerate(cases):
        files = {} if kind != "file" else {name: data}
        cfg = build(tmp_path / f"case{n}", files, kind, name)
        said = check_outcome(cfg)
        assert said.startswith(f"{cfg / name}:"), said
        fresh = tmp_path / f"case{n}" / "never-created.db"
        with ThreadPoolExecutor(2) as pool:  # side by side: half the wait
            check = pool.submit(program, "--db", str(fresh), "--config", str(cfg), "check")
            user = (pool.submit(program, "--db", str(seeded), "--config", str(cfg), "import",
                                str(csv)) if name == "header_synonyms.yaml" else
                    pool.submit(program, "--db", str(seeded), "--config", str(cfg)))
            check, user = check.result(), user.result()
        COUNTS["through the program"] += 1
        for proc in (check, user):
            assert proc.returncode == 2, (name, kind, proc.returncode, proc.stderr[-300:])
            assert proc.stderr.startswith(f"dialer-tui: error: {cfg / name}:"), proc.stderr
            assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert check.stderr == user.stderr
        assert not fresh.exists()


def test_zz_report():
    """The counts, for the run's log (pytest -s shows them; they are asserted too)."""
    print(f"\nconfig fuzz: {dict(COUNTS)}")
    if COUNTS:
        assert COUNTS["cases"] == COUNTS["passed check"] + COUNTS["refused"]
