"""The queue's candidate reads: the prospects due now, in queue order, a page at a time.

One indexed SQL query (_CANDIDATES) over the prospect table's denormalised queue fields, or, for
a named rep with callbacks_mine_only on, two lane queries merged in Python (_Lanes). The rows come
back as plain tuples (_Candidate); judging them is queue_judging.py's, building the window from
them queue.py's (which re-exports these names)."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import bindparam, exists, or_
from sqlalchemy.sql.selectable import Exists
from sqlmodel import Session, col, select

from dialer_tui.store import repo
from dialer_tui.store.models import RANK_CALLBACK, DncEntry, Prospect, UTCDateTime


class _Candidate(NamedTuple):
    """The prospect columns the queue reads (plain tuples: ORM objects with six converted
    datetimes cost ~25 us a row), and whether a do-not-call entry names the person."""

    id: int
    first_name: str
    last_name: str
    company: str
    status: str
    recycle_at: datetime | None
    queue_rank: int
    queue_due_at: datetime | None
    time_zone: str
    region: str
    country: str
    dnc_person: bool
    version: int  # the row's version (models._VERSION): a claim of this read checks it
    line: str  # whom the line reaches, and recorded consent: rules for consumers judge them
    consent_basis: str
    consent_date: date | None


# callbacks_mine_only in SQL: with `others` set (the rep's name, when the setting is on), leave
# out a prospect ranked by a callback asked of another rep (Prospect.queue_owner). _page_items
# still makes the exact choice (the strongest due follow-up); this saves reading, judging and
# dropping them a page at a time: 3,193 of another rep's callbacks at the head of the queue
# cost 211 ms (a correlated follow-up lookup per row instead: 32 ms).
_OTHERS = bindparam("others", value="")
_NOT_OTHERS_CALLBACK = or_(_OTHERS == "", Prospect.queue_rank != RANK_CALLBACK,
                           Prospect.queue_owner == "", Prospect.queue_owner == _OTHERS)

# Prospects due now (`at`), in queue order, a page at a time; built once, bound at execution.
_CANDIDATES = (
    select(Prospect.id, Prospect.first_name, Prospect.last_name,  # type: ignore[call-overload]
           Prospect.company, Prospect.status, Prospect.recycle_at, Prospect.queue_rank,
           Prospect.queue_due_at, Prospect.time_zone, Prospect.region, Prospect.country,
           exists().where(DncEntry.prospect_id == Prospect.id), Prospect.version,
           Prospect.line, Prospect.consent_basis, Prospect.consent_date)
    # Terminal prospects carry their recycle date as the due time (none for do-not-call), so
    # one condition covers both the due and the recycled.
    .where(col(Prospect.queue_due_at) <= bindparam("at", type_=UTCDateTime()),
           repo.lease_free(bindparam("at", type_=UTCDateTime()), rep=bindparam("rep")),
           _NOT_OTHERS_CALLBACK)
    .order_by(col(Prospect.queue_rank), col(Prospect.priority).desc(),
              col(Prospect.queue_due_at), col(Prospect.id))
    .limit(bindparam("size")).offset(bindparam("skip")))


# The queue of a named rep with callbacks_mine_only on, read in two lanes: the prospects for
# anyone (queue_owner "") and those whose callback was asked of the rep (models.Prospect:
# queue_owner is set only on a callback's rank). Each lane is one range of
# ix_prospect_queue_lane already in queue order, so each read stops after its LIMIT; the two are
# merged in Python. The single query's index walk passed every due callback of every other rep
# and dropped it in the filter: 3,200 at 100k prospects, 33,000 at 1M (218 ms on PostgreSQL).
# Two queries and not a UNION ALL: PostgreSQL 15 sorts a union's rows (all 640,000 due at 1M)
# instead of merging the arms' index order. The do-not-call check runs for the page only: in
# the lane queries PostgreSQL hashed the whole list at each read (47,813 rows at 1M).
_LANE = (
    select(*[c for c in _CANDIDATES.selected_columns  # type: ignore[call-overload]
             if not isinstance(c, Exists)], Prospect.priority)
    .where(col(Prospect.queue_owner) == bindparam("owner"),
           col(Prospect.queue_due_at) <= bindparam("at", type_=UTCDateTime()),
           repo.lease_free(bindparam("at", type_=UTCDateTime()), rep=bindparam("rep")))
    .order_by(col(Prospect.queue_rank), col(Prospect.priority).desc(),
              col(Prospect.queue_due_at), col(Prospect.id))
    .limit(bindparam("size")).offset(bindparam("skip")))


def _queue_order(row) -> tuple:
    return (row.queue_rank, -row.priority, row.queue_due_at, row.id)


class _Lanes:
    """_CANDIDATES' pages for a named rep, with other reps' callbacks left out, from the two
    lanes. Each lane is read from where it stopped (its own offset), and the rows read but not
    yet handed out wait for the next page: a page costs about its own rows, not every row
    before it again (an OFFSET over the merged order re-read both lanes from the top)."""

    def __init__(self, session: Session, *, at: datetime, rep: str) -> None:
        self.session, self.at, self.rep = session, at, rep
        self.waiting: dict[str, list] = {"": [], rep: []}  # read, in lane order, not handed out
        self.read = dict.fromkeys(self.waiting, 0)
        self.ended = dict.fromkeys(self.waiting, False)

    def page(self, size: int) -> list[_Candidate]:
        for owner, waiting in self.waiting.items():
            if len(waiting) < size and not self.ended[owner]:
                want = size - len(waiting)
                rows = self.session.exec(_LANE, params={
                    "owner": owner, "at": self.at, "rep": self.rep, "size": want,
                    "skip": self.read[owner]}).all()
                self.read[owner] += len(rows)
                self.ended[owner] = len(rows) < want
                waiting.extend(rows)
        # Each lane holds its next `size` rows (or all it has left): the page is among them.
        merged = sorted((row for rows in self.waiting.values() for row in rows),
                        key=_queue_order)
        rows, rest = merged[:size], {row.id for row in merged[size:]}
        for waiting in self.waiting.values():
            waiting[:] = [row for row in waiting if row.id in rest]
        dnc = repo.dnc_people(self.session, prospect_ids=[r.id for r in rows])
        return [_Candidate(*r[:11], r.id in dnc, *r[11:-1]) for r in rows]
