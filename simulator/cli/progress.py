"""A batch's progress bar on stderr: lines, rate and, for a file, ETA (rich's progress display)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text


class _LineRate(ProgressColumn):
    def render(self, task: Task) -> Text:
        lines = int(task.fields.get("lines", 0))
        elapsed = task.elapsed or 0.0
        rate = f", {lines / elapsed:,.0f}/s" if elapsed > 0 else ""
        return Text(f"{lines:,} lines{rate}")


@contextlib.contextmanager
def progress_bar(
    name: str, lines: Iterator[bytes], total: int | None, console: Console
) -> Iterator[Iterator[bytes]]:
    """`lines`, counted on a bar named `name` whose end is `total` bytes (None: unknown)."""
    columns: list[ProgressColumn | str] = [TextColumn(name), BarColumn()]
    columns += [_LineRate()] + ([TimeRemainingColumn()] if total else [])
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("lines", total=total, lines=0)

        def counted() -> Iterator[bytes]:
            for number, line in enumerate(lines, start=1):
                progress.update(task, advance=len(line), lines=number)
                yield line

        yield counted()
