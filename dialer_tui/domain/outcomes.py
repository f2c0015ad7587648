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

    def names_where(self, test: Callable[[Outcome], bool]) -> tuple[str, ...]:
        """The names of the outcomes that pass `test` (what a query over touches matches)."""
        return tuple(o.name for o in self.outcomes if test(o))
