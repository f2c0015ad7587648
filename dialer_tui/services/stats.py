"""How the calling went: `compute_stats(session, since=, until=)` -> a JSON-ready dict.

Counts are SQL aggregates (GROUP BY over the touch and follow-up tables) that Python folds:
a week's window is a few thousand grouped rows and takes a few tenths of a second on the
bench store (100k prospects, 1M touches). All time still takes seconds there: four passes
over the touches, every SQLite grouping sorts its rows, and on SQLite the local-time
breakdown of the whole store streams every dial (see `_by_local_time`).
Touches are counted when `since <= started_at < until`; follow-ups (callbacks, promises) when
they were *made* in that window.
Which outcomes are meetings, callbacks and do-not-call comes from the dispositions (an outcome
whose terminal status is meeting_booked is a meeting, whatever its name: domain.outcomes).

Keys (stable; `stats --json` prints exactly this):
  since, until             the window asked for (ISO 8601 UTC) or null
  dials                    touches on channel call/voicemail that count as attempts
  connects                 connected touches (a live conversation started)
  connect_rate             connects / dials, 4 places (0 when no dials)
  reference_connect_rate   1 in 7 (seed 003: a business person reached 1 time in 7)
  conversations            connected touches other than do_not_call
  meetings                 touches whose outcome is a meeting (terminal: meeting_booked)
  voicemails               touches on channel voicemail
  callbacks_requested      callback follow-ups made
  callbacks_returned       ... of those, closed by a later call (status done)
  other_channels           {email, linkedin, letter, visit, text (+ any other): count}
  dials_per_hour           dials / hours spent dialling: per rep and calendar day (in `day_zone`,
                           default the machine's zone) last dial - first dial, at least 5 minutes
                           for a day with dials; 1 place
  promises_made            promise follow-ups made (a voicemail announced the next attempt)
  promises_kept            ... closed by a call inside [due_start, due_end]
  promises_missed          ... status missed, closed outside the window, or open past due_end
                           (as of `now`: default `until`, else the current time)
  abandoned_before_7       prospects (now) working/unresponsive with 1-6 attempts and nothing open
  by_local_hour            24 x {hour, dials, connects, rate}, in the PROSPECT's time: its
                           time_zone, else the dialled number's first zone, else UTC
  by_weekday               7 x {weekday ("Monday" first), dials, connects, rate}, same zone
  by_template              [{template, left, callbacks, meetings}] per voicemail template id;
                           callbacks/meetings: later touches of that prospect within 14 days with
                           an outcome that asks a callback / is a meeting; most used first
  by_objection             [{objection, shown, meetings}]: meeting touches of that prospect in the
                           14 days from the showing (the same touch included); most shown first
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Integer,
    Interval,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from dialer_tui.channels import CALL_CHANNELS, OTHER_CHANNELS
from dialer_tui.clock import local_zone, system_now, utc_iso
from dialer_tui.domain.outcomes import Dispositions
from dialer_tui.store.models import (
    FU_CALLBACK,
    FU_DONE,
    FU_MISSED,
    FU_OPEN,
    FU_PROMISE,
    STATUS_UNRESPONSIVE,
    STATUS_WORKING,
    FollowUp,
    PhoneNumber,
    Prospect,
    Touch,
)

REFERENCE_CONNECT_RATE = round(1 / 7, 4)
MIN_DAY = timedelta(minutes=5)
RESPONSE_WINDOW = timedelta(days=14)

T, P, PH, FU = (Touch.__table__, Prospect.__table__, PhoneNumber.__table__,
                FollowUp.__table__)  # type: ignore[attr-defined]
UTC = timezone.utc


def compute_stats(session: Session, *, since: datetime | None = None,
                  until: datetime | None = None, now: datetime | None = None,
                  day_zone: tzinfo | None = None, dispositions: Dispositions | None = None
                  ) -> dict:
    """The stats documented in the module docstring, for touches in [since, until).

    `dispositions` say which outcomes are meetings, callbacks and do-not-call; None reads the
    shipped dispositions.yaml (for a caller without the bundle, whose user copy may differ)."""
    if dispositions is None:
        from dialer_tui.services.bundle import load_dispositions

        dispositions = load_dispositions(None)
    names = _Names.of(dispositions)
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    now = now or until or system_now()
    day_zone = day_zone or local_zone(now)
    win = _window(T.c.started_at, since, until)
    is_dial = and_(T.c.channel.in_(CALL_CHANNELS), T.c.counts_attempt == true())

    out: dict = {"since": utc_iso(since) if since else None,
                 "until": utc_iso(until) if until else None}
    counts = _touch_counts(conn, names, win)
    out.update(dials=counts.dials, connects=counts.connects,
               connect_rate=_rate(counts.connects, counts.dials),
               reference_connect_rate=REFERENCE_CONNECT_RATE,
               conversations=counts.conversations, meetings=counts.meetings,
               voicemails=counts.voicemails)
    out.update(_follow_ups(conn, since, until, now))
    out["other_channels"] = counts.others
    out["dials_per_hour"] = _dials_per_hour(conn, pg, is_dial, win, day_zone)
    out["abandoned_before_7"] = _abandoned(conn, pg)
    out["by_local_hour"], out["by_weekday"] = _by_local_time(conn, pg, is_dial, win)
    out["by_template"] = _by_template(conn, pg, names, since, until, counts.left)
    out["by_objection"] = _by_objection(conn, pg, names, since, until, counts.shown)
    return out


@dataclass(frozen=True)
class _Names:
    """The outcome names each figure counts, from the dispositions."""

    meetings: tuple[str, ...]
    callbacks: tuple[str, ...]
    dnc: tuple[str, ...]

    @classmethod
    def of(cls, d: Dispositions) -> _Names:
        return cls(d.names_where(lambda o: o.is_meeting),
                   d.names_where(lambda o: o.follow_up == "callback"),
                   d.names_where(lambda o: o.terminal == "do_not_call"))


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _window(column, since: datetime | None, until: datetime | None) -> list[ColumnElement]:
    conds = []
    if since is not None:
        conds.append(column >= since)
    if until is not None:
        conds.append(column < until)
    return conds


@dataclass
class _Counts:
    """The per-touch figures of a window, as `_touch_counts` adds them up."""

    dials: int = 0
    connects: int = 0
    conversations: int = 0
    meetings: int = 0
    voicemails: int = 0
    others: dict = field(default_factory=lambda: dict.fromkeys(OTHER_CHANNELS, 0))
    left: Counter = field(default_factory=Counter)  # voicemail template id -> voicemails left
    shown: Counter = field(default_factory=Counter)  # objection id -> touches that showed it


def _touch_counts(conn, names: _Names, win) -> _Counts:
    """Every per-touch count in one pass over the window: the outcome tests are conditional sums
    and the rows grouped by (channel, template, objection) only, a few dozen groups. SQLite
    groups by sorting every row, and the cost grows with the width of the key: this replaced
    a GROUP BY over four columns and two more scans (templates left, objections shown)."""
    def n_if(cond) -> ColumnElement:
        return func.sum(case((cond, 1), else_=0))

    rows = conn.execute(
        select(T.c.channel, T.c.template_id, T.c.objection_id, func.count(),
               n_if(T.c.counts_attempt == true()), n_if(T.c.connected == true()),
               n_if(and_(T.c.connected == true(), T.c.outcome.not_in(names.dnc))),
               n_if(T.c.outcome.in_(names.meetings)))
        .where(*win).group_by(T.c.channel, T.c.template_id, T.c.objection_id))
    out = _Counts()
    for channel, template, objection, n, attempts, connected, conversations, meetings in rows:
        if channel in CALL_CHANNELS:
            out.dials += attempts
            if channel == "voicemail":
                out.voicemails += n
                if template:
                    out.left[template] += n
        else:
            out.others[channel] = out.others.get(channel, 0) + n
        if objection:
            out.shown[objection] += n
        out.connects += connected
        out.conversations += conversations
        out.meetings += meetings
    return out


def _follow_ups(conn, since, until, now) -> dict:
    kept = and_(FU.c.status == FU_DONE, FU.c.closed_at >= FU.c.due_start,
                or_(FU.c.due_end.is_(None), FU.c.closed_at <= FU.c.due_end))
    missed = or_(FU.c.status == FU_MISSED,
                 and_(FU.c.status == FU_DONE, ~kept),
                 and_(FU.c.status == FU_OPEN, func.coalesce(FU.c.due_end, FU.c.due_start) < now))
    rows = conn.execute(
        select(FU.c.kind, func.count(),
               func.sum(case((FU.c.status == FU_DONE, 1), else_=0)),
               func.sum(case((kept, 1), else_=0)), func.sum(case((missed, 1), else_=0)))
        .where(FU.c.kind.in_((FU_CALLBACK, FU_PROMISE)), *_window(FU.c.created_at, since, until))
        .group_by(FU.c.kind))
    got = {kind: (n, done or 0, k or 0, m or 0) for kind, n, done, k, m in rows}
    cb, pr = got.get(FU_CALLBACK, (0, 0, 0, 0)), got.get(FU_PROMISE, (0, 0, 0, 0))
    return {"callbacks_requested": cb[0], "callbacks_returned": cb[1],
            "promises_made": pr[0], "promises_kept": pr[2], "promises_missed": pr[3]}


def _hour_bucket(pg: bool, column) -> ColumnElement:
    """The UTC hour of the instant: 'YYYY-MM-DD HH' on SQLite, hours since 1970 on PostgreSQL
    (an integer groups faster there than to_char's text: ~30% of the local-time query)."""
    if pg:
        return cast(func.floor(func.extract("epoch", column) / 3600), BigInteger)
    # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' text (store.models.UTCDateTime).
    return func.substr(column, 1, 13)


def _quarter_bucket(pg: bool, column) -> ColumnElement:
    """The UTC quarter hour: exact for +05:30 and +05:45 zones too. SQLite: the hour's text +
    the quarter (0-3); PostgreSQL: quarter hours since 1970. `_split_quarter` reads both."""
    if pg:
        return cast(func.floor(func.extract("epoch", column) / 900), BigInteger)
    return _hour_bucket(pg, column).concat(func.substr(column, 15, 2) // 15)


def _split_quarter(bucket: int | str) -> tuple[int | str, int]:
    """A `_quarter_bucket` value -> (its `_hour_bucket` value, the quarter 0-3)."""
    if isinstance(bucket, str):
        return bucket[:13], int(bucket[13:])
    return divmod(int(bucket), 4)


@lru_cache(maxsize=4096)
def _bucket_start(hour: int | str) -> datetime:
    """The UTC start of an `_hour_bucket` value."""
    if not isinstance(hour, str):
        return datetime.fromtimestamp(int(hour) * 3600, UTC)
    return datetime(int(hour[0:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]),
                    tzinfo=UTC)


def _dials_per_hour(conn, pg, is_dial, win, day_zone: tzinfo) -> float:
    """Hour buckets per rep (few rows) folded into (rep, local day) first/last dial."""
    bucket = _hour_bucket(pg, T.c.started_at)
    rows = conn.execute(select(T.c.rep, func.min(T.c.started_at), func.max(T.c.started_at),
                               func.count()).where(is_dial, *win).group_by(T.c.rep, bucket))
    days: dict[tuple, list] = {}
    total = 0
    for rep, first, last, n in rows:
        total += n
        key = (rep, first.astimezone(day_zone).date())
        span = days.setdefault(key, [first, last])
        span[0], span[1] = min(span[0], first), max(span[1], last)
    hours = sum(max(last - first, MIN_DAY).total_seconds() for first, last in days.values()) / 3600
    return round(total / hours, 1) if hours else 0.0


def _abandoned(conn, pg: bool) -> int:
    """The seeds say don't give up before 7 tries: prospects left with fewer and nothing planned."""
    if pg:
        # An anti-join. NOT IN (subquery) is hashed only while the open follow-ups fit in
        # work_mem (4 MB by default); past that PostgreSQL rescans them for every prospect,
        # and the bench store at scale 10 (500k open) hit the 30 s statement timeout.
        none_open = ~select(FU.c.id).where(FU.c.prospect_id == P.c.id,
                                           FU.c.status == FU_OPEN).exists()
    else:
        # NOT IN over the (indexed) set of open follow-ups: a correlated NOT EXISTS lets
        # SQLite probe ix_follow_up_open once per prospect (minutes on 100k prospects).
        none_open = P.c.id.not_in(select(FU.c.prospect_id).where(FU.c.status == FU_OPEN))
    return conn.execute(select(func.count()).select_from(P).where(
        P.c.attempts.between(1, 6), P.c.status.in_((STATUS_WORKING, STATUS_UNRESPONSIVE)),
        none_open)).scalar_one()


@lru_cache(maxsize=1024)
def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return None


def _slots(label: str, values: list, counts: list[list[int]]) -> list[dict]:
    return [{label: v, "dials": d, "connects": c, "rate": _rate(c, d)}
            for v, (d, c) in zip(values, counts, strict=True)]


def _first_word(pg: bool, column) -> ColumnElement:
    """The first of a space-separated list ('' for NULL): a number's first candidate zone."""
    if pg:
        return func.coalesce(func.split_part(column, " ", 1), "")
    return func.coalesce(func.substr(column, 1, func.instr(column.concat(" "), " ") - 1), "")


@lru_cache(maxsize=1024)
def _dial_zone(own: str, number: str) -> tzinfo:
    """A dial's zone: its prospect's own, else the number's first candidate, else UTC."""
    return (own and _zone(own)) or (number and _zone(number)) or UTC


def _by_local_time(conn, pg, is_dial, win) -> tuple[list[dict], list[dict]]:
    """Dials counted per (zone, UTC quarter hour), then each bucket's local hour and weekday
    computed once: exact for +05:30 and +05:45 zones too."""
    # Which way the dials reach Python (measured on 1M touches, 800k dials): PostgreSQL
    # hash-joins the zones in, and a window's few thousand groups come back fast on either
    # backend. SQLite probes phone_number and prospect by rowid for every dial, ~3 s for a
    # whole store whose touches lie in time order (as a real one's do), where streaming the
    # dials against an id -> zone map read once costs about the same or less.
    if pg or win:
        rows = _grouped_dials(conn, pg, is_dial, win)
    else:
        rows = _streamed_dials(conn, is_dial)
    hours = [[0, 0] for _ in range(24)]
    weekdays = [[0, 0] for _ in range(7)]
    starts: dict[tuple, datetime] = {}
    for tz, bucket, n, c in rows:
        hour, q = _split_quarter(bucket)
        start = starts.get((tz, hour))
        if start is None:
            start = starts[(tz, hour)] = _bucket_start(hour).astimezone(tz)
        local = start + timedelta(minutes=15 * q) if start.minute else start
        for slot in (hours[local.hour], weekdays[local.weekday()]):
            slot[0] += n
            slot[1] += c
    return (_slots("hour", list(range(24)), hours),
            _slots("weekday", list(calendar.day_name), weekdays))


def _grouped_dials(conn, pg, is_dial, win) -> Iterator[tuple[tzinfo, int | str, int, int]]:
    """(zone, quarter, dials, connects), grouped in SQL by (the prospect's zone, the number's
    first zone, quarter). The prospect is the number's (the touch's when no number is on
    record). A week of 1M touches is ~10k groups, a year ~280k."""
    ph = PH.alias("ph")
    p = P.alias("p")
    number_zone, quarter = _first_word(pg, ph.c.time_zones), _quarter_bucket(pg, T.c.started_at)
    stmt = (select(p.c.time_zone, number_zone, quarter, func.count(),
                   func.sum(case((T.c.connected == true(), 1), else_=0)))
            .select_from(T.outerjoin(ph, ph.c.id == T.c.phone_id)
                         .join(p, p.c.id == func.coalesce(ph.c.prospect_id, T.c.prospect_id)))
            .where(is_dial, *win)
            .group_by(p.c.time_zone, number_zone, quarter))
    for own, number, bucket, n, c in conn.execute(stmt):
        yield _dial_zone(own, number), bucket, n, c


def _streamed_dials(conn, is_dial) -> Iterator[tuple[tzinfo, int | str, int, int]]:
    """The same from every dial streamed (three narrow columns) through a C-level Counter
    against an id -> zone map of all numbers and prospects."""
    zone = _zones_by_key(conn).get
    dials: Counter = Counter()
    connects: Counter = Counter()
    key = func.coalesce(T.c.phone_id, -T.c.prospect_id)
    # connected as a plain integer: the Boolean type's result processor on 800k rows cost
    # 0.6-0.8 s more (measured on the bench store)
    stmt = (select(key, _quarter_bucket(False, T.c.started_at), cast(T.c.connected, Integer))
            .where(is_dial).execution_options(yield_per=5000))
    for part in conn.execute(stmt).partitions():
        dials.update((zone(k, UTC), q) for k, q, _ in part)
        connects.update((zone(k, UTC), q) for k, q, c in part if c)
    for (tz, bucket), n in dials.items():
        yield tz, bucket, n, connects.get((tz, bucket), 0)


def _zones_by_key(conn) -> dict[int, tzinfo]:
    """phone id -> the zone of a dial on that number (its prospect's own zone first, else the
    number's first zone); -prospect id -> the zone of a dial with no number on record."""
    out: dict[int, tzinfo] = {}
    for pid, name in conn.execute(select(P.c.id, P.c.time_zone).where(P.c.time_zone != "")):
        if z := _zone(name):
            out[-pid] = z
    rows = conn.execute(select(PH.c.id, PH.c.prospect_id, PH.c.time_zones)
                        .execution_options(yield_per=5000))
    for phid, pid, names in rows:
        if z := out.get(-pid) or (names and _zone(names.split(" ", 1)[0])):
            out[phid] = z
    return out


def _responses(conn, pg, key: str, outcomes: tuple[str, ...], include_same: bool,
               since, until, *where) -> dict[tuple[str, str], int]:
    """(shown touch's `key`, response outcome) -> distinct response touches of the same prospect
    within 14 days after the showing. Driven from the (rare) responses, materialised, so that
    each one looks back through ix_touch_prospect_time instead of every showing looking ahead."""
    conds = [T.c.outcome.in_(outcomes)]
    if since is not None:
        conds.append(T.c.started_at >= since)
    if until is not None:
        conds.append(T.c.started_at < until + RESPONSE_WINDOW)
    u = (select(T.c.id, T.c.prospect_id, T.c.started_at, T.c.outcome).where(*conds)
         .cte("u").prefix_with("MATERIALIZED"))
    v = T.alias("v")
    before = v.c.started_at <= u.c.started_at if include_same else v.c.started_at < u.c.started_at
    if pg:
        earliest = u.c.started_at - literal(RESPONSE_WINDOW, Interval())
    else:  # text compare: 'YYYY-MM-DD HH:MM:SS.SSS' against the stored '...SS.ffffff'
        earliest = func.strftime("%Y-%m-%d %H:%M:%f", u.c.started_at,
                                 f"-{RESPONSE_WINDOW.days} days")
    stmt = (select(v.c[key], u.c.outcome, func.count(func.distinct(u.c.id)))
            .select_from(u.join(v, and_(v.c.prospect_id == u.c.prospect_id, before,
                                        v.c.started_at >= earliest)))
            .where(v.c[key] != "", *[w(v) for w in where], *_window(v.c.started_at, since, until))
            .group_by(v.c[key], u.c.outcome))
    return {(k, o): n for k, o, n in conn.execute(stmt)}


def _by_template(conn, pg, names: _Names, since, until, left: Counter) -> list[dict]:
    voicemail = lambda tab: tab.c.channel == "voicemail"  # noqa: E731
    resp = _responses(conn, pg, "template_id", names.callbacks + names.meetings, False, since,
                      until, voicemail)
    return [{"template": tid, "left": n, "callbacks": _sum(resp, tid, names.callbacks),
             "meetings": _sum(resp, tid, names.meetings)}
            for tid, n in sorted(left.items(), key=lambda r: (-r[1], r[0]))]


def _by_objection(conn, pg, names: _Names, since, until, shown: Counter) -> list[dict]:
    resp = _responses(conn, pg, "objection_id", names.meetings, True, since, until)
    return [{"objection": oid, "shown": n, "meetings": _sum(resp, oid, names.meetings)}
            for oid, n in sorted(shown.items(), key=lambda r: (-r[1], r[0]))]


def _sum(resp: dict[tuple[str, str], int], key: str, outcomes: tuple[str, ...]) -> int:
    return sum(resp.get((key, o), 0) for o in outcomes)
