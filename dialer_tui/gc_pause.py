"""Every pause of the cyclic garbage collector, in one place, each for a figure a rep feels.

- Start-up (`pause_gc` ... `resume_gc`): from the CLI's first heavy import to the first frame
  with the queue. Start-up allocates a few hundred thousand objects that live as long as the
  process (modules, ORM and pydantic classes, the stylesheet); the collector would scan them
  again and again while they load, for nothing. At the first frame they are frozen (gc.freeze:
  never scanned again, which also keeps every later collection short) and the collector resumes.
- A big import (`paused`): 100k rows of small dicts alive, cycle collection would cost a quarter
  of the time.

What each buys is measured by scripts/bench.py (see the README's figures): the start-up pause
about 60-170 ms of a cold start. A hold from the outcome key to the next frame was measured too
and taken out: it bought nothing at the median (p50 37-41 ms without it, 50-60 ms with it)."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_paused = False


def pause_gc() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_gc() -> None:
    """Idempotent; does nothing when pause_gc() did not pause it."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
