"""Progress bars: drawn on a terminal, silent otherwise."""

from __future__ import annotations

import io

from distretti_survey.progress import is_terminal, progress_bar, progress_callback, track


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal():
    stream = io.StringIO()
    assert not is_terminal(stream)
    with progress_bar(4, "grafici", stream=stream) as bar:
        for name in "abcd":
            bar.advance(label=name)
    assert not bar.shown
    assert bar.done == 4
    assert list(track(range(3), "file", stream=stream)) == [0, 1, 2]
    callback, bar = progress_callback(9, "grafici", stream=stream)
    assert callback is None
    bar.close()
    assert stream.getvalue() == ""


def test_drawn_on_a_terminal():
    stream = FakeTerminal()
    with progress_bar(3, "grafici", stream=stream) as bar:
        for name in ("uno", "due", "tre"):
            bar.advance(label=name)
    text = stream.getvalue()
    assert bar.shown is False  # closed
    assert "grafici" in text
    assert "3/3" in text
    assert "tre" in text


def test_callback_on_a_terminal_counts_each_step():
    stream = FakeTerminal()
    callback, bar = progress_callback(2, "grafici", stream=stream)
    assert callback is not None
    callback("a")
    callback("b")
    assert bar.done == 2
    bar.close()
    assert "2/2" in stream.getvalue()


def test_closed_stream_is_not_a_terminal():
    stream = io.StringIO()
    stream.close()
    assert not is_terminal(stream)
