"""`verify`'s text: one block per login, the verdict, both sides, and every difference."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO

from rich.console import Console
from rich.text import Text

from simulator.live.verify import VerifyReport, VerifyResult
from simulator.render.base import JsonRenderer, OutputFormat, Renderer, console_for


class VerifyText(Renderer[VerifyReport]):
    """One block per login: the verdict, both sides, and every difference."""

    def render(self, result: VerifyReport, stream: IO[str]) -> None:
        console = console_for(stream)
        for item in result.results:
            _render_one(console, item)


def _tags(tags: Mapping[str, str] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in tags.items()) if tags else "none"


def _render_one(console: Console, item: VerifyResult) -> None:
    verdict = ("MATCH", "green") if item.match else ("MISMATCH", "red")
    who = item.login + (f" (token {item.token})" if item.token else "")
    console.print(Text.assemble(verdict, f"  {who}"))
    p, live = item.predicted, item.live
    predicted = (
        f"role {p.role_arn} ({p.decided_by.kind})"
        if p.role_arn
        else f"error {p.error.code if p.error else '?'}: {p.error.message if p.error else ''}"
    )
    console.print(f"  predicted: {predicted}")
    if live.error is not None:
        aws = f"error {live.error.code}: {live.error.message} ({live.error.operation})"
    else:
        aws = f"role {live.role_arn} (caller {live.assumed_role_arn})"
    console.print(f"  AWS:       {aws}")
    if p.role_arn:
        console.print(f"  predicted tags: {_tags(p.principal_tags)}")
    if live.principal_tags is not None:
        console.print(f"  AWS tags:       {_tags(live.principal_tags)}")
    if live.amr is not None:
        console.print(f"  amr:            {', '.join(live.amr)}")
    for note in live.notes:
        console.print(f"  note: {note}")
    for uncertain in p.uncertain:
        console.print(f"  assumption {uncertain.assumption}: {uncertain.detail}")
    for difference in item.differences:
        console.print(Text.assemble("  ", ("difference:", "red"), f" {difference}"))


VERIFY_RENDERERS: dict[OutputFormat, Renderer[VerifyReport]] = {
    OutputFormat.TEXT: VerifyText(),
    OutputFormat.JSON: JsonRenderer(),
}
