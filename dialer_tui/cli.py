"""dialer-tui: a keyboard-first cockpit for working a phone list, and its command line.

The contract scripts rely on is docs/product-rules.md, *Command line*. Exit codes: 0 ok, 2 bad
input or config, 1 other.

Heavy modules are imported inside the commands so that `dialer-tui lookup` does not pay for
Textual, and the cockpit does not pay for the importer.

Here: the parser, main(), the helpers every command shares, and the cockpit's own commands (ui,
the default, and demo). The other commands are in cli_calling.py (queue, next, why, log,
history, lookup) and cli_data.py (import, export, dnc, stats, check), imported only when one of
them runs; the values they take are read by cli_values.py."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


from dialer_tui.cli_values import (  # noqa: E402
    PROSPECT_ID,
    bounded,
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


def _engine(args, *, migrate: bool = True):
    from dialer_tui.store.engine import make_engine

    return make_engine(args.db, migrate=migrate)


def _engine_after_first_frame(args):
    """The cockpit's engine when the CLI's child has opened the store: the child brought its
    schema up to date a moment ago (services/first_page.py), so this one is made without the
    upgrade check and connects to nothing (create_engine is lazy). It is made on the UI thread,
    right after the first frame: a database gone away meanwhile is then a worker's error, said
    in the header, not a screen frozen up to the 10 s connect timeout."""
    return _engine(args, migrate=False)


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
            app = DialerApp(open_engine=lambda: _engine_after_first_frame(args),
                            first_reader=first_reader, bundle=bundle, rep=rep)
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


# ---- parser -----------------------------------------------------------------------------


def _deferred(where: str) -> Callable[[Any], int]:
    """The command `where` ("cli_data.cmd_import"), imported when it runs: building the parser,
    for `--help` or the cockpit's cold start, loads none of the other commands' modules."""
    module, _, name = where.rpartition(".")

    def run(args) -> int:
        from importlib import import_module

        return getattr(import_module(f"dialer_tui.{module}"), name)(args)
    return run


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
    sp = add("import", _deferred("cli_data.cmd_import"), "import prospects from a CSV export",
             at="the prospects arrived at")
    sp.add_argument("csv")
    sp.add_argument("--region", default="US", help="default country for numbers (ISO code)")
    sp.add_argument("--dry-run", action="store_true")
    sp.add_argument("--rejects", default=None, help="write rejected rows to this CSV")
    sp.add_argument("--map", default=None,
                    help="map headers by hand: 'Correo=email,Nombre=full_name' (wins)")
    sp.add_argument("--json", action="store_true")
    sp = add("export", _deferred("cli_data.cmd_export"),
             "export prospects, touches, callbacks or crm-calls",
             at="the calendar file is stamped with")
    sp.add_argument("what", choices=["prospects", "touches", "callbacks", "crm-calls"])
    sp.add_argument("path")
    sp.add_argument("--for", dest="fmt", choices=["crm", "spreadsheet"], default=None,
                    help="who opens the CSV first: crm leaves cells that are exactly an E.164 "
                    "number bare, spreadsheet prefixes them with ' as it does every cell that "
                    "starts with = + - @ (default: crm for crm-calls, else spreadsheet)")
    for name, func, text in (("queue", _deferred("cli_calling.cmd_queue"), "who to call now"),
                             ("why", _deferred("cli_calling.cmd_why"),
                              "the callable-now verdict and its reasons")):
        sp = add(name, func, text, at="to judge at")
        if name == "why":
            sp.add_argument("prospect_id", type=PROSPECT_ID)
        if name == "queue":
            sp.add_argument("--limit", type=bounded(1, 10_000, "--limit"), default=50)
        sp.add_argument("--json", action="store_true")
    sp = add("next", _deferred("cli_calling.cmd_next"), "claim the next prospect (team mode)",
             at="to claim at")
    sp.add_argument("--rep", required=True)
    sp.add_argument("--lease-minutes", type=bounded(1, 24 * 60, "--lease-minutes"),
                    default=None)
    sp.add_argument("--json", action="store_true")
    sp = add("log", _deferred("cli_calling.cmd_log"), "log an outcome", at="the touch happened at")
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
    sp = add("history", _deferred("cli_calling.cmd_history"), "a prospect's touch history",
             at="to judge at")
    sp.add_argument("prospect_id", type=PROSPECT_ID)
    sp.add_argument("--json", action="store_true")
    sp = add("lookup", _deferred("cli_calling.cmd_lookup"),
             "find a prospect by phone (any format), name or company")
    sp.add_argument("query")
    sp.add_argument("--json", action="store_true")
    sp = add("stats", _deferred("cli_data.cmd_stats"), "how the calling went",
             at="to count open follow-ups at")
    sp.add_argument("--since", default=None)
    sp.add_argument("--json", action="store_true")
    sp = add("dnc", _deferred("cli_data.cmd_dnc"), "the do-not-call list")
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
    add("check", _deferred("cli_data.cmd_check"), "validate the config and data files",
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
