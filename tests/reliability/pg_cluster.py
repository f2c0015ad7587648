"""A throwaway PostgreSQL cluster that a test may stop and start (the shared test server must
never be restarted under the other tests): initdb into a fresh folder, a free loopback port,
pg_ctl as the postgres user when the tests run as root (PostgreSQL refuses to run as root).
Starting one takes about a second (initdb ~1 s, start ~0.3 s).

fsync is off, as on CI's shared server: a `-m fast` stop checkpoints, and what it wrote is in
the kernel's page cache, which a server restart does not lose (a power cut would, which is not
what these tests are about)."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from glob import glob
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest installed server's bin folder (Debian's layout), or None."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def usable() -> str:
    """Why a cluster cannot be made here ('' when it can)."""
    if pg_bin() is None:
        return "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0 and shutil.which("su") is None:
        return "su (to run the server as the postgres user)"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        bindir = pg_bin()
        assert bindir is not None, usable()
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="dialer-tui-soak-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.restarts: list[tuple[float, float]] = []  # (stopped at, accepting again at)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    def _pg(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            cmd = ["su", "postgres", "-c", shlex.join(cmd)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=150")
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                 "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, down_s: float = 1.0) -> None:
        """Stop (`-m fast`: every backend is ended, as on a server's restart), stay down for
        `down_s` seconds (reps meanwhile find no server at all), start again."""
        stopped = time.time()
        self.stop()
        time.sleep(down_s)
        self.start()
        self.restarts.append((stopped, time.time()))

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.dir, ignore_errors=True)
