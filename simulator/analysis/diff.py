"""`rolesim diff OLD NEW`: every region of the claims space whose outcome differs (CONTRACT §7).

Regions come from walking both pools' rules side by side (`regions.explore`), so each region has one
outcome in the old pool and one in the new; a witness probe per region is run through the engine in
both (for its outcome alone; each change's witness is then assessed whole). Changes are grouped by
provider, request options and the two outcome shapes; each group keeps its first witness and counts
its regions.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Callable, Container, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import msgspec

from simulator.access import Assessment
from simulator.analysis.access import assess_witness, candidate_checks, iam_of, role_policies_of
from simulator.analysis.explorer import Scope, explore
from simulator.analysis.graph import PoolGraph
from simulator.analysis.outcomes import Outcome, outcome_summary
from simulator.analysis.population import EXAMPLES, Moved, PopulationSummary, moved, who
from simulator.analysis.regions import DEFAULT_BUDGET, Exploration
from simulator.batch import parse_batch_line
from simulator.claims import login_of
from simulator.decision import Outcome as PoolOutcome
from simulator.decision import OutcomeView
from simulator.errors import ClaimsError, ConfigError, format_path
from simulator.model.document import Document, read_file
from simulator.model.pool import IdentityPool
from simulator.node import Node
from simulator.parallel import numbered, ordered_map
from simulator.request import LoginRequest
from simulator.resolve import outcome_of
from simulator.simulate import decide

Classification = Literal[
    "more_privileged", "less_privileged", "mixed", "same_access", "changed", "unknown"
]


class Change(msgspec.Struct, frozen=True):
    id: str
    provider: str
    probe: LoginRequest
    old: Assessment
    new: Assessment
    classification: Classification
    reasons: tuple[str, ...]
    regions: int = 1
    source: str = "analysis"  # or "corpus:<line>"
    accepted: str | None = None  # the justification of the accept entry that covers it
    path: tuple[str | int, ...] = ()  # where in the new pool file the new outcome is decided
    line: int | None = None
    corpus_lines: tuple[int, ...] = ()  # lines of the claims corpus this change moves
    # For a pool imported from a native file: that file, the path inside it and the construct.
    file: str | None = None
    native_path: str | None = None
    construct: str | None = None
    corpus_examples: tuple[str, ...] = ()  # a few of the users it moves, by sub

    @property
    def population(self) -> Moved:
        """This change's share of the replayed corpus."""
        return moved(self.old, self.new, len(self.corpus_lines), self.corpus_examples)

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
            "corpus_lines": list(self.corpus_lines),
            "population": self.population.to_json(),
            **{k: v for k, v in (("file", self.file), ("native_path", self.native_path),
                                 ("construct", self.construct)) if v is not None},
        }  # fmt: skip


class DiffReport(msgspec.Struct, frozen=True):
    old_source: str
    new_source: str
    changes: tuple[Change, ...]
    complete: bool
    notes: tuple[str, ...] = ()
    regions_checked: int = 0
    corpus_lines: int = 0
    # Corpus lines refused as input, (line, problem): the rest of the corpus is still replayed.
    input_errors: tuple[tuple[int, str], ...] = ()
    # The new pool drawn with the changes marked, for the Markdown report (not part of the JSON).
    graph: PoolGraph | None = None
    replayed: bool = False  # a corpus was replayed (--claims-file)

    @property
    def population(self) -> PopulationSummary | None:
        """How many of the corpus's users the changes move; None without a corpus."""
        if not self.replayed:
            return None
        moving = tuple(c.population for c in self.changes if c.corpus_lines)
        return PopulationSummary(self.corpus_lines - len(self.input_errors), moving)

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
            "population": population.to_json() if (population := self.population) else None,
        }


def change_key(provider: str, probe: LoginRequest, old: Outcome, new: Outcome) -> tuple[Any, ...]:
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


def change_id(provider: str, probe: LoginRequest, old: Outcome, new: Outcome) -> str:
    """Stable across runs for the same pair of pools, so an accept file can name it."""
    return _id(change_key(provider, probe, old, new))


def _id(key: tuple[Any, ...]) -> str:
    return "D" + hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:8]


def diff_pools(
    old: IdentityPool,
    new: IdentityPool,
    *,
    corpus: Iterable[str | bytes] | None = None,
    accept: AcceptList | None = None,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    new_doc: Document | None = None,
    now: datetime | None = None,
    jobs: int = 1,
) -> DiffReport:
    """`new_doc`, the new pool file as read, lets each change point at a line in it; `jobs`
    processes screen the corpus (the same report for any number).

    Regions are found from the pools' own decisions; each region's witness is then assessed whole
    (trust and access too, where the pool files carry IAM data), so a change of a role's policies
    is a change even where the role mapping is the same.
    """
    found, differing, old_roles = _differences(old, new, Scope(budget=budget, seed=seed))
    compare = _Comparison(old, new, old_roles, now)
    groups: dict[tuple[Any, ...], Change] = {}
    for provider, probe, d_old, d_new in differing:
        key = change_key(provider, probe, d_old, d_new)
        if key in groups:
            groups[key] = msgspec.structs.replace(groups[key], regions=groups[key].regions + 1)
            continue
        change = compare.change(provider, probe, key)
        if change is not None:
            groups[key] = change
    lines = 0
    refused: list[tuple[int, str]] = []
    # One row per change: a corpus line in a change the analysis found is counted there. Lines
    # and examples are gathered per change and attached once (a corpus has millions of lines).
    moved_lines: dict[tuple[Any, ...], list[int]] = {}
    examples: dict[tuple[Any, ...], list[str]] = {}
    for number, text, screen_problem in _screened(old, new, corpus, jobs):
        lines += 1
        problem, found_line = screen_problem, None
        if text is not None:
            try:
                found_line = _replay(number, text, compare, groups)
            except ClaimsError as exc:
                problem = exc.message
        if problem is not None:
            refused.append((number, problem))  # the rest of the corpus is still replayed
            continue
        if found_line is not None:
            key, request = found_line
            moved_lines.setdefault(key, []).append(number)
            named = examples.setdefault(key, [])
            if len(named) < EXAMPLES:
                named.append(who(request, number))
    for key, numbers in moved_lines.items():
        groups[key] = msgspec.structs.replace(
            groups[key], corpus_lines=tuple(numbers), corpus_examples=tuple(examples[key])
        )
    changes = [_locate(c, new, new_doc) for c in groups.values()]
    if accept is not None:
        changes = [msgspec.structs.replace(c, accepted=accept.covers(c)) for c in changes]
    return DiffReport(
        old.source,
        new.source,
        tuple(changes),
        found.complete,
        tuple(found.notes),
        found.visited,
        lines,
        tuple(refused),
        replayed=corpus is not None,
    )


# A region whose outcome differs: provider label, witness, its outcome in the old and new pool.
Differing = tuple[str, LoginRequest, Outcome, Outcome]


def _differences(
    old: IdentityPool, new: IdentityPool, scope: Scope
) -> tuple[Exploration, list[Differing], Container[str]]:
    """The regions of the two pools, those whose outcomes differ in walk order, and the roles the
    old pool grants in any region. Each witness is decided without the re-checks under flipped
    assumptions (the changes reported are assessed whole); a witness of a provider both pools
    configure alike is decided alike in both, so only if asked which roles the old pool grants."""
    regions = _Regions(old, new)
    found = explore([old, new], msgspec.structs.replace(scope, visit=regions.visit))
    return found, regions.differing, regions.reached


class _Seen(OutcomeView, msgspec.Struct, frozen=True):
    """A witness's outcome in one pool, read as a Decision is."""

    outcome: PoolOutcome


def _seen(pool: IdentityPool, probe: LoginRequest) -> _Seen:
    return _Seen(outcome_of(pool, login_of(probe, pool), probe))


class _Reached:
    """The roles a pool grants in the regions; witnesses set aside are decided when a role is not
    yet among them."""

    def __init__(self, pool: IdentityPool) -> None:
        self.pool = pool
        self.roles: set[str] = set()
        self.pending: list[LoginRequest] = []

    def add(self, role: str | None) -> None:
        if role is not None:
            self.roles.add(role)

    def __contains__(self, role: object) -> bool:
        while role not in self.roles and self.pending:
            self.add(_seen(self.pool, self.pending.pop()).role_arn)
        return role in self.roles


class _Regions:
    """What the diff keeps of the regions as the walk finds them (`Scope.visit`)."""

    def __init__(self, old: IdentityPool, new: IdentityPool) -> None:
        self.old, self.new = old, new
        self.iam = iam_of(old) is not None and iam_of(new) is not None
        self.differing: list[Differing] = []
        self.reached = _Reached(old)

    def visit(self, provider: str, probe: LoginRequest, alike: bool) -> None:
        if alike:
            # The same decision in both pools, and the same role policies (the pools' IAM data is
            # part of what they configure alike): no change here.
            self.reached.pending.append(probe)
            return
        d_old, d_new = _seen(self.old, probe), _seen(self.new, probe)
        self.reached.add(d_old.role_arn)
        if d_old.outcome.key != d_new.outcome.key or _role_changed(
            self.old, self.new, self.iam, d_old.role_arn
        ):
            self.differing.append((provider, probe, d_old, d_new))


def _role_changed(old: IdentityPool, new: IdentityPool, iam: bool, arn: str | None) -> bool:
    """With IAM data on both sides (`iam`): does `arn` carry other policies in the new pool file?"""
    return iam and arn is not None and role_policies_of(old, arn) != role_policies_of(new, arn)


def _locate(change: Change, new: IdentityPool, doc: Document | None) -> Change:
    side = change.new if change.new.role_arn or not change.old.role_arn else change.old
    d = side.decision
    mapping = next((m for m in new.role_mappings if m.key == d.role_mapping_key), None)
    path: tuple[str | int, ...] = ("Roles",)
    if mapping is not None:
        index = d.decided_by.rule_index
        path = (
            mapping.rules[index].path
            if index is not None and index < len(mapping.rules)
            else mapping.path
        )
    origin = doc.where(path) if doc is not None else None
    if origin is not None:
        return msgspec.structs.replace(change, path=path, line=origin.line, file=origin.file,
                       native_path=origin.native_path, construct=origin.construct)  # fmt: skip
    return msgspec.structs.replace(
        change, path=path, line=doc.line_of(path) if doc is not None else None
    )


Screened = tuple[int, str | bytes | None, str | None]


def _screened(
    old: IdentityPool, new: IdentityPool, corpus: Iterable[str | bytes] | None, jobs: int
) -> Iterable[Screened]:
    """The corpus lines to replay (None: the same outcome in both pools) or refuse, in order. With
    one process every line goes to `_replay` as it is: screening first would decide each changed
    line twice."""
    if corpus is None:
        return ()
    if jobs <= 1:
        return ((number, text, None) for number, text in numbered(corpus))
    return ordered_map(_screen, (old, new), numbered(corpus), jobs=jobs)


def _screen(
    old: IdentityPool, new: IdentityPool
) -> Callable[[list[tuple[int, str | bytes]]], list[Screened]]:
    """A worker's share of the corpus replay (`--jobs`): each line's pool decisions in both
    pools; only a line whose outcome changes (kept whole, for `_replay`) or that is refused (its
    problem) goes back. Pure: the changes are built in order by the caller."""
    compare = _Comparison(old, new, set(), None)

    def screen(part: list[tuple[int, str | bytes]]) -> list[Screened]:
        out: list[Screened] = []
        for number, text in part:
            try:
                request = parse_batch_line(text, LoginRequest.guest())
            except ClaimsError as exc:
                out.append((number, None, exc.message))
                continue
            d_old, d_new = decide(old, request), decide(new, request)
            same = d_old.outcome.key == d_new.outcome.key and not compare.role_changed(
                d_old.role_arn
            )
            out.append((number, None if same else text, None))
        return out

    return screen


def _replay(
    number: int,
    text: str | bytes,
    compare: _Comparison,
    groups: dict[tuple[Any, ...], Change],
) -> tuple[tuple[Any, ...], LoginRequest] | None:
    """The key of the change one corpus line falls in (an existing group, or a new one added to
    `groups`), with the line's request; None when the line's outcome does not change.

    A line that cannot be read raises ClaimsError; the caller names the line."""
    request = parse_batch_line(text, LoginRequest.guest())
    d_old, d_new = decide(compare.old, request), decide(compare.new, request)
    if d_old.outcome.key == d_new.outcome.key and not compare.role_changed(d_old.role_arn):
        return None
    provider = d_new.role_mapping_key or d_new.login_provider or "unauthenticated"
    key = change_key(provider, request, d_old, d_new)
    if key in groups:
        return key, request
    change = compare.change(provider, request, key)
    if change is None:
        return None
    groups[key] = msgspec.structs.replace(change, source=f"corpus:{number}")
    return key, request


class _Comparison:
    """One witness in both pools, assessed whole and classified by privilege.

    More or less privileged: credentials issued where they were refused (or the reverse, STS's trust
    included); for two sessions, every request the old and new roles' policies name, with policy
    variables resolved against each witness session's own values, evaluated in both. Access both
    gained and lost is `mixed`; anything rolesim cannot decide is `unknown` (and the gate fails).
    """

    def __init__(
        self,
        old: IdentityPool,
        new: IdentityPool,
        old_roles: Container[str],
        now: datetime | None,
    ) -> None:
        self.old = old
        self.new = new
        self.old_roles = old_roles
        self.now = now  # aws:CurrentTime of the sessions compared
        self.iam = iam_of(old) is not None and iam_of(new) is not None

    def role_changed(self, arn: str | None) -> bool:
        return _role_changed(self.old, self.new, self.iam, arn)

    def change(self, provider: str, probe: LoginRequest, key: tuple[Any, ...]) -> Change | None:
        a_old = assess_witness(self.old, probe, now=self.now)
        a_new = assess_witness(self.new, probe, now=self.now)
        cls, reasons = self.classify(probe, a_old, a_new)
        if a_old.outcome.key == a_new.outcome.key and cls == "same_access":
            return None  # a role's policies changed in ways no request of theirs tells apart
        return Change(_id(key), provider, probe, a_old, a_new, cls, reasons)

    def classify(
        self, probe: LoginRequest, a_old: Assessment, a_new: Assessment
    ) -> tuple[Classification, tuple[str, ...]]:
        reasons: list[str] = []
        if a_new.role_arn and a_new.role_arn not in self.old_roles:
            reasons.append(f"role {a_new.role_arn} was not reachable before")
        undecided = [f"{side}: {why}" for side, a in (("old", a_old), ("new", a_new))
                     for why in a.unknowns]  # fmt: skip
        if undecided:
            return "unknown", (*reasons, *undecided)
        if a_old.role_arn is None and a_new.role_arn is not None:
            reasons.append("credentials are issued where the old pool refused")
            gained, _ = self._access(probe, a_old, a_new, reasons)
            reasons += [f"now allowed: {g}" for g in (gained or [])[:5]]
            return "more_privileged", tuple(reasons)
        if a_old.role_arn is not None and a_new.role_arn is None:
            reasons.append("credentials are refused where the old pool issued them")
            return "less_privileged", tuple(reasons)
        if a_old.role_arn is None:
            reasons.append("a different error")
            return "changed", tuple(reasons)
        if not self.iam:
            reasons.append("no IAM data in both pool files to compare the roles' permissions")
            return "unknown", tuple(reasons)
        gained, lost = self._access(probe, a_old, a_new, reasons)
        if gained is None or lost is None:
            return "unknown", tuple(reasons)
        # What is gained comes first: it is what a reviewer must look at.
        reasons += [f"now allowed: {g}" for g in gained[:5]]
        reasons += [f"no longer allowed: {g}" for g in lost[:5]]
        if gained and lost:
            return "mixed", tuple(reasons)
        if gained:
            return "more_privileged", tuple(reasons)
        if lost:
            return "less_privileged", tuple(reasons)
        return "same_access", tuple(reasons)

    def _access(
        self, probe: LoginRequest, a_old: Assessment, a_new: Assessment, reasons: list[str]
    ) -> tuple[list[str] | None, list[str] | None]:
        """Requests allowed only in the new pool, and only in the old; None when undecidable."""
        if not self.iam:
            return [], []
        sessions = [(p, a) for p, a in ((self.old, a_old), (self.new, a_new)) if a.role_arn]
        checks = candidate_checks(sessions, probe)
        r_old = (
            assess_witness(self.old, probe, checks, now=self.now).access if a_old.role_arn else None
        )
        r_new = (
            assess_witness(self.new, probe, checks, now=self.now).access if a_new.role_arn else None
        )
        gained, lost = [], []
        for i, check in enumerate(checks):
            v_old = r_old[i].verdict if r_old is not None else "no_credentials"
            v_new = r_new[i].verdict if r_new is not None else "no_credentials"
            what = f"{check.action} on {check.resource}"
            if "unknown" in (v_old, v_new):
                side = (
                    r_old[i]
                    if v_old == "unknown" and r_old is not None
                    else r_new[i]
                    if r_new is not None
                    else None
                )
                reasons.append(f"{what} cannot be decided: {side.reason if side else 'unknown'}")
                return None, None
            if v_new == "allowed" and v_old != "allowed":
                gained.append(what)
            elif v_old == "allowed" and v_new != "allowed":
                lost.append(what)
        if not gained and not lost:
            reasons.append(f"the {len(checks)} requests the roles' policies name are decided alike")
        return gained, lost


# --- accepted changes ---------------------------------------------------------------------------


class AcceptEntry(msgspec.Struct, frozen=True):
    justification: str
    id: str | None = None
    provider: str | None = None  # glob
    old: dict[str, str] = msgspec.field(default_factory=dict)  # {"role_arn": ...} or {"error": ...}
    new: dict[str, str] = msgspec.field(default_factory=dict)

    def matches(self, change: Change) -> bool:
        if self.id is not None:
            return change.id == self.id
        if self.provider is not None and not fnmatch.fnmatchcase(change.provider, self.provider):
            return False
        return _outcome_matches(self.old, change.old) and _outcome_matches(self.new, change.new)


def _outcome_matches(want: dict[str, str], d: Assessment) -> bool:
    if "role_arn" in want and d.role_arn != want["role_arn"]:
        return False
    return not ("error" in want and (d.error is None or d.error.code != want["error"]))


class AcceptList(msgspec.Struct, frozen=True):
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
