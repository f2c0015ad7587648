"""A prospect's history as plain rows for the history screen: the header (brief, promises and
callbacks with how they turned out, do-not-call records) and pages of touches, newest first,
read with keyset paging so that thousands of touches never load at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dialer_tui.services import review
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.rows import DncRow, FollowUpRow, TouchRow, is_missed
from dialer_tui.store import repo
from dialer_tui.store.models import (
    FU_CALLBACK,
    FU_DONE,
    FU_OPEN,
    FU_PROMISE,
    FollowUp,
)

PAGE = 200  # rows per read
FOLLOW_UP_LIMIT = 50
TICK = timedelta(microseconds=1)  # the store keeps microseconds: `< oldest + TICK` is `<=`


@dataclass
class HistoryHead:
    prospect_id: int
    name: str
    title: str
    company: str
    zone: ZoneInfo
    brief: list[str]
    total: int
    follow_ups: list[FollowUpRow]
    dnc: list[DncRow]


def follow_up_status(fu: FollowUp, now: datetime) -> str:
    """A promise is kept when a call closed it inside its window (as services.stats counts it)."""
    if fu.status == FU_OPEN:
        if not is_missed(fu.kind, fu.due_start, fu.due_end, now):
            return "open"
        return "missed" if fu.kind == FU_PROMISE else "overdue"
    if fu.status == FU_DONE:
        if fu.kind != FU_PROMISE:
            return "returned"
        closed = fu.closed_at
        kept = closed is not None and fu.due_start <= closed and (
            fu.due_end is None or closed <= fu.due_end)
        return "kept" if kept else "missed"
    return fu.status


def follow_ups_of(session: Session, *, prospect_id: int, now: datetime,
                  limit: int = FOLLOW_UP_LIMIT) -> list[FollowUpRow]:
    """Promises and callbacks (not cadence steps) in any status, latest due first."""
    rows = session.exec(select(FollowUp).where(
        FollowUp.prospect_id == prospect_id,
        col(FollowUp.kind).in_((FU_PROMISE, FU_CALLBACK)))
        .order_by(col(FollowUp.due_start).desc(), col(FollowUp.id).desc()).limit(limit))
    return [FollowUpRow.of(f, follow_up_status(f, now)) for f in rows]


def load_head(session: Session, bundle: Bundle, *, prospect_id: int, at: datetime,
              page: int = PAGE) -> tuple[HistoryHead, list[TouchRow], bool] | None:
    """The header, the first page of touches, and whether there are more."""
    d = review.dossier(session, bundle, prospect_id=prospect_id, at=at, window=page)
    if d is None:
        return None
    p = d.prospect
    head = HistoryHead(prospect_id, p.name, p.title, p.company, d.zone, list(d.brief),
                       d.total_touches, follow_ups_of(session, prospect_id=prospect_id, now=at),
                       list(d.dnc))
    return head, list(d.touches), d.total_touches > len(d.touches)


def load_page(session: Session, *, prospect_id: int, oldest: datetime, seen: set[int],
              page: int = PAGE) -> tuple[list[TouchRow], bool]:
    """The next `page` touches older than the window, and whether more remain.

    Keyset on started_at: `seen` holds the ids already shown *at* `oldest`, so touches sharing
    that instant are neither skipped nor shown twice when a page boundary falls among them."""
    got = repo.touches_of(session, prospect_id=prospect_id, before=oldest + TICK,
                          limit=page + len(seen) + 1)
    rows = [TouchRow.of(t) for t in got if t.id not in seen]
    return rows[:page], len(rows) > page
