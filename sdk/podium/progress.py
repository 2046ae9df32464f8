"""`Progress`: report a handler's progress to the user's progress bar.

Give a handler a parameter whose default is a `Progress` instance; the queue replaces it with one bound to
the running event (it is not counted as an input):

```python
def work(n: int, progress=gr.Progress(track_tqdm=True)):
    progress(0, desc="starting")
    for _ in progress.tqdm(range(n), desc="working"):
        ...
```
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

ProgressData = list[dict[str, Any]]
Reporter = Callable[[ProgressData], None]

# The Progress of the running event whose handler asked for `track_tqdm=True` (read by the tqdm patch).
current_tqdm_progress: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "podium_tqdm_progress", default=None
)


class TrackedIterable:
    """An iterable whose position is reported as one level of progress (made by `Progress.tqdm`)."""

    def __init__(self, progress: Progress, iterable: Iterable[Any] | None, total: int | None, desc: str | None,
                 unit: str) -> None:
        self._progress = progress
        self.iterable = iterable
        self.index = 0
        self.length = total
        self.desc = desc
        self.unit = unit

    def __iter__(self) -> Iterator[Any]:
        if self.iterable is None:
            return
        self._progress._track(self)
        try:
            for item in self.iterable:
                yield item
                self.index += 1
                self._progress._send()
        finally:
            self._progress._untrack(self)

    def __len__(self) -> int:
        return self.length or 0

    def update(self, n: int = 1) -> None:
        """Advance by `n` steps (for bars used without iterating)."""
        if self not in self._progress.iterables:
            self._progress._track(self)
        self.index += n
        self._progress._send()

    def close(self) -> None:
        self._progress._untrack(self)

    def as_data(self) -> dict[str, Any]:
        return {"index": self.index, "length": self.length, "unit": self.unit, "progress": None, "desc": self.desc}


class Progress:
    """A progress bar the running event reports to; outside an event, calls do nothing.

    `progress(0.3, desc="loading")` sets a fraction; `progress((3, 10))` sets step 3 of 10;
    `progress.tqdm(iterable)` reports each step of a loop. With `track_tqdm=True`, every `tqdm` bar the
    handler creates reports its progress too.
    """

    def __init__(self, track_tqdm: bool = False) -> None:
        self.track_tqdm = track_tqdm
        self.iterables: list[TrackedIterable | Any] = []  # TrackedIterable or tqdm bars
        self._report: Reporter | None = None
        self._direct: dict[str, Any] | None = None

    def bound(self, report: Reporter) -> Progress:
        """A fresh `Progress` with the same options that sends its updates to `report` (used by the queue)."""
        fresh = Progress(track_tqdm=self.track_tqdm)
        fresh._report = report
        return fresh

    def __call__(self, progress: float | tuple[int, int | None] | None, desc: str | None = None,
                 total: int | None = None, unit: str = "steps", _tqdm: Any = None) -> float | tuple[int, int | None] | None:
        """Set the progress: a fraction in [0, 1], an `(index, total)` pair, or None (an indeterminate bar)."""
        index: int | None = None
        fraction: float | None = None
        if isinstance(progress, tuple):
            index, total = progress
        elif progress is not None:
            fraction = float(progress)
        self._direct = {"index": index, "length": total, "unit": unit, "progress": fraction, "desc": desc}
        self._send()
        return progress

    def tqdm(self, iterable: Iterable[Any] | None, desc: str | None = None, total: int | None = None,
             unit: str = "steps", _tqdm: Any = None) -> TrackedIterable:
        """Wrap `iterable` so that each step of the loop is reported (like `tqdm(iterable)`)."""
        if total is None and iterable is not None:
            try:
                total = len(iterable)  # type: ignore[arg-type]
            except TypeError:
                total = None
        return TrackedIterable(self, iterable, total, desc, unit)

    # --- reporting --------------------------------------------------------------------------------

    def progress_data(self) -> ProgressData:
        data = [_as_data(it) for it in self.iterables]
        if self._direct is not None:
            data.append(self._direct)
        return data

    def _send(self) -> None:
        if self._report is not None:
            self._report(self.progress_data())

    def _track(self, item: Any) -> None:
        self._direct = None  # a loop's steps supersede an earlier `progress(x)` call
        self.iterables.append(item)
        self._send()

    def _untrack(self, item: Any) -> None:
        if item in self.iterables:
            self._send()  # report the finished state before the bar disappears
            self.iterables.remove(item)


def _as_data(item: Any) -> dict[str, Any]:
    if isinstance(item, TrackedIterable):
        return item.as_data()
    # a tqdm bar
    return {
        "index": getattr(item, "n", 0),
        "length": getattr(item, "total", None),
        "unit": getattr(item, "unit", "steps") or "steps",
        "progress": None,
        "desc": getattr(item, "desc", None) or None,
    }


# --- tqdm tracking -------------------------------------------------------------------------------
# tqdm's class is patched while at least one event with `track_tqdm=True` runs, and restored after.

_patch_lock = threading.Lock()
_patch_users = 0
_originals: dict[str, Any] = {}


def install_tqdm_patch() -> bool:
    """Make tqdm bars report to the running event's Progress. Returns False when tqdm is not installed."""
    global _patch_users
    with _patch_lock:
        if _patch_users == 0:
            try:
                from tqdm import std
            except ImportError:
                return False
            cls = std.tqdm
            if not _originals:  # kept for good: a bar may still call a patched method after the restore
                _originals.update(cls=cls, __init__=cls.__init__, update=cls.update, close=cls.close)
            cls.__init__ = _patched_init  # type: ignore[method-assign]
            cls.update = _patched_update  # type: ignore[method-assign]
            cls.close = _patched_close  # type: ignore[method-assign]
        _patch_users += 1
        return True


def uninstall_tqdm_patch() -> None:
    """Undo one `install_tqdm_patch()`; the last one restores tqdm."""
    global _patch_users
    with _patch_lock:
        if _patch_users == 0:
            return
        _patch_users -= 1
        if _patch_users == 0 and _originals:
            cls = _originals["cls"]
            for name in ("__init__", "update", "close"):
                setattr(cls, name, _originals[name])


def _patched_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _originals["__init__"](self, *args, **kwargs)
    progress = current_tqdm_progress.get()
    if progress is not None and progress._report is not None:
        self._podium_progress = progress
        progress._track(self)


def _patched_update(self: Any, n: float | None = 1) -> Any:
    result = _originals["update"](self, n)
    progress = getattr(self, "_podium_progress", None)
    if progress is not None:
        progress._send()
    return result


def _patched_close(self: Any) -> None:
    progress = getattr(self, "_podium_progress", None)
    _originals["close"](self)
    if progress is not None:
        self._podium_progress = None
        progress._untrack(self)


__all__ = ["Progress", "TrackedIterable"]
