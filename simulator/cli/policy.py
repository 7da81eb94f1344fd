"""`rolesim policy eval`: the IAM evaluation engine on its own (CONTRACT §6)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import typer
from rich.text import Text

from simulator import inputs
from simulator.access import iam_assumptions
from simulator.cli.common import parse_assume, parse_context
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.errors import ConfigError, UsageError, format_path
from simulator.iam import (
    AccessDecision,
    NamedPolicy,
    Request,
    SessionPrincipal,
    evaluate,
    parse_policy,
)
from simulator.iam.assumptions import Assumptions
from simulator.iam.policy import PolicyKind
from simulator.model.document import plain, read_file
from simulator.render.base import OutputFormat, Renderer, console_for, pick
from simulator.render.terminal import printable
from simulator.semantics.assumptions import AssumptionSet

policy_app = typer.Typer(
    name="policy",
    help="IAM policy evaluation without an identity pool.",
    no_args_is_help=True,
    add_completion=False,
)

_DECISION_STYLE = {
    "allowed": ("ALLOWED", "bold green"),
    "explicit_deny": ("EXPLICIT DENY", "bold red"),
    "implicit_deny": ("IMPLICIT DENY", "bold yellow"),
}


# --- rendering ----------------------------------------------------------------------------------


class DecisionText(Renderer[AccessDecision]):
    """Decision, reason, deciding statements, uncertainties and warnings, for a reader."""

    def render(self, result: AccessDecision, stream: IO[str]) -> None:
        console = console_for(stream)
        label, style = _DECISION_STYLE[result.decision]
        console.print(Text.assemble((label, style), f"  {result.action} on {result.resource}"))
        console.print(f"  reason: {result.reason}")
        if result.matched:
            console.print("  deciding statements:")
            for item in result.matched:
                sid = f" ({item.sid})" if item.sid else ""
                console.print(
                    f"    - {item.effect} {item.kind.replace('_', ' ')} policy "
                    f"{item.policy} statement {item.statement_index}{sid}"
                )
        for uncertainty in result.uncertain:
            other = uncertainty.alternative_outcome.get("decision", "?")
            console.print(
                Text.assemble(
                    "  ", ("uncertain", "magenta"),
                    f": {uncertainty.assumption}: {uncertainty.detail} (alternative: {other})",
                )
            )  # fmt: skip
        for warning in result.warnings:
            console.print(Text.assemble("  ", ("warning", "yellow"), f": {warning}"))


class DecisionJson(Renderer[AccessDecision]):
    def render(self, result: AccessDecision, stream: IO[str]) -> None:
        json.dump(result.to_json(), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


RENDERERS: dict[OutputFormat, Renderer[AccessDecision]] = {
    OutputFormat.TEXT: DecisionText(),
    OutputFormat.JSON: DecisionJson(),
}


# --- input --------------------------------------------------------------------------------------


def _policy_file(path: Path, kind: PolicyKind) -> NamedPolicy:
    """A policy file, JSON or YAML; errors name the file, the line and the path inside it."""
    doc = read_file(path)
    try:
        return NamedPolicy(path.name, parse_policy(plain(doc.data), kind=kind))
    except ConfigError as exc:
        raise doc.error(exc) from None


def parse_assumptions(items: Sequence[str]) -> Assumptions:
    """`--assume NAME=CHOICE`, checked against the one registry; only IAM-side names matter here."""
    return iam_assumptions(AssumptionSet.parse(parse_assume(list(items))))


@dataclass(frozen=True, slots=True)
class PolicyInputs:
    identity: tuple[NamedPolicy, ...] = ()
    boundary: NamedPolicy | None = None
    session: tuple[NamedPolicy, ...] = ()
    resource: NamedPolicy | None = None
    scps: tuple[NamedPolicy, ...] = ()

    def decide(
        self, request: Request, principal: SessionPrincipal | None, assumptions: Assumptions
    ) -> AccessDecision:
        return evaluate(
            request,
            identity_policies=self.identity,
            permissions_boundary=self.boundary,
            session_policies=self.session,
            resource_policy=self.resource,
            scps=self.scps,
            principal=principal,
            assumptions=assumptions,
        )


# --- batch --------------------------------------------------------------------------------------


class _LineError(Exception):
    pass


class _Parsed:
    """Policies seen in a requests file, parsed once per distinct document."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], NamedPolicy] = {}

    def policy(self, document: Any, kind: PolicyKind, where: tuple[str | int, ...]) -> NamedPolicy:
        key = (kind, json.dumps(document, sort_keys=True))
        found = self._cache.get(key)
        if found is None:
            try:
                found = NamedPolicy(format_path(where), parse_policy(document, kind=kind))
            except ConfigError as exc:
                raise _LineError(f"{format_path((*where, *exc.path))}: {exc.message}") from None
            self._cache[key] = found
        return found

    def many(self, documents: Any, kind: PolicyKind, field: str) -> tuple[NamedPolicy, ...]:
        if not isinstance(documents, list):
            raise _LineError(f"{field} must be a list of policy documents")
        return tuple(self.policy(d, kind, (field, i)) for i, d in enumerate(documents))


_LINE_KEYS = frozenset(
    {
        "policies",
        "permissions_boundary",
        "session_policies",
        "resource_policy",
        "scps",
        "action",
        "resource",
        "context",
    }
)


def _request_from_line(
    line: bytes, source: str, parsed: _Parsed, base: PolicyInputs
) -> tuple[Request, PolicyInputs]:
    kind = inputs.REQUEST_LINE
    try:
        data = inputs.parse_json(inputs.line_text(line, source, kind), source, kind, one_line=True)
    except ConfigError as exc:
        raise _LineError(exc.message) from None
    if not isinstance(data, Mapping):
        raise _LineError("expected a JSON object")
    unknown = sorted(set(data) - _LINE_KEYS)
    if unknown:
        raise _LineError(f"unknown field {unknown[0]!r}")
    action, resource = data.get("action"), data.get("resource")
    if not isinstance(action, str) or not action:
        raise _LineError("missing or non-string 'action'")
    if not isinstance(resource, str) or not resource:
        raise _LineError("missing or non-string 'resource'")
    context = data.get("context") or {}
    if not isinstance(context, Mapping) or not all(
        isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        for v in context.values()
    ):
        raise _LineError("'context' must map keys to strings or lists of strings")
    given = PolicyInputs(
        identity=parsed.many(data["policies"], "identity", "policies")
        if "policies" in data
        else base.identity,
        boundary=(
            parsed.policy(data["permissions_boundary"], "boundary", ("permissions_boundary",))
            if data.get("permissions_boundary") is not None
            else (None if "permissions_boundary" in data else base.boundary)
        ),
        session=parsed.many(data["session_policies"], "session", "session_policies")
        if "session_policies" in data
        else base.session,
        resource=(
            parsed.policy(data["resource_policy"], "resource", ("resource_policy",))
            if data.get("resource_policy") is not None
            else (None if "resource_policy" in data else base.resource)
        ),
        scps=parsed.many(data["scps"], "scp", "scps") if "scps" in data else base.scps,
    )
    return Request(action, resource, dict(context)), given


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with inputs.open_lines(path, inputs.REQUEST_LINE) as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line


def _batch(
    path: Path,
    base: PolicyInputs,
    principal: SessionPrincipal | None,
    assumptions: Assumptions,
    fmt: OutputFormat,
    output: Path | None,
    read: Sequence[Path | None],
) -> int:
    parsed = _Parsed()
    bad = 0
    renderer = pick(RENDERERS, fmt, "policy eval")
    with open_output(output, inputs=(path, *read)) as out:
        for number, line in _lines(path):
            try:
                request, given = _request_from_line(line, str(path), parsed, base)
            except _LineError as exc:
                bad += 1
                print(f"rolesim: {printable(f'{path}:{number}: {exc}')}", file=sys.stderr)
                if fmt is OutputFormat.JSON:
                    out.write(
                        json.dumps({"line": number, "decision": None, "error": str(exc)}) + "\n"
                    )
                continue
            decision = given.decide(request, principal, assumptions)
            if fmt is OutputFormat.JSON:
                record = {"line": number, **decision.to_json()}
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            else:
                out.write(f"line {number}:\n")
                renderer.render(decision, out)
    return ExitCode.BAD_INPUT if bad else ExitCode.OK


# --- the command --------------------------------------------------------------------------------


@policy_app.command("eval")
def eval_command(
    policy: list[Path] = typer.Option(
        [], "--policy", "-p", help="Identity policy file, JSON or YAML (repeatable)."
    ),
    permissions_boundary: Path | None = typer.Option(
        None, "--permissions-boundary", help="Permissions boundary file."
    ),
    session_policy: list[Path] = typer.Option(
        [], "--session-policy", help="Session policy file (repeatable)."
    ),
    resource_policy: Path | None = typer.Option(
        None, "--resource-policy", help="Resource-based policy file."
    ),
    scp: list[Path] = typer.Option(
        [], "--scp", help="Service control policy file, one per level (repeatable)."
    ),
    principal_arn: str | None = typer.Option(
        None, "--principal-arn", help="The caller's role ARN, for a resource policy's Principal."
    ),
    session_name: str = typer.Option(
        "CognitoIdentityCredentials", "--session-name", help="The caller's role session name."
    ),
    action: str | None = typer.Option(
        None, "--action", "-a", help="The action, e.g. s3:GetObject."
    ),
    resource: str | None = typer.Option(None, "--resource", "-r", help="The resource ARN."),
    context: list[str] = typer.Option(
        [],
        "--context",
        help="KEY=VALUE request context (repeatable; a key given twice is multivalued).",
    ),
    requests: Path | None = typer.Option(
        None, "--requests", help="JSON lines, one request each (CONTRACT §6)."
    ),
    assume: list[str] = typer.Option(
        [], "--assume", help="NAME=CHOICE: switch an IAM named assumption."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.TEXT, "--format", "-f", help="text or json."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
) -> int:
    """Decide whether policies allow an action on a resource, and explain which statements decided."""
    assumptions = parse_assumptions(assume)
    pick(RENDERERS, fmt, "policy eval")
    if requests is not None and (action is not None or resource is not None or context):
        raise UsageError("give either --requests or --action/--resource/--context, not both")
    if requests is None and (action is None or resource is None):
        raise UsageError("give --action and --resource (or --requests FILE.jsonl)")
    base = PolicyInputs(
        identity=tuple(_policy_file(p, "identity") for p in policy),
        boundary=_policy_file(permissions_boundary, "boundary") if permissions_boundary else None,
        session=tuple(_policy_file(p, "session") for p in session_policy),
        resource=_policy_file(resource_policy, "resource") if resource_policy else None,
        scps=tuple(_policy_file(p, "scp") for p in scp),
    )
    principal = SessionPrincipal(principal_arn, session_name or None) if principal_arn else None
    read = (*policy, permissions_boundary, *session_policy, resource_policy, *scp)
    if requests is not None:
        return _batch(requests, base, principal, assumptions, fmt, output, read)
    assert action is not None
    assert resource is not None
    decision = base.decide(
        Request(action, resource, parse_context(context)), principal, assumptions
    )
    with open_output(output, inputs=read) as stream:
        RENDERERS[fmt].render(decision, stream)
    return ExitCode.OK


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
