"""Reading CSV records into checked rows, in worker processes for large files.

Reading a row (above all parsing its numbers) costs about twice what writing it does. Large
files are read in worker processes, a chunk at a time, while the importer writes the chunks
already read: on two cores the import then takes about as long as the reading alone."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat

from dialer_tui.services import csv_headers as ch

PARALLEL_MIN_ROWS = 20_000
_worker_reader: ch.RowReader | None = None


def _init_worker(reader: ch.RowReader, parent: int) -> None:
    global _worker_reader
    _worker_reader = reader
    _die_with(parent)


def _die_with(parent: int) -> None:
    """A worker must not outlive the import: killed (SIGKILL, SIGTERM), the parent would leave
    it blocked on a pipe write, holding the caller's stdout (`$(dialer-tui import ...)` then
    hangs for good). Linux sends it SIGKILL when the parent dies; elsewhere the pool's own
    shutdown is all there is."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _read_chunk(chunk: list[tuple[int, bool, list[str]]], dirty: bool
                ) -> list[tuple[int, list[str] | None, tuple | None]]:
    """In a worker: each record read into (line, cells of a row to reject, RowValues as a plain
    tuple). Plain tuples pickle in a fifth of the time a slotted dataclass does, and the cells
    travel back only for a row the rejects file lists (RowReader.needs_cells): together that
    was ~10% of the import's CPU."""
    assert _worker_reader is not None
    out = []
    for line, multi, cells in chunk:
        row = _worker_reader.read(cells, scrub=dirty or multi)  # a CR in a field spans lines
        if row is None:
            out.append((line, None, None))
        else:
            out.append((line, cells if _worker_reader.needs_cells(row) else None,
                        (row.fields, row.phones, row.email_key, row.custom, row.notes,
                         row.phone_errors)))
    return out


def _chunks(records, size: int):
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def read_rows(records, reader: ch.RowReader, dirty: bool, total: int):
    """(line, cells, RowValues or None) in file order; in worker processes for big files, where
    cells are None for rows the rejects file does not list (see _read_chunk)."""
    workers = min(2, os.cpu_count() or 1)
    forkable = "fork" in mp.get_all_start_methods()
    if total < PARALLEL_MIN_ROWS or workers < 2 or not forkable:
        for line, multi, cells in records:
            yield line, cells, reader.read(cells, scrub=dirty or multi)
        return
    # fork: the workers inherit the loaded modules and start at once; they never touch the
    # database (the parent's connections are not used in a child) and end with os._exit.
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"),
                             initializer=_init_worker, initargs=(reader, os.getpid())) as pool:
        row_values = ch.RowValues
        for rows in pool.map(_read_chunk, _chunks(records, 2_000), repeat(dirty)):
            for line, cells, values in rows:
                yield line, cells, None if values is None else row_values(*values)
