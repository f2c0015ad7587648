"""The commands that work the list, from a script or a shell: who to call now (queue), claiming
the next one (next), why one is or is not callable (why), logging an outcome (log), a prospect's
history (history) and finding one (lookup). Run through dialer_tui.cli (main, build_parser), which
imports this module only when one of these commands runs.

Heavy modules are imported inside the commands, as in cli.py: importing this module loads neither
SQLAlchemy nor Textual."""

from __future__ import annotations

from dialer_tui.cli import EXIT_OK, _bundle, _engine, _json, _out, _session, _settings
from dialer_tui.cli_values import parse_instant
from dialer_tui.errors import InputError as UsageError


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
