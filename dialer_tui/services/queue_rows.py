"""The queue entries of a few named prospects, as the full queue read would give them.

When another rep's change is announced (store/notify.py) the cockpit reads again only the
prospects it names, instead of its whole 300-entry window: each is either still in this rep's
queue (its entry, freshly judged) or not (leased by another rep, logged, not due, do not call).
It is build_queue's own query and judging (services/queue.py), narrowed to those ids, so an
entry read here is the entry a window read would give. (It reaches into queue.py's private
pieces on purpose: a second copy of the judging would drift; `queue.build_queue` taking
`prospect_ids` would be the public form of this.)"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.services import queue as q
from dialer_tui.services.bundle import Bundle
from dialer_tui.store.engine import reader
from dialer_tui.store.models import Prospect


def read_queue_rows(engine: Engine, bundle: Bundle, *, at: datetime, rep: str,
                    prospect_ids: Collection[int]) -> list[QueueItem]:
    """Those of `prospect_ids` that are in `rep`'s queue at `at`, in queue order (one
    read-only snapshot)."""
    ids = sorted(set(prospect_ids))
    if not ids:
        return []
    others = rep if bundle.settings.callbacks_mine_only else ""
    query = q._CANDIDATES.where(col(Prospect.id).in_(ids))
    with Session(reader(engine), expire_on_commit=False) as s:
        rows = s.exec(query, params={"at": at, "rep": rep, "size": len(ids), "skip": 0,
                                     "others": others})
        page = [q._Candidate._make(row) for row in rows]
        if not page:
            return []
        items = q._page_items(s, bundle, page, at, rep, q._Verdicts(bundle, at))
    items.sort(key=lambda i: q._REASON_RANK[i.reason])
    return items
