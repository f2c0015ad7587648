"""The rep's snoozes ("not now, in an hour"), kept on this machine beside the store's journal, so
a restart does not bring a snoozed prospect straight back. A snooze is the rep's own: it is not
written to a shared list, where it would hide the prospect from the rest of the team."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime
from pathlib import Path


class SnoozeFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self, now: datetime) -> dict[int, datetime]:
        """The snoozes still running at `now`; an unreadable or damaged file is no snoozes."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            found = {int(pid): datetime.fromisoformat(until) for pid, until in data.items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}
        return {pid: until for pid, until in found.items()
                if until.tzinfo is not None and until > now}

    def save(self, snoozed: dict[int, datetime]) -> None:
        """Replace the file (owner-only, never through a symlink); OSError if it cannot."""
        if not snoozed:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({str(pid): until.isoformat() for pid, until in snoozed.items()}, fh)
        os.replace(tmp, self.path)


def snooze_path_for(journal_path: Path) -> Path:
    """Beside the store's journal (one per store, services/journal.journal_path_for)."""
    return journal_path.with_name(journal_path.name.replace("journal-", "snoozes-", 1)
                                  .removesuffix(".jsonl") + ".json")
