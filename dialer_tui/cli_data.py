"""The commands that move data in and out of the store and check it: import (a CSV of
prospects), export (prospects, touches, callbacks, crm-calls), dnc (the do-not-call list), stats
(how the calling went) and check (the config and data files). Run through dialer_tui.cli (main,
build_parser), which imports this module only when one of these commands runs.

Heavy modules are imported inside the commands, as in cli.py: importing this module loads neither
SQLAlchemy nor Textual."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from dialer_tui.cli import EXIT_OK, _bundle, _cfg, _engine, _json, _out, _session
from dialer_tui.cli_values import column_map, parse_instant
from dialer_tui.errors import InputError as UsageError
from dialer_tui.screens.binding_ids import check_keys  # light until called


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
    from dialer_tui.domain.calling_hours import rules_warnings
    from dialer_tui.services.bundle import load_bundle, rules_problems
    from dialer_tui.services.header_map import vocabulary

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
