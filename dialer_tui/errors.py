"""The error types for bad input anywhere below the CLI: each message names what is wrong and
where; the CLI prints it and exits 2, the cockpit shows it and carries on. Kept free of heavy
imports: the CLI names them all before it loads anything else."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    pass


class StoreError(Exception):
    """A database location or URL that cannot be used; the CLI reports it and exits 2. (Here,
    not in store/engine.py: the CLI names it without importing SQLAlchemy.)"""


class ConfigError(Exception):
    """A data or config file that cannot be used. str() names the file, line and key. (Here,
    not in config.py: the CLI names it without importing pydantic.)"""

    def __init__(self, path: Path | str, message: str, line: int | None = None,
                 column: int | None = None, key: str = ""):
        self.path, self.line, self.column, self.key = str(path), line, column, key
        self.message = message
        where = self.path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")
