"""`rolesim diff OLD NEW`: every region of the claims space whose outcome differs (CONTRACT §7).

Regions come from walking both pools' rules side by side (`regions.explore`), so each region has one
outcome in the old pool and one in the new; a witness probe per region is run through the engine in
both. Changes are grouped by provider, request options and the two outcome shapes; each group keeps
its first witness and counts its regions.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from simulator.analysis.access import AccessCheck, allowed, candidate_checks, iam_of
from simulator.analysis.probe import Probe, outcome_summary
from simulator.analysis.regions import DEFAULT_BUDGET, explore
from simulator.decision import Decision
from simulator.errors import ClaimsError, ConfigError, format_path
from simulator.model.document import Document, Node, read_file
from simulator.model.pool import IdentityPool
from simulator.resolve import ResolveOptions
from simulator.simulate import LoginRequest, parse_batch_line, simulate_one

Classification = Literal[
    "more_privileged", "less_privileged", "mixed", "same_access", "changed", "unknown"
]


@dataclass(frozen=True, slots=True)
class Change:
    id: str
    provider: str
    probe: Probe
    old: Decision
    new: Decision
    classification: Classification
    reasons: tuple[str, ...]
    regions: int = 1
    source: str = "analysis"  # or "corpus:<line>"
    accepted: str | None = None  # the justification of the accept entry that covers it
    path: tuple[str | int, ...] = ()  # where in the new pool file the new outcome is decided
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "claims": dict(self.probe.claims) if self.probe.claims is not None else None,
            "provider": self.provider,
            "witness": self.probe.to_json(),
            "old": self.old.to_json(trace=False),
            "new": self.new.to_json(trace=False),
            "old_summary": outcome_summary(self.old),
            "new_summary": outcome_summary(self.new),
            "classification": self.classification,
            "reasons": list(self.reasons),
            "regions": self.regions,
            "source": self.source,
            "accepted": self.accepted is not None,
            "justification": self.accepted,
            "path": format_path(self.path) if self.path else None,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class DiffReport:
    old_source: str
    new_source: str
    changes: tuple[Change, ...]
    complete: bool
    notes: tuple[str, ...] = ()
    regions_checked: int = 0
    corpus_lines: int = 0
    # Corpus lines refused as input, (line, problem): the rest of the corpus is still replayed.
    input_errors: tuple[tuple[int, str], ...] = ()

    @property
    def equivalent(self) -> bool:
        return not self.changes

    @property
    def unaccepted(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.accepted is None)

    @property
    def passed(self) -> bool:
        return not self.unaccepted

    def to_json(self) -> dict[str, Any]:
        return {
            "equivalent": self.equivalent,
            "changes": [c.to_json() for c in self.changes],
            "complete": self.complete,
            "old": self.old_source,
            "new": self.new_source,
            "regions_checked": self.regions_checked,
            "corpus_lines": self.corpus_lines,
            "accepted": len(self.changes) - len(self.unaccepted),
            "unaccepted": len(self.unaccepted),
            "notes": list(self.notes),
            "input_errors": [{"line": n, "input_error": p} for n, p in self.input_errors],
        }


def change_key(provider: str, probe: Probe, old: Decision, new: Decision) -> tuple[Any, ...]:
    """What a reviewer tells changes apart by: who asks, the outcome before and after, and which
    session tags appear or disappear. CustomRoleArn variants of one change fall into one group."""
    old_tags, new_tags = set(old.principal_tags), set(new.principal_tags)
    return (
        provider,
        probe.flow,
        old.role_arn or (old.error.code if old.error else None),
        new.role_arn or (new.error.code if new.error else None),
        tuple(sorted(new_tags - old_tags)),
        tuple(sorted(old_tags - new_tags)),
    )


def change_id(provider: str, probe: Probe, old: Decision, new: Decision) -> str:
    """Stable across runs for the same pair of pools, so an accept file can name it."""
    key = json.dumps(change_key(provider, probe, old, new), default=str)
    return "D" + hashlib.sha256(key.encode()).hexdigest()[:8]


def diff_pools(
    old: IdentityPool,
    new: IdentityPool,
    *,
    corpus: Iterable[str | bytes] | None = None,
    accept: AcceptList | None = None,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    new_doc: Document | None = None,
) -> DiffReport:
    """`new_doc`, the new pool file as read, lets each change point at a line in it."""
    found = explore([old, new], budget=budget, seed=seed)
    old_roles = {r.decisions[0].role_arn for r in found.regions if r.decisions[0].role_arn}
    groups: dict[tuple[Any, ...], Change] = {}
    classifier = _Classifier(old, new)
    for region in found.regions:
        d_old, d_new = region.decisions
        if d_old.outcome.key == d_new.outcome.key:
            continue
        key = change_key(region.provider, region.probe, d_old, d_new)
        if key in groups:
            groups[key] = replace(groups[key], regions=groups[key].regions + 1)
            continue
        cls, reasons = classifier.classify(region.probe, d_old, d_new, old_roles)
        groups[key] = Change(
            change_id(region.provider, region.probe, d_old, d_new),
            region.provider, region.probe, d_old, d_new, cls, reasons,
        )  # fmt: skip
    changes = list(groups.values())
    lines = 0
    refused: list[tuple[int, str]] = []
    if corpus is not None:
        for number, text in enumerate(corpus, start=1):
            if not text.strip():
                continue
            lines += 1
            try:
                change = _replay(number, text, old, new, classifier, old_roles)
            except ClaimsError as exc:
                refused.append((number, exc.message))
                continue
            if change is not None:
                changes.append(change)
    changes = [_locate(c, new, new_doc) for c in changes]
    if accept is not None:
        changes = [replace(c, accepted=accept.covers(c)) for c in changes]
    return DiffReport(
        old.source,
        new.source,
        tuple(changes),
        found.complete,
        tuple(found.notes),
        len(found.regions),
        lines,
        tuple(refused),
    )


def _locate(change: Change, new: IdentityPool, doc: Document | None) -> Change:
    d = change.new if change.new.role_arn or not change.old.role_arn else change.old
    mapping = next((m for m in new.role_mappings if m.key == d.role_mapping_key), None)
    path: tuple[str | int, ...] = ("Roles",)
    if mapping is not None:
        index = d.decided_by.rule_index
        path = (
            mapping.rules[index].path
            if index is not None and index < len(mapping.rules)
            else mapping.path
        )
    return replace(change, path=path, line=doc.line_of(path) if doc is not None else None)


def _replay(
    number: int,
    text: str | bytes,
    old: IdentityPool,
    new: IdentityPool,
    classifier: _Classifier,
    old_roles: set[str],
) -> Change | None:
    options = ResolveOptions(explain=False)
    request = parse_batch_line(text, LoginRequest(None))
    d_old = simulate_one(old, request, options)
    d_new = simulate_one(new, request, options)
    if d_old.outcome.key == d_new.outcome.key:
        return None
    probe = Probe(request.provider, request.claims, request.custom_role_arn)
    provider = d_new.role_mapping_key or d_new.login_provider or "unauthenticated"
    cls, reasons = classifier.classify(probe, d_old, d_new, old_roles)
    return Change(
        change_id(provider, probe, d_old, d_new), provider, probe, d_old, d_new, cls, reasons,
        source=f"corpus:{number}",
    )  # fmt: skip


class _Classifier:
    """More or less privileged: credentials issued where they were refused (or the reverse); for a
    role swap, the requests either role's Allow statements name, evaluated for both sessions."""

    def __init__(self, old: IdentityPool, new: IdentityPool) -> None:
        self.old = old
        self.new = new
        self.iam = iam_of(old) is not None and iam_of(new) is not None
        roles = set(old.role_arns()) | set(new.role_arns())
        self.checks: list[AccessCheck] = (
            candidate_checks([old, new], sorted(roles)) if self.iam else []
        )

    def classify(
        self, probe: Probe, d_old: Decision, d_new: Decision, old_roles: set[str]
    ) -> tuple[Classification, tuple[str, ...]]:
        reasons: list[str] = []
        if d_new.role_arn and d_new.role_arn not in old_roles:
            reasons.append(f"role {d_new.role_arn} was not reachable before")
        if d_old.role_arn is None and d_new.role_arn is not None:
            reasons.append("credentials are issued where the old pool refused")
            return "more_privileged", tuple(reasons)
        if d_old.role_arn is not None and d_new.role_arn is None:
            reasons.append("credentials are refused where the old pool issued them")
            return "less_privileged", tuple(reasons)
        if d_old.role_arn is None:
            reasons.append("a different error")
            return "changed", tuple(reasons)
        if not self.iam:
            reasons.append("no IAM data in both pool files to compare the roles' permissions")
            return "unknown", tuple(reasons)
        gained, lost = [], []
        for check in self.checks:
            a_old = allowed(self.old, probe, d_old, check)
            a_new = allowed(self.new, probe, d_new, check)
            if a_old is None or a_new is None:
                reasons.append("a role has no IAM data in the pool file")
                return "unknown", tuple(reasons)
            if a_new and not a_old:
                gained.append(f"{check.action} on {check.resource}")
            elif a_old and not a_new:
                lost.append(f"{check.action} on {check.resource}")
        reasons += [f"now allowed: {g}" for g in gained[:5]]
        reasons += [f"no longer allowed: {g}" for g in lost[:5]]
        if gained and lost:
            return "mixed", tuple(reasons)
        if gained:
            return "more_privileged", tuple(reasons)
        if lost:
            return "less_privileged", tuple(reasons)
        reasons.append(
            f"the {len(self.checks)} requests the roles' policies name are decided alike"
        )
        return "same_access", tuple(reasons)


# --- accepted changes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcceptEntry:
    justification: str
    id: str | None = None
    provider: str | None = None  # glob
    old: dict[str, str] = field(default_factory=dict)  # {"role_arn": ...} or {"error": ...}
    new: dict[str, str] = field(default_factory=dict)

    def matches(self, change: Change) -> bool:
        if self.id is not None:
            return change.id == self.id
        if self.provider is not None and not fnmatch.fnmatchcase(change.provider, self.provider):
            return False
        return _outcome_matches(self.old, change.old) and _outcome_matches(self.new, change.new)


def _outcome_matches(want: dict[str, str], d: Decision) -> bool:
    if "role_arn" in want and d.role_arn != want["role_arn"]:
        return False
    return not ("error" in want and (d.error is None or d.error.code != want["error"]))


@dataclass(frozen=True, slots=True)
class AcceptList:
    entries: tuple[AcceptEntry, ...]

    def covers(self, change: Change) -> str | None:
        for e in self.entries:
            if e.matches(change):
                return e.justification
        return None


def load_accept(path: Path | str) -> AcceptList:
    """The reviewed-changes file (see the diff command's help and examples/ci/README.md)."""
    doc = read_file(path)
    try:
        return _parse_accept(Node(doc.data))
    except ConfigError as err:
        raise doc.error(err) from None


def _parse_accept(root: Node) -> AcceptList:
    root.check_keys(("accept",), required=("accept",))
    entries = []
    for e in root.require("accept").elements():
        e.check_keys(("id", "provider", "old", "new", "justification"), required=("justification",))
        justification = e.require("justification").string(length=(1, 10_000))
        if not justification.strip():
            e.child("justification").fail("a justification is required")
        ident = e.get("id")
        prov = e.get("provider")
        sides = {}
        for side in ("old", "new"):
            n = e.get(side)
            want: dict[str, str] = {}
            if n is not None:
                n.check_keys(("role_arn", "error"))
                want = {k: v.string() for k, v in n.items()}
            sides[side] = want
        if ident is None and prov is None and not sides["old"] and not sides["new"]:
            e.fail("an accept entry needs an id, or provider/old/new to match changes by")
        entries.append(
            AcceptEntry(
                justification,
                ident.string() if ident else None,
                prov.string() if prov else None,
                sides["old"],
                sides["new"],
            )
        )
    return AcceptList(tuple(entries))
