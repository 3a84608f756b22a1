"""The season's files drawn ahead in a process of their own are the files drawn at once."""

from __future__ import annotations

import pytest

from clea_intake.local import season


class _Recorder:
    """Stands in for the stack where the plan's upload actions put the platform's files."""

    def __init__(self) -> None:
        self.uploads: dict[tuple[str, str], bytes] = {}

    def upload_document(self, case_id: str, name: str, data: bytes) -> str:
        self.uploads[(case_id, name)] = data
        return name


def _uploads(renderer: season.Renderer) -> dict[tuple[str, str], bytes]:
    try:
        actions, _ = season.plan(16, renderer=renderer)
        recorder = _Recorder()
        for action in actions:
            if action.label.endswith(("pièce", "pièce complémentaire")):
                action.run(recorder)
        return recorder.uploads
    finally:
        renderer.close()


def test_files_drawn_ahead_in_another_process_are_the_files_drawn_at_once():
    # Given the same 16-application season, its files drawn here and drawn ahead in a process of their own
    here = _uploads(season.Renderer())
    ahead = _uploads(season.Renderer(ahead=True))
    # Then every piece of every case has the same name and the same bytes
    assert len(here) >= 16 * 5
    assert ahead.keys() == here.keys()
    assert all(ahead[key] == here[key] for key in here)
    # And the complementary pieces of the case completed later are among them
    assert any(name.startswith("bis-") for _, name in here)


def test_a_renderer_never_started_says_so_instead_of_waiting_forever():
    renderer = season.Renderer(ahead=True)
    try:
        drawn = renderer.order(season.SEASON_END, {})
        with pytest.raises(RuntimeError, match="not started"):
            drawn.data()
    finally:
        renderer.close()
