"""`dialer-tui stats` for a person: compute_stats' dict as a few aligned lines.

The dict itself is the stable contract (`stats --json`, services/stats.py); this only reads it.
The reference rate is the seeds' 1 in 7 (stats.REFERENCE_CONNECT_RATE)."""

from __future__ import annotations

from datetime import datetime, timezone

BEST_HOURS = 3  # the few hours worth moving calls to; more reads as a table


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _period(st: dict, now: datetime) -> str:
    since = st.get("since")
    start = (f"since {datetime.fromisoformat(since.replace('Z', '+00:00')):%a %d %b %Y %H:%M} UTC"
             if since else "every touch on record")
    return f"{start}, as of {now.astimezone(timezone.utc):%a %d %b %Y %H:%M} UTC"


def _best_hours(slots: list[dict]) -> str:
    """The prospects' local hours with the best connect rate (ties: more connects first)."""
    ranked = sorted((s for s in slots if s["connects"]),
                    key=lambda s: (-s["rate"], -s["connects"], s["hour"]))[:BEST_HOURS]
    if not ranked:
        return "none yet (no connects)"
    return ", ".join(f"{s['hour']:02d}:00 ({s['connects']} of {s['dials']})" for s in ranked) \
        + " in their time"


def report_lines(st: dict, now: datetime) -> list[str]:
    """The short report: period, dials, connects and rate against 1 in 7, conversations,
    meetings, voicemails, callbacks returned, promises kept and missed, best local hours."""
    dials = st["dials"]
    per_hour = f" ({st['dials_per_hour']:g} an hour)" if dials else ""
    rate = (f", {_pct(st['connect_rate'])} of dials (1 in 7 is "
            f"{_pct(st['reference_connect_rate'])})") if dials else ""
    others = ", ".join(f"{name} {n}" for name, n in st["other_channels"].items() if n)
    rows = [
        ("period", _period(st, now)),
        ("dials", f"{dials}{per_hour}"),
        ("connects", f"{st['connects']}{rate}"),
        ("conversations", str(st["conversations"])),
        ("meetings", str(st["meetings"])),
        ("voicemails", str(st["voicemails"])),
        ("callbacks returned", f"{st['callbacks_returned']} of {st['callbacks_requested']} "
                               "requested"),
        ("promises", f"{st['promises_kept']} kept, {st['promises_missed']} missed, of "
                     f"{st['promises_made']} made"),
        ("best local hours", _best_hours(st["by_local_hour"])),
    ]
    if others:
        rows.append(("other touches", others))
    width = max(len(label) for label, _ in rows)
    return [f"{label:<{width}}  {value}" for label, value in rows]
