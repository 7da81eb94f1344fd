"""`--jobs N`: a map over the lines of a corpus in N worker processes, in order, in flat memory.

The batch functions are pure maps over lines (a line's output depends on that line alone), so the
lines are cut into chunks, each chunk is mapped by one worker, and the results are written in the
order of the chunks: the output is the same bytes as with one process. At most two chunks per worker
are in flight, so memory does not grow with the corpus. Each worker builds its own state once
(`factory(*args)`: a batch plan with its caches), so nothing mutable is shared between processes.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
R = TypeVar("R")
Work = Callable[[list[T]], list[R]]


class Written(NamedTuple):
    """Consecutive output lines as one text, and the refused lines among them (line, problem):
    what a worker hands back for a chunk, one piece of text to write."""

    text: str
    problems: tuple[tuple[int, str], ...] = ()
    counts: tuple[tuple[str, int], ...] = ()  # the outcomes of the lines, for a run's summary


# Lines per task: enough to amortise the hand-over, few enough that a chunk's output (some 300 KB)
# crosses the pipe in few turns of a busy machine (benchmarks/bench_simulate.py --jobs 2: 512 beat
# 1024 and 2048 with both cores shared); small for flat memory.
CHUNK = 512
_worker: Any = None  # the worker process's own state, built by _start


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on every platform
        return os.cpu_count() or 1


WORKERS_PER_CPU = 4


def max_jobs() -> int:
    """The most worker processes `--jobs` may ask for: a few per CPU (more make a CPU-bound map no
    faster, and each is a whole process with its own caches, so a huge number would exhaust
    memory)."""
    return WORKERS_PER_CPU * cpus()


def ordered_map(
    factory: Callable[..., Work[T, R]],
    args: tuple[Any, ...],
    items: Iterable[T],
    *,
    jobs: int = 1,
    chunk: int = CHUNK,
) -> Iterator[R]:
    """`factory(*args)(chunk)` over `items` in chunks, results in order; `jobs` processes (1: this
    one). The factory and its arguments go to each worker once (by fork where the platform has
    it, otherwise pickled)."""
    if jobs <= 1:
        work = factory(*args)
        for part in _chunks(items, chunk):
            yield from work(part)
        return
    # Loaded here: a run with one process does not pay for them at start-up.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    executor = ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start, initargs=(factory, args)
    )
    pending: deque[Future[list[R]]] = deque()
    try:
        for part in _chunks(items, chunk):
            pending.append(executor.submit(_run, part))
            if len(pending) >= 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def numbered(lines: Iterable[str | bytes]) -> Iterator[tuple[int, str | bytes]]:
    """The lines of a JSON-lines input with their numbers, blank lines skipped."""
    return ((n, text) for n, text in enumerate(lines, start=1) if text.strip())


Line = tuple[int, str | bytes]


def ordered_lines(
    factory: Callable[..., Work[Line, R]],
    args: tuple[Any, ...],
    lines: Iterable[str | bytes],
    *,
    jobs: int = 1,
    chunk: int = CHUNK,
) -> Iterator[R]:
    """`ordered_map(factory, args, numbered(lines))`, numbered where each chunk is mapped: this
    process only cuts the lines into slices (at C speed), which leaves it more of the machine."""
    slices = _slices(lines, chunk)
    return ordered_map(_numbering, (factory, args), slices, jobs=jobs, chunk=1)


def _slices(lines: Iterable[str | bytes], size: int) -> Iterator[tuple[int, list[str | bytes]]]:
    """Consecutive slices of the lines, each with the number of its first line."""
    it = iter(lines)
    start = 1
    while part := list(islice(it, size)):
        yield start, part
        start += len(part)


def _numbering(
    factory: Callable[..., Work[Line, R]], args: tuple[Any, ...]
) -> Work[tuple[int, list[str | bytes]], R]:
    work = factory(*args)

    def run(slices: list[tuple[int, list[str | bytes]]]) -> list[R]:
        out: list[R] = []
        for start, part in slices:
            out += work([(n, text) for n, text in enumerate(part, start) if text.strip()])
        return out

    return run


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    part: list[T] = []
    for item in items:
        part.append(item)
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part


def _start(factory: Callable[..., Any], args: tuple[Any, ...]) -> None:
    global _worker  # noqa: PLW0603 - one worker's state, in its own process
    # Ctrl-C is the parent's to handle (exit 130); workers end when it shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = factory(*args)


def _run(part: list[Any]) -> list[Any]:
    return _worker(part)  # type: ignore[no-any-return]
