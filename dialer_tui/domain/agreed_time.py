"""A time agreed with a prospect, as it will be stored: the words read in the prospect's zone
(domain/when.py), then moved into calling hours by the one function that finds the next allowed
instant (calling_hours.next_slot).

The callback form previews with `SlotReader.read` and log_outcome stores with it, so the slot
the form shows before Enter is the slot stored after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from dialer_tui.domain.calling_hours import CallingRules, Target, next_slot
from dialer_tui.domain.when import WhenError, read_when


def _utc(t: datetime) -> datetime:
    # Compared in UTC: a local time in the repeated hour of a DST change (fold=1) never
    # equals an instant in another zone, even the same one (PEP 495).
    return t.astimezone(timezone.utc)


@dataclass(frozen=True)
class Slot:
    wanted: datetime  # what the words mean, in the prospect's zone
    at: datetime  # what is stored: `wanted` moved into calling hours (UTC)
    zone: ZoneInfo
    notes: tuple[str, ...] = ()  # how ambiguous words were read ("1/20 read as month/day")
    moved: str = ""  # "" when `wanted` is inside calling hours, else what moved and why

    @property
    def local(self) -> datetime:
        return self.at.astimezone(self.zone)


@dataclass(frozen=True)
class SlotReader:
    """What reading a time needs to know of one prospect and the number to be called, looked
    up once (services.calling.slot_reader); each `read` is then pure, cheap enough per key."""

    rules: CallingRules
    target: Target
    zone: ZoneInfo  # the prospect's own zone: where the words are read
    region: str = "US"  # the settings' region: which way round "1/20" is
    user_window: tuple[time, time] | None = None  # the rep's own window narrows the law's

    def read(self, words: str, now: datetime) -> Slot:
        """The slot `words` name, said at `now`. Raises WhenError, saying what was not read."""
        wanted = read_when(words, now.astimezone(self.zone), region=self.region,
                           callable_at=self.callable_at)
        at = self._snap(wanted.at)
        moved = "" if at == _utc(wanted.at) else self._why_moved(wanted.at, at)
        return Slot(wanted.at, at, self.zone, wanted.notes, moved)

    def callable_at(self, t: datetime) -> bool:
        try:
            return self._snap(t) == _utc(t)
        except WhenError:
            return False

    def _snap(self, t: datetime) -> datetime:
        try:
            return next_slot(self.rules, self.target, t.astimezone(timezone.utc),
                             user_window=self.user_window)
        except ValueError:
            raise WhenError(f"no calling hours within two weeks after "
                            f"{t.astimezone(self.zone):%a %d %b %H:%M}") from None

    def _why_moved(self, wanted: datetime, at: datetime) -> str:
        """In words, for the rep who is about to promise `wanted` to the prospect."""
        local = at.astimezone(self.zone)
        if local.date() == wanted.date():
            why = "before they open"
        else:
            start = datetime.combine(wanted.date(), time(0), tzinfo=self.zone)
            try:
                first = self._snap(start).astimezone(self.zone)
            except WhenError:
                first = local
            why = ("after they close" if first.date() == wanted.date()
                   else f"no calling hours on {wanted:%A}")
        return (f"{wanted:%a %H:%M} is outside the calling hours ({why}); "
                f"moved to {local:%a %d %b %H:%M}")
