"""Outcomes (dispositions): what a rep logs with one key and what each implies.

The strict models of `dialer_tui/data/dispositions.yaml` (or the user's override), which
services/bundle.py reads."""

from __future__ import annotations

from typing import Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialer_tui.channels import Channel, is_call

# The terminal status of a booked meeting (store.models.STATUS_MEETING): an outcome with it is a
# meeting, whatever its name, for the stats and the session header alike.
MEETING = "meeting_booked"

# HubSpot's call outcomes, what `export crm-calls` writes (services/crm_export.py).
CrmOutcome = Literal["Connected", "Left voicemail", "Left live message", "No answer",
                     "Wrong number", "Busy"]


def crm_default(channel: str, connected: bool) -> CrmOutcome:
    """The CRM outcome of a call that says nothing more: what happened on it."""
    return "Connected" if connected else "Left voicemail" if channel == "voicemail" else "No answer"


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    key: str = Field(min_length=1, max_length=12)
    label: str
    channel: Channel = "call"
    attempt: bool = True
    connect: bool = False
    terminal: Literal["meeting_booked", "not_interested", "do_not_call", "referred"] | None = None
    recycle_days: int | None = Field(default=None, ge=1, le=3650)  # at most ten years
    follow_up: Literal["next_step", "callback", "retry", "none"] = "next_step"
    promise: bool = False  # a voicemail that announces the next attempt
    dnc: Literal["person", "number"] | None = None
    bad_number: bool = False
    creates_referral: bool = False
    # The time this outcome asks the rep for (besides a callback's): a meeting's date and time
    # (kept on the touch and in the calendar export), or when to try next (the gatekeeper's
    # "try Monday": the next call waits for it). Optional: Enter on an empty time skips it.
    asks: Literal["meeting", "next_attempt"] | None = None
    # How it looks and where it goes: optional, so that a new outcome is one YAML entry (the
    # defaults are the properties below).
    short: str = Field(default="", max_length=24)  # the outcome bar's word, and history's
    tiny: str = Field(default="", max_length=5)  # the outcome bar at 80 columns
    style: str = ""  # a Rich style for history: "bold green", "red", "magenta"
    crm: CrmOutcome | None = None

    @field_validator("style")
    @classmethod
    def _style(cls, value: str) -> str:
        if value.strip():
            from rich.errors import StyleSyntaxError  # (Rich, not Textual: the domain's rule)
            from rich.style import Style

            try:
                Style.parse(value)
            except StyleSyntaxError as exc:
                raise ValueError(f"{value!r} is not a style ({exc}); write words such as "
                                 "'bold green', 'red', 'dim' or 'magenta on black'") from None
        return value

    @property
    def short_label(self) -> str:
        return self.short or self.name.replace("_", " ")

    @property
    def tiny_label(self) -> str:
        return self.tiny or self.short_label[:3]

    @property
    def crm_outcome(self) -> CrmOutcome:
        return self.crm or crm_default(self.channel, self.connect)

    @property
    def is_call(self) -> bool:
        return is_call(self.channel)

    @property
    def is_meeting(self) -> bool:
        return self.terminal == MEETING


class Dispositions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcomes: tuple[Outcome, ...]

    @field_validator("outcomes")
    @classmethod
    def _unique(cls, outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
        for attr in ("name", "key"):
            seen: set[str] = set()
            for o in outcomes:
                value = getattr(o, attr)
                if value in seen:
                    raise ValueError(f"duplicate outcome {attr} {value!r}")
                seen.add(value)
        return outcomes

    @model_validator(mode="after")
    def _needs_callback(self) -> "Dispositions":
        if not self.outcomes:
            raise ValueError("at least one outcome is needed")
        return self

    def get(self, name: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.name == name), None)

    def names(self) -> list[str]:
        return [o.name for o in self.outcomes]

    def words(self, name: str) -> str:
        """How a stored outcome reads to a rep: its short label, or the id in words when the
        file no longer has it ("left_voicemail" never reaches the screen)."""
        o = self.get(name)
        return o.short_label if o is not None else name.replace("_", " ")

    def names_where(self, test: Callable[[Outcome], bool]) -> tuple[str, ...]:
        """The names of the outcomes that pass `test` (what a query over touches matches)."""
        return tuple(o.name for o in self.outcomes if test(o))
