"""Every Textual internal the app stands on, in one list: an upgrade that renames or reshapes
one fails here, naming it, before it fails subtly in a rep's session. Each entry says where it is
used and which public API would replace it."""

from __future__ import annotations

import inspect

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Static

PRIVATE = [
    # (owner, name, used in, waits for)
    (Screen, "_compositor_refresh", "screens/first_frame.py",
     "a public 'frame written' hook on Screen"),
    (App, "_handle_exception", "app.py (crash log, one line for the rep)",
     "a public hook for unhandled exceptions"),
    (Input, "_on_key", "widgets/outcome_bar.py (NoteInput)", "a key hook that runs in turn"),
]


@pytest.mark.parametrize("owner,name,where,waits", PRIVATE,
                         ids=[f"{o.__name__}.{n}" for o, n, _w, _x in PRIVATE])
def test_the_internal_is_still_there(owner, name, where, waits):
    assert callable(getattr(owner, name, None)), (
        f"Textual no longer has {owner.__name__}.{name}, used in {where}; "
        f"replace it with {waits}")


def test_the_overridden_signatures_still_match():
    # Our overrides take exactly these parameters: a new one would be silently dropped.
    assert list(inspect.signature(Screen._compositor_refresh).parameters) == ["self"]
    assert list(inspect.signature(App._handle_exception).parameters) == ["self", "error"]
    assert list(inspect.signature(Input._on_key).parameters) == ["self", "event"]


async def test_batch_count_is_live_state():
    """The first-frame hook reads App._batch_count (held during a batch_update)."""

    class Bare(App):
        def compose(self):
            yield Static("x")

    app = Bare()
    async with app.run_test():
        assert app._batch_count == 0
        with app.batch_update():
            assert app._batch_count == 1
