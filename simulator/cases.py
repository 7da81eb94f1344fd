"""Table-driven expectations for a pool (`rolesim test CASES.yaml`): the library twin.

A cases file names a pool and lists logins with what must happen to each: the role or the error,
what decided it, the session tags, the undocumented assumptions it may depend on, whether STS
trusts the pool for the role, and which requests the credentials must allow or deny.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from simulator import inputs
from simulator.access import AccessRequest, Assessment, access_request_of
from simulator.assumptions import Setting
from simulator.claims import claims_from_json, read_claims
from simulator.errors import ClaimsError, ConfigError
from simulator.iam import IamData, load_account_authorization_details
from simulator.importers.source import ImportOptions, load_pool_source
from simulator.model import IdentityPool
from simulator.model.document import Document, plain, read_file
from simulator.model.load import Overrides
from simulator.model.settled import observed_setting
from simulator.node import Node
from simulator.request import NO_TOKEN, Flow, LoginRequest
from simulator.simulate import simulate
from simulator.wording import words

CASE_KEYS = (
    "name", "claims", "claims_file", "unauthenticated", "provider", "custom_role_arn",
    "identity_id", "flow", "role_arn", "expect",
)  # fmt: skip
EXPECT_KEYS = (
    "role_arn", "role", "error", "decided_by", "principal_tags", "uncertain", "trust", "allowed", "denied",
)  # fmt: skip


class Expectation(msgspec.Struct, frozen=True):
    role_arn: str | None = None
    role: str | None = None  # the role's name, for readability
    error: str | None = None
    decided_by: Mapping[str, Any] | None = None
    principal_tags: Mapping[str, str] | None = None
    uncertain: frozenset[str] | None = None
    trust: str | None = None
    allowed: tuple[AccessRequest, ...] = ()
    denied: tuple[AccessRequest, ...] = ()


class Case(msgspec.Struct, frozen=True):
    name: str
    request: LoginRequest
    expect: Expectation
    line: int | None = None


class CaseFile(msgspec.Struct, frozen=True):
    path: str
    pool: IdentityPool
    iam: IamData | None
    cases: tuple[Case, ...]


class CaseResult(msgspec.Struct, frozen=True):
    case: Case
    result: Assessment
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.case.name,
            "passed": self.passed,
            "failures": list(self.failures),
            "result": self.result.to_json(trace=False),
        }


class TestReport(msgspec.Struct, frozen=True):
    path: str
    results: tuple[CaseResult, ...] = msgspec.field(default_factory=tuple)

    @property
    def failed(self) -> int:
        return sum(not r.passed for r in self.results)

    @property
    def passed(self) -> int:
        return len(self.results) - self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "cases_file": self.path,
            "passed": self.passed,
            "failed": self.failed,
            "cases": [r.to_json() for r in self.results],
        }


def load_cases(
    path: Path | str,
    *,
    assume: Overrides = (),
    options: ImportOptions | None = None,
    pool: Path | None = None,
) -> CaseFile:
    """`options` (--parameter, --pool) apply to a pool given as a template, over the file's own
    `parameters` and `pool_resource`; `pool` (the command line's) replaces the file's `pool`."""
    doc = read_file(path)
    try:
        return _build(doc, Path(path), assume, options or ImportOptions(), pool)
    except ConfigError as err:
        raise doc.error(err) from None


def _build(
    doc: Document,
    path: Path,
    assume: Overrides,
    options: ImportOptions,
    given_pool: Path | None,
) -> CaseFile:
    root = Node(doc.data)
    root.check_keys(
        ("pool", "iam", "assume", "cases", "parameters", "pool_resource"),
        required=("cases",) if given_pool is not None else ("pool", "cases"),
    )
    base = path.parent
    file_assume: list[tuple[str, str] | Setting] = []
    if (n := root.get("assume")) is not None:
        # As in a pool file's Assumptions: a choice, or a settled.yaml entry.
        file_assume = [
            observed_setting(n, k) if isinstance(v.value, dict) else (k, v.string())
            for k, v in n.items()
        ]
    if given_pool is not None:
        pool_path = given_pool
    else:
        pool_node = root.require("pool")
        pool_path = base / pool_node.string()
        if not os.path.isfile(pool_path):  # never raises, even for a name the OS refuses
            pool_node.fail(
                f"no pool file at {pool_path}", hint="paths are relative to the cases file"
            )
    given = {k: v.string() for k, v in n.items()} if (n := root.get("parameters")) else {}
    chosen = n.string() if (n := root.get("pool_resource")) else None
    pool = load_pool_source(
        pool_path,
        ImportOptions({**given, **options.parameters}, options.pool or chosen),
        assume=[*file_assume, *assume],
    )
    iam = None
    if (iam_node := root.get("iam")) is not None:
        iam_doc = read_file(base / iam_node.string())
        try:
            iam = load_account_authorization_details(plain(iam_doc.data))
        except ConfigError as err:
            raise iam_doc.error(err) from None
    cases = []
    names: set[str] = set()
    for node in root.require("cases").elements():
        case = _case(node, base, doc)
        if case.name in names:
            node.fail(f"a second case named {case.name!r}", at=("name",))
        names.add(case.name)
        cases.append(case)
    return CaseFile(inputs.source_name(path), pool, iam, tuple(cases))


def _case(node: Node, base: Path, doc: Document) -> Case:
    node.check_keys(CASE_KEYS, required=("name", "expect"))
    name = node.require("name").string(length=(1, 200))
    sources = [k for k in ("claims", "claims_file", "unauthenticated") if node.get(k) is not None]
    if len(sources) != 1:
        node.fail("give exactly one of claims, claims_file or unauthenticated: true")
    opt = {
        k: n.string()
        for k in ("provider", "custom_role_arn", "identity_id", "role_arn")
        if (n := node.get(k))
    }
    flow = node.get("flow")
    flow_text = (
        flow.string(
            check=lambda s: s in ("enhanced", "basic"), what="a flow", hint="enhanced or basic"
        )
        if flow
        else "enhanced"
    )
    if flow_text == "basic" and "role_arn" not in opt:
        node.fail("flow basic needs role_arn: in the classic flow the application picks the role")
    template = LoginRequest(
        None, NO_TOKEN, opt.get("provider"), opt.get("custom_role_arn"), opt.get("identity_id"),
        Flow(flow_text), opt.get("role_arn"),
    )  # fmt: skip
    if sources[0] == "unauthenticated":
        if not node.require("unauthenticated").boolean():
            node.fail("unauthenticated must be true when given", at=("unauthenticated",))
        request = msgspec.structs.replace(template, provider=None)
    else:
        try:
            if sources[0] == "claims":
                claims, info = claims_from_json(
                    plain(node.require("claims").value), source="claims"
                )
            else:
                claims, info = read_claims(str(base / node.require("claims_file").string()))
        except ClaimsError as exc:
            node.fail(exc.message, at=(sources[0],))
        request = msgspec.structs.replace(template, claims=claims, info=info)
    return Case(name, request, _expect(node.require("expect")), doc.line_of(node.path))


def _requests(node: Node | None) -> tuple[AccessRequest, ...]:
    if node is None:
        return ()
    return tuple(access_request_of(e, extra=("resource_tags",)) for e in node.elements())


def _expect(node: Node) -> Expectation:
    node.check_keys(EXPECT_KEYS)
    if not node.mapping():
        node.fail(
            "an expectation needs at least one field", hint="allowed: " + ", ".join(EXPECT_KEYS)
        )
    s = {k: n.string() for k in ("role_arn", "role", "error", "trust") if (n := node.get(k))}
    if "error" in s and ("role_arn" in s or "role" in s):
        node.fail("expect either a role or an error, not both")
    decided = node.get("decided_by")
    decided_by: dict[str, Any] | None = None
    if decided is not None:
        if isinstance(decided.value, str):
            decided_by = {"kind": decided.string()}
        else:
            decided.check_keys(("kind", "rule_index"), required=("kind",))
            decided_by = {"kind": decided.require("kind").string()}
            if (index := decided.get("rule_index")) is not None:
                decided_by["rule_index"] = index.integer()
    tags = node.get("principal_tags")
    uncertain = node.get("uncertain")
    if "trust" in s and s["trust"] not in ("allowed", "denied", "unknown"):
        node.fail(f"trust {s['trust']!r} is not allowed, denied or unknown", at=("trust",))
    return Expectation(
        role_arn=s.get("role_arn"),
        role=s.get("role"),
        error=s.get("error"),
        decided_by=decided_by,
        principal_tags={k: v.string() for k, v in tags.items()} if tags is not None else None,
        uncertain=frozenset(uncertain.strings()) if uncertain is not None else None,
        trust=s.get("trust"),
        allowed=_requests(node.get("allowed")),
        denied=_requests(node.get("denied")),
    )


def run_case(case_file: CaseFile, case: Case, *, now: datetime | None = None) -> CaseResult:
    """Every expectation checked; one that rolesim cannot decide (`unknown`) fails, saying why.

    `now` is the evaluation time (aws:CurrentTime); without it time-dependent policies are unknown.
    """
    e = case.expect
    requests = (*e.allowed, *e.denied)
    result = simulate(
        case_file.pool, case.request, iam=case_file.iam, requests=requests, now=now, explain=False
    )
    failures = _outcome_failures(e, result)
    if e.trust is not None:
        if result.trust is None:
            failures.append("trust: the pool has no IAM data (IamRoles) to evaluate trust with")
        elif result.trust.outcome != e.trust:
            failures.append(
                f"trust: expected {e.trust}, got {result.trust.outcome} ({result.trust.reason})"
            )
    for access in result.access:
        want = "allowed" if access.request in e.allowed else "denied"
        got = access.verdict
        if got == "unknown" or (want == "allowed") != (got == "allowed"):
            failures.append(
                f"{want} {access.request.action} on {access.request.resource}: got "
                f"{got.replace('_', ' ')} ({access.reason})"
            )
    return CaseResult(case, result, tuple(failures))


def _outcome_failures(e: Expectation, result: Assessment) -> list[str]:
    failures: list[str] = []

    def differ(what: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            failures.append(f"{what}: expected {words(expected)}, got {words(actual)}")

    about_outcome = e.role_arn or e.role or e.error or e.decided_by or e.principal_tags is not None
    if about_outcome and result.credentials == "unknown":
        assert result.trust is not None
        failures.append(f"outcome: cannot be decided ({result.trust.reason})")
        return failures
    got_error = result.error.code if result.error else None
    if e.role_arn is not None:
        differ("role_arn", e.role_arn, result.role_arn)
    if e.role is not None:
        differ("role", e.role, result.role_arn.rsplit("/", 1)[-1] if result.role_arn else None)
    if e.error is not None:
        differ("error", e.error, got_error)
    elif (e.role_arn or e.role) and result.error is not None:
        failures.append(f"error: expected credentials, got {got_error}: {result.error.message}")
    if e.decided_by is not None:
        actual = result.decided_by.to_json()
        differ("decided_by", dict(e.decided_by), {k: actual.get(k) for k in e.decided_by})
    if e.principal_tags is not None:
        differ("principal_tags", dict(e.principal_tags), dict(result.principal_tags))
    if e.uncertain is not None:
        differ("uncertain", sorted(e.uncertain), sorted(u.assumption for u in result.uncertain))
    return failures


def run_cases(case_file: CaseFile, *, now: datetime | None = None) -> TestReport:
    results = tuple(run_case(case_file, c, now=now) for c in case_file.cases)
    return TestReport(case_file.path, results)
