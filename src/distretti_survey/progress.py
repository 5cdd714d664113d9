"""Progress of long work, shown on a terminal only.

The CLI wraps long loops (workbooks read, charts drawn, files written) in `progress_bar`; the
stages below it only take an optional ``progress`` callback and never print. When the stream
(default: standard error) is not a terminal, as in CI, in a pipe or in a log file, nothing at
all is written, so captured output and logs stay byte-identical between runs. tqdm is imported
only when a bar is actually shown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, TypeVar

T = TypeVar("T")


def is_terminal(stream: IO[str] | None = None) -> bool:
    """Tell whether ``stream`` (default: standard error) is an interactive terminal.

    >>> import io
    >>> is_terminal(io.StringIO())
    False
    """
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


class ProgressBar:
    """A progress bar that draws only on a terminal; a silent no-op otherwise.

    Use it as a context manager and call `advance` after each step; ``label`` names the step
    just done (e.g. the chart or the district), shown beside the bar.

    >>> import io
    >>> stream = io.StringIO()
    >>> with ProgressBar(3, "grafici", stream=stream) as bar:
    ...     for name in ("a", "b", "c"):
    ...         bar.advance(label=name)
    >>> stream.getvalue(), bar.done
    ('', 3)
    """

    def __init__(
        self, total: int | None, description: str = "", *, stream: IO[str] | None = None
    ) -> None:
        self.total = total
        self.description = description
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self._bar: Any = None
        if is_terminal(self.stream):
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=description,
                file=self.stream,
                leave=True,
                dynamic_ncols=True,
                unit="",
                bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {postfix}",
            )

    @property
    def shown(self) -> bool:
        """Tell whether the bar is drawn (the stream is a terminal)."""
        return self._bar is not None

    def advance(self, steps: int = 1, *, label: str = "") -> None:
        """Record ``steps`` more steps done; ``label`` names the last one."""
        self.done += steps
        if self._bar is not None:
            if label:
                self._bar.set_postfix_str(label, refresh=False)
            self._bar.update(steps)

    def close(self) -> None:
        """Finish the bar (leave it on screen, move to the next line)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(
    total: int | None, description: str = "", *, stream: IO[str] | None = None
) -> ProgressBar:
    """Return a `ProgressBar` of ``total`` steps, drawn only when ``stream`` is a terminal."""
    return ProgressBar(total, description, stream=stream)


def track(
    items: Iterable[T],
    description: str = "",
    *,
    total: int | None = None,
    label: Callable[[T], str] | None = None,
    stream: IO[str] | None = None,
) -> Iterator[T]:
    """Yield ``items`` unchanged, advancing a bar (on a terminal only) after each one.

    >>> import io
    >>> list(track([1, 2, 3], "file", stream=io.StringIO()))
    [1, 2, 3]
    """
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with ProgressBar(total, description, stream=stream) as bar:
        for item in items:
            yield item
            bar.advance(label=label(item) if label else "")


def progress_callback(
    total: int, description: str = "", *, stream: IO[str] | None = None
) -> tuple[Callable[[str], None] | None, ProgressBar]:
    """Return ``(callback, bar)`` for a stage that reports each finished step by name.

    The callback is None when the stream is not a terminal, so stages that skip the call when
    given None (e.g. ``build_report(progress=...)``) do no work for it. Close the bar (or use
    it as a context manager) when the stage returns.
    """
    bar = ProgressBar(total, description, stream=stream)
    if not bar.shown:
        return None, bar
    return (lambda name: bar.advance(label=name)), bar
