"""The text trace of one assessment: provider -> mapping -> every rule -> decision -> tags -> trust ->
access -> doubts. Each trace step type has its own short function; the rule steps form one table.
The renderer (simulator.render.decision_text) imports it for text output only: JSON needs no rich."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from simulator.access import AccessResult, Assessment
from simulator.decision import (
    DecisionStep,
    FlowStep,
    Granted,
    MappingStep,
    NoteStep,
    ProviderStep,
    RuleStep,
    Step,
    TagsStep,
    TagTraceStep,
    TokenRolesStep,
    TraceStep,
    outcome_json,
)
from simulator.iam import TrustDecision
from simulator.render.base import hanging
from simulator.render.console import safe_text
from simulator.wording import json_text, words

# Emphasis is kept for what decides: the matching rule and the decision.
_VERDICT_STYLE = {
    "match": ("match", "green"),
    "no-match": ("no match", ""),
    "skipped": ("skipped", "yellow"),
    "not-evaluated": ("not evaluated", "dim"),
}
_ACCESS_STYLE = {"allowed": "bold green", "explicit_deny": "bold red", "implicit_deny": "red"}

# The label each kind of step is printed under.
_LABELS: dict[type[Step], str] = {
    ProviderStep: "Login provider",
    MappingStep: "Role mapping",
    TokenRolesStep: "Token roles",
    FlowStep: "Flow",
    DecisionStep: "Because",
    TagsStep: "Session tags",
    TagTraceStep: "  tag",
    NoteStep: "Note",
}


LABEL_WIDTH = 15


def _claim_value(value: Any) -> str:
    """A claim's value as the token carries it: text as is, anything else as JSON."""
    return value if isinstance(value, str) else json_text(value)


def _label(console: Console, name: str, body: Text | str) -> None:
    hanging(console, name, body, width=LABEL_WIDTH)


def render_assessment(a: Assessment, console: Console) -> None:
    d = a.decision
    _label(console, "Identity pool", f"{d.identity_pool_id} ({d.flow} flow)")
    _token(console, a)
    for note in a.notes:
        _label(console, "Note", note)
    _trace(console, d.trace)
    _outcome(console, a)
    if a.trust is not None:
        _trust(console, a.trust)
    elif not a.iam_evaluated and isinstance(a.outcome, Granted):
        _label(console, "Trust", "not evaluated: no IAM data (IamRoles in the pool file, or --iam)")
    for result in a.access:
        _access(console, result)
    _uncertain(console, a)


def _token(console: Console, a: Assessment) -> None:
    if a.request.claims is None:
        return
    tok = a.request.info
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


def _trace(console: Console, trace: tuple[TraceStep, ...]) -> None:
    rules: list[RuleStep] = []
    for step in trace:
        if isinstance(step, RuleStep):
            rules.append(step)
            continue
        if rules:
            _print_rules(console, rules)
            rules = []
        _label(console, _LABELS.get(type(step), step.kind), step.message)
    if rules:
        _print_rules(console, rules)


_RULE_COLUMNS = ("#", "claim", "match", "value", "role", "verdict", "claim value")
# Which columns give up width first when the table is wider than the terminal: the claim's value,
# then the rule's value, the role and the claim; the short ones never.
_SHRINK_ORDER = (6, 3, 4, 1)
_GAP = 2


def _print_rules(console: Console, steps: list[RuleStep]) -> None:
    """Every claim, value and role in full: a cell too narrow for its text wraps inside itself,
    at spaces where it has them."""
    rows = [_rule_row(step) for step in steps]
    cells = [[Text(name) for name in _RULE_COLUMNS], *rows]
    natural = [max(c[i].cell_len for c in cells) for i in range(len(_RULE_COLUMNS))]
    longest_word = [
        max(len(word) for c in cells for word in (c[i].plain.split() or [""]))
        for i in range(len(_RULE_COLUMNS))
    ]
    widths = fit_columns(natural, longest_word, console.width - _GAP * len(natural))
    from rich.table import Table  # only the text output lays out a table

    table = Table(box=None, pad_edge=False, header_style="", padding=(0, _GAP, 0, 0))
    for name, width in zip(_RULE_COLUMNS, widths, strict=True):
        table.add_column(name, width=width, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def fit_columns(natural: list[int], minimum: list[int], available: int) -> list[int]:
    """Column widths within `available`: each at its natural width if all fit; else the columns
    of _SHRINK_ORDER give up width in turn down to their longest word (so text wraps at spaces),
    and only then all of them alike, in proportion (a word is then folded, never cut)."""
    widths = list(natural)
    for i in _SHRINK_ORDER:
        excess = sum(widths) - available
        if excess <= 0:
            return widths
        widths[i] = max(minimum[i], widths[i] - excess)
    excess = sum(widths) - available
    if excess > 0:
        share = sum(widths[i] for i in _SHRINK_ORDER)
        for i in _SHRINK_ORDER:
            widths[i] = max(1, widths[i] - -(-excess * widths[i] // share))
    return widths


def _rule_row(step: RuleStep) -> list[Text]:
    label, style = _VERDICT_STYLE[step.verdict]
    if step.verdict == "not-evaluated":
        shown = ""
    elif not step.claim_present:
        shown = "(absent)"
    else:
        shown = _claim_value(step.claim_value)
    return [
        safe_text(str(step.index)),
        safe_text(step.claim),
        safe_text(step.match_type),
        safe_text(step.value),
        safe_text(step.role_arn.rsplit("/", 1)[-1]),
        safe_text(label, style=style),
        safe_text(shown),
    ]


def _outcome(console: Console, a: Assessment) -> None:
    out = a.outcome
    if isinstance(out, Granted):
        extra = (
            f" (rule {out.decided_by.rule_index})" if out.decided_by.rule_index is not None else ""
        )
        _label(console, "Decision", Text(f"role {out.role_arn}{extra}", style="bold green"))
        _label(console, "Principal tags", words(out.principal_tags))
        return
    text = f"no credentials: {out.error.code}: {out.error.message}"
    pool = a.decision.outcome
    if isinstance(pool, Granted):
        text += f" (the pool chose {pool.role_arn}; STS refuses it)"
    _label(console, "Decision", Text(text, style="bold red"))


def _trust(console: Console, t: TrustDecision) -> None:
    style = {"allowed": "green", "denied": "bold red"}.get(t.outcome, "yellow")
    by = "; ".join(dict.fromkeys(m.label for m in t.matched))
    _label(
        console, "Trust", Text(f"{t.outcome}: {t.reason}" + (f" [{by}]" if by else ""), style=style)
    )
    for doubt in t.uncertain:
        _label(console, "  uncertain", Text(f"{doubt.assumption}: {doubt.detail}", style="yellow"))


def _access(console: Console, a: AccessResult) -> None:
    line = Text(f"{a.request.action} on {a.request.resource}: ")
    line.append(a.verdict.replace("_", " "), style=_ACCESS_STYLE.get(a.verdict, "yellow"))
    _label(console, "Access", line)
    if a.reason:
        _label(console, "  because", a.reason)
    each: list[tuple[str, Callable[[Any], Text | str], tuple[Any, ...]]] = []
    if a.decision is not None:
        each = [
            ("  statement", lambda m: m.label, a.decision.matched),
            ("  uncertain", lambda u: Text(f"{u.assumption}: {u.detail}", style="yellow"),
             a.decision.uncertain),
            ("  warning", str, a.decision.warnings),
        ]  # fmt: skip
    each.append(("  missing", str, a.missing))
    for label, show, items in each:
        for item in items:
            _label(console, label, show(item))


def _uncertain(console: Console, a: Assessment) -> None:
    d = a.decision
    if not a.rests_on:
        _label(console, "Uncertain", "no undocumented behaviour changes this answer")
    elif not d.uncertain:
        _label(console, "Uncertain", Text(
            "the pool's decision rests on no named assumption; trust or access rests on "
            + ", ".join(a.rests_on) + " (above)", style="yellow"))  # fmt: skip
    for u in d.uncertain:
        alt = outcome_json(u.alternative_outcome)
        what = alt["role_arn"] or (alt["error"] or {}).get("code")
        tags = f", tags {words(alt['principal_tags'])}" if alt["principal_tags"] else ""
        # A choice settled by `rolesim probe` is reported as observed, not assumed.
        _label(
            console,
            "Observed" if u.observed else "Uncertain",
            Text(
                f"{u.assumption}: {u.detail}; alternative outcome: {what}{tags}",
                style="cyan" if u.observed else "yellow",
            ),
        )
