"""One entry of the queue: who to call, on which number, why now, and the calling-hours verdict.

Plain data, apart from the store: the cockpit's first screenful is read in another process and
handed over as these (services/first_page.py), and the UI that shows them loads before the store's
modules do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialer_tui.domain.calling_hours import Verdict


@dataclass(frozen=True)
class QueueItem:
    prospect_id: int
    name: str
    company: str
    phone: str  # E.164 of the number to dial ('' for a task with no number)
    phone_id: int | None
    phone_kind: str
    channel: str  # call, or the channel of a cadence task (email, linkedin, letter)
    reason: str  # callback / promised / cadence / new
    detail: str  # "promised Thursday morning", "step 3: email"
    due_at: datetime | None
    verdict: Verdict
    missed: bool = False  # a promise or callback whose window has passed: call, and say sorry
    version: int = 0  # the prospect row's version when read: a claim of this entry checks it

    @property
    def local_time(self) -> datetime:
        return self.verdict.local_time

    def to_json(self) -> dict:
        return {
            "prospect_id": self.prospect_id, "name": self.name, "company": self.company,
            "phone": self.phone, "phone_kind": self.phone_kind, "channel": self.channel,
            "reason": self.reason, "detail": self.detail,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "local_time": self.verdict.local_time.isoformat(timespec="seconds"),
            "time_zone": self.verdict.time_zone,
        }
