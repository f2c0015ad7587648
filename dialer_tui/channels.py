"""The channels a touch goes through, in one place.

A leaf module (no imports of ours) because every layer needs the same answer: the store counts a
person's calls against an attempt cap, the domain's outcomes and cadence steps name a channel in
YAML, stats count dials and the CRM export writes calls. A voicemail is a call that reached the
machine: it is a dial, it counts against a cap, and it is a call in a CRM.
"""

from __future__ import annotations

from typing import Literal, get_args

# What an outcome (dispositions.yaml) and a stored touch may say.
Channel = Literal["call", "voicemail", "email", "linkedin", "letter", "visit", "text"]
# What a cadence step may say: a step plans a call, and a voicemail is only what a call became.
StepChannel = Literal["call", "email", "linkedin", "letter", "visit", "text"]

CHANNELS: tuple[str, ...] = get_args(Channel)
CALL_CHANNELS = ("call", "voicemail")  # dials: attempt caps, stats' dials, the CRM's calls
OTHER_CHANNELS = tuple(c for c in CHANNELS if c not in CALL_CHANNELS)


def is_call(channel: str) -> bool:
    return channel in CALL_CHANNELS
