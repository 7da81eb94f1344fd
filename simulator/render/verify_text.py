"""`verify`'s text: one block per login, the verdict, both sides, and every difference."""

from __future__ import annotations

import functools
from typing import IO

from rich.console import Console
from rich.text import Text

from simulator.live.verify import VerifyReport, VerifyResult
from simulator.render.base import JsonRenderer, OutputFormat, Renderer, console_for, hanging
from simulator.wording import words


class VerifyText(Renderer[VerifyReport]):
    """One block per login: the verdict, both sides, and every difference."""

    def render(self, result: VerifyReport, stream: IO[str]) -> None:
        console = console_for(stream)
        for item in result.results:
            _render_one(console, item)


def _render_one(console: Console, item: VerifyResult) -> None:
    verdict = Text("MATCH", style="green") if item.match else Text("MISMATCH", style="bold red")
    who = item.login + (f" (token {item.token})" if item.token else "")
    hanging(console, verdict, who, width=10)
    p, live = item.predicted, item.live
    if p.role_arn:
        predicted = f"role {p.role_arn} ({p.decided_by.kind})"
    elif p.error is not None:
        predicted = f"error {p.error.code}: {p.error.message}"
    else:
        predicted = "no credentials"
    line = functools.partial(hanging, console, width=18)
    line("  predicted", predicted)
    if live.error is not None:
        line("  AWS", f"error {live.error.code}: {live.error.message} ({live.error.operation})")
    else:
        line("  AWS", f"role {live.role_arn} (caller {live.assumed_role_arn})")
    if p.role_arn:
        line("  predicted tags", words(p.principal_tags))
    if live.principal_tags is not None:
        line("  AWS tags", words(live.principal_tags))
    if live.amr is not None:
        line("  amr", words(live.amr))
    for note in live.notes:
        line("  note", note)
    for uncertain in p.uncertain:
        line("  assumption", f"{uncertain.assumption}: {uncertain.detail}")
    for difference in item.differences:
        line(Text("  difference", style="red"), difference)


VERIFY_RENDERERS: dict[OutputFormat, Renderer[VerifyReport]] = {
    OutputFormat.TEXT: VerifyText(),
    OutputFormat.JSON: JsonRenderer(),
}
