"""The text trace of one assessment: provider -> mapping -> every rule -> decision -> tags -> trust ->
access -> doubts, as the blocks of a sheet (simulator.render.sheet). Each trace step type has its
own short function; the rule steps form one table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

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
from simulator.render.sheet import Block, Cell, Line, Span, Table, span
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

Body = str | tuple[Span, ...]


def _claim_value(value: Any) -> str:
    """A claim's value as the token carries it: text as is, anything else as JSON."""
    return value if isinstance(value, str) else json_text(value)


def _label(out: list[Block], name: str, body: Body) -> None:
    out.append(Line(span(name), span(body) if isinstance(body, str) else body, LABEL_WIDTH))


def assessment_sheet(a: Assessment) -> list[Block]:
    out: list[Block] = []
    d = a.decision
    _label(out, "Identity pool", f"{d.identity_pool_id} ({d.flow} flow)")
    _token(out, a)
    for note in a.notes:
        _label(out, "Note", note)
    _trace(out, d.trace)
    _outcome(out, a)
    if a.trust is not None:
        _trust(out, a.trust)
    elif not a.iam_evaluated and isinstance(a.outcome, Granted):
        _label(out, "Trust", "not evaluated: no IAM data (IamRoles in the pool file, or --iam)")
    for result in a.access:
        _access(out, result)
    _uncertain(out, a)
    return out


def _token(out: list[Block], a: Assessment) -> None:
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
    _label(out, "Token", body)


def _trace(out: list[Block], trace: tuple[TraceStep, ...]) -> None:
    rules: list[RuleStep] = []
    for step in trace:
        if isinstance(step, RuleStep):
            rules.append(step)
            continue
        if rules:
            out.append(_rules(rules))
            rules = []
        _label(out, _LABELS.get(type(step), step.kind), step.message)
    if rules:
        out.append(_rules(rules))


_RULE_COLUMNS = ("#", "claim", "match", "value", "role", "verdict", "claim value")
# Which columns give up width first when the table is wider than the terminal: the claim's value,
# then the rule's value, the role and the claim; the short ones never.
_SHRINK_ORDER = (6, 3, 4, 1)
_GAP = 2


def _rules(steps: list[RuleStep]) -> Table:
    """Every claim, value and role in full: a cell too narrow for its text wraps inside itself,
    at spaces where it has them."""
    return Table(_RULE_COLUMNS, tuple(_rule_row(step) for step in steps), _SHRINK_ORDER, _GAP)


def _rule_row(step: RuleStep) -> tuple[Cell, ...]:
    label, style = _VERDICT_STYLE[step.verdict]
    if step.verdict == "not-evaluated":
        shown = ""
    elif not step.claim_present:
        shown = "(absent)"
    else:
        shown = _claim_value(step.claim_value)
    return (
        span(str(step.index)),
        span(step.claim),
        span(step.match_type),
        span(step.value),
        span(step.role_arn.rsplit("/", 1)[-1]),
        span(label, style),
        span(shown),
    )


def _outcome(out: list[Block], a: Assessment) -> None:
    result = a.outcome
    if isinstance(result, Granted):
        rule = result.decided_by.rule_index
        extra = f" (rule {rule})" if rule is not None else ""
        _label(out, "Decision", span(f"role {result.role_arn}{extra}", "bold green"))
        _label(out, "Principal tags", words(result.principal_tags))
        return
    text = f"no credentials: {result.error.code}: {result.error.message}"
    pool = a.decision.outcome
    if isinstance(pool, Granted):
        text += f" (the pool chose {pool.role_arn}; STS refuses it)"
    _label(out, "Decision", span(text, "bold red"))


def _trust(out: list[Block], t: TrustDecision) -> None:
    style = {"allowed": "green", "denied": "bold red"}.get(t.outcome, "yellow")
    by = "; ".join(dict.fromkeys(m.label for m in t.matched))
    _label(out, "Trust", span(f"{t.outcome}: {t.reason}" + (f" [{by}]" if by else ""), style))
    for doubt in t.uncertain:
        _label(out, "  uncertain", span(f"{doubt.assumption}: {doubt.detail}", "yellow"))


def _access(out: list[Block], a: AccessResult) -> None:
    verdict = (a.verdict.replace("_", " "), _ACCESS_STYLE.get(a.verdict, "yellow"))
    _label(out, "Access", ((f"{a.request.action} on {a.request.resource}: ", ""), verdict))
    if a.reason:
        _label(out, "  because", a.reason)
    each: list[tuple[str, Callable[[Any], Body], tuple[Any, ...]]] = []
    if a.decision is not None:
        each = [
            ("  statement", lambda m: m.label, a.decision.matched),
            ("  uncertain", lambda u: span(f"{u.assumption}: {u.detail}", "yellow"),
             a.decision.uncertain),
            ("  warning", str, a.decision.warnings),
        ]  # fmt: skip
    each.append(("  missing", str, a.missing))
    for label, show, items in each:
        for item in items:
            _label(out, label, show(item))


def _uncertain(out: list[Block], a: Assessment) -> None:
    d = a.decision
    if not a.rests_on:
        _label(out, "Uncertain", "no undocumented behaviour changes this answer")
    elif not d.uncertain:
        _label(out, "Uncertain", span(
            "the pool's decision rests on no named assumption; trust or access rests on "
            + ", ".join(a.rests_on) + " (above)", "yellow"))  # fmt: skip
    for u in d.uncertain:
        alt = outcome_json(u.alternative_outcome)
        what = alt["role_arn"] or (alt["error"] or {}).get("code")
        tags = f", tags {words(alt['principal_tags'])}" if alt["principal_tags"] else ""
        # A choice settled by `rolesim probe` is reported as observed, not assumed.
        _label(
            out,
            "Observed" if u.observed else "Uncertain",
            span(
                f"{u.assumption}: {u.detail}; alternative outcome: {what}{tags}",
                "cyan" if u.observed else "yellow",
            ),
        )
