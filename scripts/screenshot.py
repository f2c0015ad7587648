"""Regenerate docs/cockpit.svg, the README's picture of the cockpit.

    python scripts/screenshot.py [--out docs/cockpit.svg] [--size 120x35]

Seeds a throwaway demo database (the shipped demo prospects and their scripted history) with the
clock pinned to a Tuesday morning in New York, opens the real app headless, waits for the queue
and the first dossier, and saves Textual's SVG screenshot."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from dialer_tui.app import DialerApp  # noqa: E402
from dialer_tui.services.bundle import load_bundle  # noqa: E402
from dialer_tui.services.demo import demo_bundle, seed_demo  # noqa: E402
from dialer_tui.store.engine import make_engine  # noqa: E402

AT = datetime(2026, 12, 1, 15, 30, tzinfo=timezone.utc)  # Tuesday 10:30 in New York


async def shoot(out: Path, size: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp) / "demo.db")
        bundle = demo_bundle(load_bundle(None))
        seed_demo(engine, bundle, now=AT)
        app = DialerApp(engine=engine, bundle=bundle, rep="Sam Rivera", clock=lambda: AT)
        async with app.run_test(size=size) as pilot:
            for _ in range(40):  # the queue and the first dossier arrive from workers
                await pilot.pause(0.1)
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            out.parent.mkdir(parents=True, exist_ok=True)
            app.save_screenshot(filename=out.name, path=str(out.parent))
        engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/cockpit.svg")
    ap.add_argument("--size", default="120x35")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    os.environ["TZ"] = "America/New_York"  # the rep's own zone, for the dossier's two clocks
    asyncio.run(shoot(Path(args.out), (width, height)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
