"""No cyclic garbage collection from the start of `dialer-tui` to the first frame with the queue.

Start-up allocates a few hundred thousand objects that live as long as the process (modules, ORM
and pydantic classes, the stylesheet); the collector would scan them again and again while they
load, for nothing. The CLI pauses it before its first heavy import; the cockpit resumes it once
the queue is painted, after freezing what exists then (gc.freeze: never scanned again, which also
keeps later collections short)."""

from __future__ import annotations

import gc

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
