"""Reading CSV records into checked rows, in worker processes for large files.

Reading a row (above all parsing its numbers) costs about twice what writing it does. Large
files are read in worker processes, a chunk at a time, while the importer writes the chunks
already read: on two cores the import then takes about as long as the reading alone."""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat

from dialer_tui.services import csv_headers as ch

PARALLEL_MIN_ROWS = 20_000
_worker_reader: ch.RowReader | None = None


def _init_worker(reader: ch.RowReader) -> None:
    global _worker_reader
    _worker_reader = reader


def _read_chunk(chunk: list[tuple[int, bool, list[str]]], dirty: bool
                ) -> list[tuple[int, list[str], ch.RowValues | None]]:
    assert _worker_reader is not None
    # a CR in a field spans lines: scrub those rows too
    return [(line, cells, _worker_reader.read(cells, scrub=dirty or multi))
            for line, multi, cells in chunk]


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
    """(line, cells, RowValues or None) in file order; in worker processes for big files."""
    workers = min(2, os.cpu_count() or 1)
    forkable = "fork" in mp.get_all_start_methods()
    if total < PARALLEL_MIN_ROWS or workers < 2 or not forkable:
        for line, multi, cells in records:
            yield line, cells, reader.read(cells, scrub=dirty or multi)
        return
    # fork: the workers inherit the loaded modules and start at once; they never touch the
    # database (the parent's connections are not used in a child) and end with os._exit.
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"),
                             initializer=_init_worker, initargs=(reader,)) as pool:
        for rows in pool.map(_read_chunk, _chunks(records, 2_000), repeat(dirty)):
            yield from rows
