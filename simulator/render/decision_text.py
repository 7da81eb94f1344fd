"""The text trace of one decision: provider -> mapping -> every rule -> decision -> tags -> doubts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from simulator.decision import Decision, Granted, outcome_json
from simulator.render.base import Renderer, console_for

_VERDICT_STYLE = {
    "match": ("match", "bold green"),
    "no-match": ("no match", "red"),
    "skipped": ("skipped", "yellow"),
    "not-evaluated": ("not evaluated", "dim"),
}


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(console: Console, name: str, body: Text | str) -> None:
    line = Text(f"{name:<15}", style="bold")
    line.append(body if isinstance(body, Text) else Text(body))
    console.print(line)


class DecisionText(Renderer[Decision]):
    def render(self, result: Decision, stream: IO[str]) -> None:
        console = console_for(stream)
        render_decision(result, console)


def render_decision(d: Decision, console: Console) -> None:
    _label(console, "Identity pool", f"{d.identity_pool_id} ({d.flow} flow)")
    if d.token is not None:
        tok = d.token
        how = "decoded without verification"
        if tok.verified:
            by = f": {tok.verified_by.describe()}" if tok.verified_by else ""
            how = f"verified against the JWKS{by}"
        body = "claims given as JSON" if tok.kind == "claims" else f"{tok.kind}, {how}"
        if tok.fingerprint:
            body += f" [{tok.fingerprint}]"
        if tok.expires_at is not None:
            body += f", expires {datetime.fromtimestamp(tok.expires_at, tz=UTC).isoformat()}"
        _label(console, "Token", body)
    for note in d.notes:
        _label(console, "Note", note)
    rules: Table | None = None
    for step in d.trace:
        data = step.data
        if step.step == "rule":
            if rules is None:
                rules = Table(
                    "#",
                    "claim",
                    "match",
                    "value",
                    "role",
                    "verdict",
                    "claim value",
                    box=None,
                    pad_edge=False,
                )
            label, style = _VERDICT_STYLE[str(data["verdict"])]
            rules.add_row(
                str(data["index"]),
                str(data["claim"]),
                str(data["match_type"]),
                _short(data["value"], 30),
                str(data["role_arn"]).rsplit("/", 1)[-1],
                Text(label, style=style),
                ""
                if data.get("verdict") == "not-evaluated"
                else (
                    "(absent)"
                    if data.get("claim_value") is None
                    else _short(data["claim_value"], 40)
                ),
            )
            continue
        if rules is not None:
            console.print(rules)
            rules = None
        name = {
            "provider": "Login provider",
            "mapping": "Role mapping",
            "token-roles": "Token roles",
            "flow": "Flow",
            "decision": "Because",
            "tags": "Session tags",
            "tag": "  tag",
            "note": "Note",
        }.get(step.step, step.step)
        _label(console, name, step.message)
    if rules is not None:
        console.print(rules)
    out = d.outcome
    if isinstance(out, Granted):
        extra = (
            f" (rule {out.decided_by.rule_index})" if out.decided_by.rule_index is not None else ""
        )
        _label(console, "Decision", Text(f"role {out.role_arn}{extra}", style="bold green"))
        tags = ", ".join(f"{k}={v}" for k, v in out.principal_tags.items()) or "none"
        _label(console, "Principal tags", tags)
    else:
        _label(
            console,
            "Decision",
            Text(f"no credentials: {out.error.code}: {out.error.message}", style="bold red"),
        )
    if d.trust is not None:
        t = d.trust
        style = {"allowed": "green", "denied": "bold red"}.get(t.outcome, "yellow")
        by = "; ".join(dict.fromkeys(m.label for m in t.matched))
        _label(
            console,
            "Trust",
            Text(f"{t.outcome}: {t.reason}" + (f" [{by}]" if by else ""), style=style),
        )
        for doubt in t.uncertain:
            _label(
                console, "  uncertain", Text(f"{doubt.assumption}: {doubt.detail}", style="yellow")
            )
    for a in d.access:
        verdict = a.verdict
        style = {"allowed": "bold green", "explicit_deny": "bold red", "implicit_deny": "red"}.get(
            verdict, "yellow"
        )
        line = Text(f"{a.request.action} on {a.request.resource}: ")
        line.append(verdict.replace("_", " "), style=style)
        _label(console, "Access", line)
        reason = a.decision.reason if a.decision is not None else a.reason
        if reason:
            _label(console, "  because", reason)
        if a.decision is not None:
            for m in a.decision.matched:
                _label(console, "  statement", m.label)
            for doubt in a.decision.uncertain:
                _label(
                    console,
                    "  uncertain",
                    Text(f"{doubt.assumption}: {doubt.detail}", style="yellow"),
                )
            for w in a.decision.warnings:
                _label(console, "  warning", w)
    if not d.uncertain:
        _label(console, "Uncertain", "no undocumented behaviour changes this decision")
    for u in d.uncertain:
        alt = outcome_json(u.alternative_outcome)
        what = alt["role_arn"] or (alt["error"] or {}).get("code")
        tags = f", tags {alt['principal_tags']}" if alt["principal_tags"] else ""
        _label(
            console,
            "Uncertain",
            Text(f"{u.assumption}: {u.detail}; alternative outcome: {what}{tags}", style="yellow"),
        )
