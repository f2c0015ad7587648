"""dialer-tui: a keyboard-first cockpit for working a phone list, and its command line.

The contract scripts rely on is docs/product-rules.md, *Command line*. Exit codes: 0 ok, 2 bad
input or config, 1 other.

Heavy modules are imported inside the commands so that `dialer-tui lookup` does not pay for
Textual, and the cockpit does not pay for the importer."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


from dialer_tui.cli_values import (  # noqa: E402
    PROSPECT_ID,
    bounded,
    column_map,
    parse_instant,
    where,
)
from dialer_tui.errors import InputError as UsageError  # noqa: E402
from dialer_tui.screens.binding_ids import check_keys  # noqa: E402 - light until called
from dialer_tui.text_safety import json_text, visible  # noqa: E402


def _out(text: str = "") -> None:
    """Every line of text output: untrusted text in it (names, notes, another rep's name, a
    list's source, a path) is shown, never acted on by the terminal."""
    sys.stdout.write(visible(text) + "\n")


def _json(obj: Any) -> None:
    sys.stdout.write(json_text(json.dumps(obj, ensure_ascii=False, indent=None, default=str))
                     + "\n")


def _engine(args):
    from dialer_tui.store.engine import make_engine

    return make_engine(args.db)


def _cfg(args) -> Path | None:
    from dialer_tui.config import config_dir

    return config_dir(args.config)


def _settings(args):
    from dialer_tui.config import load_settings

    return load_settings(_cfg(args))


def _bundle(args):
    from dialer_tui.services.bundle import load_bundle

    return load_bundle(_cfg(args))


def _session(engine, *, read: bool = False):
    from sqlmodel import Session

    from dialer_tui.store.engine import reader

    return Session(reader(engine) if read else engine, expire_on_commit=False)


# ---- commands ---------------------------------------------------------------------------


def cmd_ui(args) -> int:
    from dialer_tui.gc_pause import pause_gc

    pause_gc()  # until the first frame (DialerApp.started); see gc_pause.py
    from dialer_tui.clock import system_now
    from dialer_tui.services.first_page import FirstPageReader

    # A child process opens the store and reads the first screenful while this one loads the
    # config and the UI (services/first_page.py): it waits for go(), a config found good. If it
    # cannot, the store is opened here, the way it always was, errors and all.
    first_reader = FirstPageReader.start(db=args.db, config=args.config, at=system_now(),
                                         rep=args.rep or "")
    try:
        bundle = _bundle(args)  # refuse to start on a broken file, before the UI,
        check_keys(bundle)  # as `dialer-tui check` does
        if first_reader is not None:
            first_reader.go()
        from dialer_tui.app import DialerApp

        rep = args.rep or bundle.settings.rep_name
        if first_reader is not None and first_reader.opened():
            app = DialerApp(open_engine=lambda: _engine(args), first_reader=first_reader,
                            bundle=bundle, rep=rep)
        else:
            app = DialerApp(engine=_engine(args), bundle=bundle, rep=rep)
    except BaseException:
        if first_reader is not None:
            first_reader.close()
        raise
    return _run_app(app)


def cmd_demo(args) -> int:
    from dialer_tui.gc_pause import pause_gc

    pause_gc()  # until the first frame (DialerApp.started); see gc_pause.py
    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.services.demo import demo_bundle, demo_rep, seed_demo
    from dialer_tui.store.engine import demo_db_path, make_engine

    bundle = demo_bundle(load_bundle(_cfg(args)))
    check_keys(bundle)
    db = args.demo_db or demo_db_path()
    engine = make_engine(db)
    seeded = seed_demo(engine, bundle, now=parse_instant(args.at))
    if args.seed_only:
        _out(f"demo database {db}: {seeded} prospects seeded" if seeded
             else f"demo database {db} already has data")
        return EXIT_OK
    from dialer_tui.app import DialerApp

    return _run_app(DialerApp(engine=engine, bundle=bundle, rep=demo_rep(bundle)))


def _run_app(app) -> int:
    """Run the cockpit; after an unexpected error in it, one line (DialerApp.crash_line, the
    details in the crash log) once the terminal is back, and exit 1."""
    app.run()
    if app.crash_line:
        sys.stderr.write(app.crash_line + "\n")
    return app.return_code or EXIT_OK


def cmd_import(args) -> int:
    from dialer_tui.services.header_map import vocabulary
    from dialer_tui.services.importer import import_csv

    mapping, vocab = column_map(args.map), vocabulary(_cfg(args))
    engine = _engine(args)
    progress = None
    if sys.stderr.isatty() and not args.json:
        def progress(done: int, total: int) -> None:
            sys.stderr.write(f"\rimporting {done:,}/{total:,} rows")
            sys.stderr.flush()
    result = import_csv(engine, Path(args.csv), region=args.region.upper(), dry_run=args.dry_run,
                        rejects_path=Path(args.rejects) if args.rejects else None,
                        progress=progress, source=Path(args.csv).name,
                        now=parse_instant(args.at), column_map=mapping, vocab=vocab)
    if progress:
        sys.stderr.write("\n")
    if args.json:
        _json(result.report())
    else:
        _out(f"{'would import' if args.dry_run else 'imported'} {result.imported}, "
             f"merged {result.merged}, rejected {result.rejected}")
        _out("columns:")
        for line in result.mapping_lines():
            _out(line)
        for w in result.warnings[:20]:
            _out(f"  warning: {w}")
        if len(result.warnings) > 20:
            _out(f"  ... and {len(result.warnings) - 20} more warnings")
        for r in result.rejects[:20]:
            _out(f"  rejected row {r.row}: {r.reason}")
    return EXIT_OK


def cmd_export(args) -> int:
    path = Path(args.path)
    # Who opens the file first: a CRM's importer wants E.164 numbers bare, a spreadsheet needs
    # them prefixed (services/exporter.py). crm-calls is for a CRM; the others for either.
    fmt = args.fmt or ("crm" if args.what == "crm-calls" else "spreadsheet")
    if args.fmt and args.what == "callbacks":
        raise UsageError("export callbacks: --for applies to the prospects, touches and "
                         "crm-calls CSVs")
    cfg = _cfg(args)  # a mistyped --config is an error here too, not silently the defaults
    engine = _engine(args)
    if args.what == "prospects":
        from dialer_tui.services.exporter import export_prospects
        n = export_prospects(engine, path, fmt)
    elif args.what == "touches":
        from dialer_tui.services.exporter import export_touches
        n = export_touches(engine, path, fmt)
    elif args.what == "crm-calls":  # touches shaped like a HubSpot calls import
        from dialer_tui.services.bundle import load_dispositions
        from dialer_tui.services.crm_export import export_crm_calls
        # the user's outcomes and their `crm:` words, not only the shipped ones
        n = export_crm_calls(engine, path, load_dispositions(cfg), fmt=fmt)
    else:
        from dialer_tui.services.calendar import export_callbacks
        n = export_callbacks(engine, path, _bundle(args), now=parse_instant(args.at))
    _out(f"wrote {n} {args.what} to {path}")
    return EXIT_OK


def cmd_queue(args) -> int:
    from dialer_tui.services.queue import build_queue

    bundle, engine, at = _bundle(args), _engine(args), parse_instant(args.at)
    with _session(engine, read=True) as s:
        items = build_queue(s, bundle, at=at, limit=args.limit, rep=args.rep or "")
    if args.json:
        _json([i.to_json() for i in items])
        return EXIT_OK
    if not items:
        _out("nothing to call right now")
    for i in items:
        _out(f"{i.prospect_id:>7}  {i.reason:<9} {i.local_time:%a %H:%M} {i.verdict.time_zone:<22}"
             f" {i.phone or i.channel:<16} {i.name} ({i.company}) - {i.detail}")
    return EXIT_OK


def cmd_next(args) -> int:
    from dialer_tui.services.queue import claim_next

    bundle, engine, at = _bundle(args), _engine(args), parse_instant(args.at)
    with _session(engine) as s:
        item = claim_next(s, bundle, rep=args.rep, at=at, lease_minutes=args.lease_minutes)
    if args.json:
        _json(item.to_json() if item else None)
    elif item is None:
        _out("nothing to call right now")
    else:
        _out(f"{item.prospect_id} {item.name} {item.phone} ({item.reason})")
    return EXIT_OK


def cmd_why(args) -> int:
    from dialer_tui.services.queue import explain

    bundle, engine, at = _bundle(args), _engine(args), parse_instant(args.at)
    with _session(engine, read=True) as s:
        try:
            ex = explain(s, bundle, prospect_id=args.prospect_id, at=at)
        except LookupError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        _json(ex.to_json())
        return EXIT_OK
    _out(f"prospect {ex.prospect_id}: {'callable now' if ex.callable else 'not callable now'}"
         f"{'' if ex.due or not ex.callable else ' (but not due)'}")
    for r in ex.reasons:
        _out(f"  - {r}")
    if ex.next_allowed and not ex.callable:
        _out(f"  next allowed: {ex.next_allowed.isoformat(timespec='minutes')}")
    return EXIT_OK


def cmd_log(args) -> int:
    from dialer_tui.services.calling import OutcomeError, log_outcome

    bundle, engine, at = _bundle(args), _engine(args), parse_instant(args.at)
    with _session(engine) as s:
        try:
            logged = log_outcome(s, bundle, prospect_id=args.prospect_id, outcome=args.outcome,
                                 at=at, phone=args.phone, note=args.note or "",
                                 callback=args.when, rep=args.rep or bundle.settings.rep_name,
                                 override=args.override or "")
        except OutcomeError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        _json(logged.to_json())
        return EXIT_OK
    _out(f"logged {logged.outcome} for prospect {logged.prospect_id} (touch {logged.touch_id})"
         + (f"; next: {logged.next_label}" if logged.next_label else ""))
    for note in logged.read_as:
        _out(f"  read: {note}")
    for w in logged.warnings:
        _out(f"  warning: {w}")
    return EXIT_OK


def cmd_history(args) -> int:
    from dialer_tui.services.review import history

    bundle, engine = _bundle(args), _engine(args)
    with _session(engine, read=True) as s:
        h = history(s, bundle, prospect_id=args.prospect_id, at=parse_instant(args.at))
    if h is None:
        raise UsageError(f"no prospect with id {args.prospect_id}")
    if args.json:
        _json(h.to_json())
        return EXIT_OK
    for line in h.lines():
        _out(line)
    return EXIT_OK


def cmd_lookup(args) -> int:
    from dialer_tui.services.review import lookup

    engine = _engine(args)
    with _session(engine, read=True) as s:
        matches = lookup(s, text=args.query, region=_settings(args).region)
    if args.json:
        _json(matches)
        return EXIT_OK
    if not matches:
        _out("no match")
    for m in matches:
        _out(f"{m['prospect_id']:>7}  {m['name']} ({m['company']})  "
             + ", ".join(p["phone"] for p in m["phones"]))
    return EXIT_OK


def cmd_dnc(args) -> int:
    from dialer_tui.services import dnc

    engine = _engine(args)
    at = parse_instant(getattr(args, "at", None))
    if args.dnc_cmd == "add":
        entry = dnc.add_number(engine, args.phone, reason=args.reason or "", at=at,
                               region=args.region)
        _out(f"added {entry} to the do-not-call list")
    elif args.dnc_cmd == "import":
        downloaded = None
        if args.downloaded:
            try:
                downloaded = date.fromisoformat(args.downloaded)
            except ValueError:
                raise UsageError(f"dnc import: --downloaded {args.downloaded!r} is not a day "
                                 "as YYYY-MM-DD") from None
            if not args.source:  # the name is what a newer copy replaces
                raise UsageError("dnc import: --downloaded needs --source NAME (the registry "
                                 "list's name, the same for every copy of it)")
        done = dnc.import_list(engine, Path(args.csv), source=args.source or Path(args.csv).name,
                               at=at, region=args.region, downloaded=downloaded,
                               rejects_path=Path(args.rejects) if args.rejects else None)
        if args.json:
            _json(done.to_json())
            return EXIT_OK
        _out(f"added {done.added}, removed {done.removed}, already listed {done.kept}, "
             f"rejected {len(done.rejected)}")
        if done.lists:
            shown = ", ".join(done.lists[:10]) + (" ..." if len(done.lists) > 10 else "")
            _out(f"registry copy of {downloaded} now held for: {shown}")
        for line, _, why in done.rejected[:5 if not args.rejects else 0]:
            _out(f"  rejected line {line}: {why}")
        if done.rejected and not args.rejects:
            _out(f"  ({len(done.rejected)} rejected rows: --rejects FILE lists them all)")
    elif args.dnc_cmd == "export":
        n = dnc.export_list(engine, Path(args.path))
        _out(f"wrote {n} entries to {args.path}")
    else:
        rows = dnc.list_entries(engine)
        if args.json:
            _json(rows)
        for r in rows if not args.json else []:
            _out(f"{r['created_at']}  {r['phone'] or 'person ' + str(r['prospect_id'])}  "
                 f"{r['source']}  {r['reason']}")
    return EXIT_OK


def cmd_stats(args) -> int:
    from dialer_tui.services.bundle import load_dispositions
    from dialer_tui.services.stats import compute_stats

    # The user's outcomes say what a meeting or a callback is (and a mistyped --config is an
    # error, not the shipped file).
    dispositions = load_dispositions(_cfg(args))
    engine = _engine(args)
    since = parse_instant(args.since, "--since") if args.since else None
    now = parse_instant(args.at)
    with _session(engine, read=True) as s:
        st = compute_stats(s, since=since, now=now, dispositions=dispositions)
    if args.json:
        _json(st)
        return EXIT_OK
    from dialer_tui.services.stats_report import report_lines

    for line in report_lines(st, now):
        _out(line)
    return EXIT_OK


def _registry_warnings(args, today) -> list[str]:
    """Stale do-not-call registry copies in the store; nothing for a store not made yet (check
    never creates one) or one that cannot be read (said as a warning: the files are still
    checked)."""
    from dialer_tui.services.dnc import stale_lists, stale_warning
    from dialer_tui.store.engine import resolve_url

    url = resolve_url(args.db)
    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        database = make_url(url).database
        if not database or database == ":memory:" or not Path(database).exists():
            return []
    try:
        warning = stale_warning(stale_lists(_engine(args), today), today)
    except Exception as exc:  # a server away, a store that cannot be opened: say, go on
        return [f"the store's registry copies could not be read ({type(exc).__name__})"]
    return [warning] if warning else []


def cmd_check(args) -> int:
    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.services.header_map import vocabulary

    from dialer_tui.domain.calling_hours import rules_warnings
    from dialer_tui.services.bundle import rules_problems

    cfg = _cfg(args)
    bundle = load_bundle(cfg)
    check_keys(bundle)
    vocabulary(cfg)  # header_synonyms.yaml
    # Dated data goes stale: warnings (exit 0), judged on the clock or --at, never on a guess.
    today = parse_instant(args.at).date()
    for line in rules_warnings(bundle.rules, today) + rules_problems(bundle) + \
            _registry_warnings(args, today):
        _out(f"warning: {line}")
    _out("ok: playbook, cadences, dispositions, calling rules, header synonyms and settings "
         f"are valid (config dir {cfg})")
    return EXIT_OK


# ---- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dialer-tui", description=__doc__.splitlines()[0])
    p.add_argument("--db", default=None, help="database path or URL (env DIALER_TUI_DB)")
    p.add_argument("--config", default=None, help="config dir or file (env DIALER_TUI_CONFIG)")
    p.add_argument("--rep", default="", help="your name (team mode); default from settings")
    p.set_defaults(func=cmd_ui)
    sub = p.add_subparsers(dest="command")

    def add(name: str, func: Callable, help: str, at: str = "") -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.set_defaults(func=func)
        if at:  # the clock is an input: a script or a test places a whole scenario in time
            sp.add_argument("--at", default=None, help=f"ISO 8601 instant {at} (default now)")
        return sp

    sp = add("demo", cmd_demo, "open the cockpit on a separate demo database",
             at="the demo's history leads up to")
    sp.add_argument("--db", dest="demo_db", default=None, help="demo database path")
    sp.add_argument("--seed-only", action="store_true", help="seed it and exit")
    sp = add("import", cmd_import, "import prospects from a CSV export",
             at="the prospects arrived at")
    sp.add_argument("csv")
    sp.add_argument("--region", default="US", help="default country for numbers (ISO code)")
    sp.add_argument("--dry-run", action="store_true")
    sp.add_argument("--rejects", default=None, help="write rejected rows to this CSV")
    sp.add_argument("--map", default=None,
                    help="map headers by hand: 'Correo=email,Nombre=full_name' (wins)")
    sp.add_argument("--json", action="store_true")
    sp = add("export", cmd_export, "export prospects, touches, callbacks or crm-calls",
             at="the calendar file is stamped with")
    sp.add_argument("what", choices=["prospects", "touches", "callbacks", "crm-calls"])
    sp.add_argument("path")
    sp.add_argument("--for", dest="fmt", choices=["crm", "spreadsheet"], default=None,
                    help="who opens the CSV first: crm leaves cells that are exactly an E.164 "
                    "number bare, spreadsheet prefixes them with ' as it does every cell that "
                    "starts with = + - @ (default: crm for crm-calls, else spreadsheet)")
    for name, func, text in (("queue", cmd_queue, "who to call now"),
                             ("why", cmd_why, "the callable-now verdict and its reasons")):
        sp = add(name, func, text, at="to judge at")
        if name == "why":
            sp.add_argument("prospect_id", type=PROSPECT_ID)
        if name == "queue":
            sp.add_argument("--limit", type=bounded(1, 10_000, "--limit"), default=50)
        sp.add_argument("--json", action="store_true")
    sp = add("next", cmd_next, "claim the next prospect (team mode)", at="to claim at")
    sp.add_argument("--rep", required=True)
    sp.add_argument("--lease-minutes", type=bounded(1, 24 * 60, "--lease-minutes"),
                    default=None)
    sp.add_argument("--json", action="store_true")
    sp = add("log", cmd_log, "log an outcome", at="the touch happened at")
    sp.add_argument("prospect_id", type=PROSPECT_ID)
    sp.add_argument("outcome")
    sp.add_argument("--phone", default=None)
    sp.add_argument("--note", default=None)
    # --callback: the option's first name, kept so that existing scripts still work.
    sp.add_argument("--when", "--callback", dest="when", default=None, metavar="WHEN",
                    help="the time agreed (callback_requested), in plain words read in the "
                    "prospect's zone relative to --at: 'thu 9am', 'jan 20 9am', '1/20' "
                    "(month/day when the settings' region is US or CA, else day/month), "
                    "'2027-01-20 09:00', 'tomorrow 14:30', 'in 2 days', 'wed next week', "
                    "'next wed', 'at 3'; moved into calling hours with a warning")
    sp.add_argument("--override", default=None,
                    help="why a call outside the rules was made anyway (recorded on the touch)")
    sp.add_argument("--json", action="store_true")
    sp = add("history", cmd_history, "a prospect's touch history", at="to judge at")
    sp.add_argument("prospect_id", type=PROSPECT_ID)
    sp.add_argument("--json", action="store_true")
    sp = add("lookup", cmd_lookup, "find a prospect by phone (any format), name or company")
    sp.add_argument("query")
    sp.add_argument("--json", action="store_true")
    sp = add("stats", cmd_stats, "how the calling went", at="to count open follow-ups at")
    sp.add_argument("--since", default=None)
    sp.add_argument("--json", action="store_true")
    sp = add("dnc", cmd_dnc, "the do-not-call list")
    dsub = sp.add_subparsers(dest="dnc_cmd", required=True)
    d = dsub.add_parser("add")
    d.add_argument("--at", default=None, help="ISO 8601 instant of the request (default now)")
    d.add_argument("phone")
    d.add_argument("--reason", default="")
    d.add_argument("--region", default="US")
    d = dsub.add_parser("import")
    d.add_argument("--at", default=None, help="ISO 8601 instant of the list (default now)")
    d.add_argument("csv")
    d.add_argument("--source", default="", help="the list's name (default the file name)")
    d.add_argument("--region", default="US")
    d.add_argument("--downloaded", default=None,
                   help="YYYY-MM-DD: a registry copy downloaded that day; it replaces the "
                        "older copy of the same --source (numbers no longer listed removed)")
    d.add_argument("--rejects", default=None, help="CSV file for rows without a number")
    d.add_argument("--json", action="store_true")
    d = dsub.add_parser("export")
    d.add_argument("path")
    d = dsub.add_parser("list")
    d.add_argument("--json", action="store_true")
    add("check", cmd_check, "validate the config and data files",
        at="to judge the dated rules at (holiday lists running out, an old as_of)")
    return p


def main(argv: list[str] | None = None) -> int:
    for arg in sys.argv[1:] if argv is None else argv:
        try:  # bytes that are not UTF-8 arrive as lone surrogates: say so, not a traceback
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            sys.stderr.write(visible(f"dialer-tui: error: argument {shown!r} is not valid "
                                     "UTF-8 text") + "\n")
            return EXIT_BAD_INPUT
    args = build_parser().parse_args(argv)
    from dialer_tui.errors import ConfigError, StoreError

    # UsageError (errors.InputError) also covers the importer's CsvInputError and the
    # outcome and export errors, without importing those modules here.
    bad_input = (UsageError, ConfigError, StoreError)
    try:
        if getattr(args, "config", None):  # a mistyped --config is an error for every command,
            _cfg(args)  # also those that read no config (lookup, dnc), never silently ignored
        code = args.func(args)
        sys.stdout.flush()  # here, where a closed pipe or a full disk is still ours to report
        return code
    except bad_input as exc:
        sys.stderr.write(visible(f"dialer-tui: error: {exc}") + "\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `dialer-tui queue | head -1`: the reader has all it wanted
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a pipe's writer killed by SIGPIPE
    except OSError as exc:  # a full disk, a closed stdout, a file that cannot be written
        place = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(visible(f"dialer-tui: error: {place}{exc.strerror or exc}") + "\n")
        return EXIT_FAIL
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback, for the user
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            # The driver's own words (not the statement, whose parameters are prospect data),
            # and where: the file, or the URL without its password.
            said = str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"]
            if "readonly database" in said[0]:  # a read-only store reads; this command writes
                sys.stderr.write(visible(f"dialer-tui: error: {where(args.db)} is read-only "
                                         "(the file or its folder cannot be written); "
                                         f"'{args.command}' needs to write to it") + "\n")
                return EXIT_FAIL
            sys.stderr.write(visible(f"dialer-tui: database error at {where(args.db)}: "
                                     f"{said[0]}") + "\n")
            return EXIT_FAIL
        from dialer_tui.crash_log import report

        # Unexpected: one line here, the details (redacted, no local variables) in the log.
        sys.stderr.write(report(exc, f"'{args.command or 'dialer-tui'}'") + "\n")
        return EXIT_FAIL
