"""The experiments `rolesim probe` runs: one per named assumption a live set-up can settle.

Each experiment is data: the identity pool it needs (mapping, tag map, classic flow), the roles
(each labelled by the choice whose answer it stands for), the users and groups whose attributes
exercise the case, and the logins to run. Its `read` turns what AWS answered into the choice AWS
took, or into no choice with the reason (an answer that matches neither choice settles nothing).

The set-ups are built so that each choice leads to a different, observable answer: the role whose
credentials come back (named by the rule that picks it), the error code, or the session tags in
the OpenID token (cognito-semantics §6.4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import msgspec

from simulator.assumptions import REGISTRY, Name

CUSTOM_ATTRIBUTE = "probe"  # the user pool's one custom attribute: custom:probe
CLAIM = f"custom:{CUSTOM_ATTRIBUTE}"
DEFAULT_ROLE = "default"  # every experiment's pool has an authenticated role with this label
ERROR_PERSISTS = "InvalidIdentityPoolConfigurationException"


class Rule(msgspec.Struct, frozen=True):
    claim: str
    match_type: str
    value: str
    role: str  # a role label of the experiment


class Group(msgspec.Struct, frozen=True):
    name: str  # as created in the run's user pool (experiments' groups share it: prefix by code)
    role: str | None = None  # a role label: the group's RoleArn
    precedence: int | None = None


class User(msgspec.Struct, frozen=True):
    name: str
    attributes: Mapping[str, str] = msgspec.field(default_factory=dict)
    groups: tuple[str, ...] = ()


class Login(msgspec.Struct, frozen=True):
    """One run of the real flow for a user: GetId, then GetCredentialsForIdentity (`credentials`,
    with CustomRoleArn when `custom_role` names one) or GetOpenIdToken (`openid`, which shows the
    session tags), or both in that order (`both`)."""

    user: str
    flow: Literal["credentials", "openid", "both"] = "credentials"
    custom_role: str | None = None
    # InvalidIdentityPoolConfigurationException is what STS's refusal of a brand-new role looks like
    # while IAM propagates, so it is retried until a deadline; a login that follows a control
    # login with the same role (which proved the role works) is not retried: then it is an answer.
    retry: bool = True


class PoolSpec(msgspec.Struct, frozen=True):
    mapping: Literal["Rules", "Token"] | None = None
    ambiguous: Literal["AuthenticatedRole", "Deny"] = "AuthenticatedRole"
    rules: tuple[Rule, ...] = ()
    tags: Mapping[str, str] | None = None  # tag key -> claim; None: no tag map
    use_defaults: bool = False
    classic_flow: bool | None = False  # None: AllowClassicFlow left out of CreateIdentityPool

    def describe(self) -> str:
        parts = []
        if self.classic_flow is None:
            parts.append("AllowClassicFlow not given")
        elif self.classic_flow:
            parts.append("AllowClassicFlow true")
        if self.mapping == "Rules":
            rules = "; ".join(
                f"{i}: {r.claim} {r.match_type} {r.value!r} -> {r.role}"
                for i, r in enumerate(self.rules)
            )
            parts.append(f"Rules [{rules}], else {self.ambiguous}")
        elif self.mapping == "Token":
            parts.append(f"Token mapping, AmbiguousRoleResolution {self.ambiguous}")
        else:
            parts.append("no role mapping")
        if self.tags is not None or self.use_defaults:
            parts.append(f"principal tags {dict(self.tags or {})}, UseDefaults {self.use_defaults}")
        return "; ".join(parts)


class Answer(msgspec.Struct, frozen=True):
    """What AWS answered for one login (or for SetIdentityPoolRoles, when `login` is None)."""

    login: Login | None
    call: str
    role: str | None = None  # the role label whose credentials came back (or the role's name)
    error_code: str | None = None
    error_message: str = ""
    tags: Mapping[str, str] | None = None  # the OpenID token's principal tags (`openid` logins)
    claims: Mapping[str, Any] = msgspec.field(
        default_factory=dict
    )  # ID-token claims the case is about
    credentials_role: str | None = None  # `both`: the role GetCredentialsForIdentity gave

    @property
    def refused(self) -> bool:
        return self.error_code is not None

    def describe(self) -> str:
        if self.error_code:
            return f"{self.error_code}: {self.error_message}".rstrip(": ")
        parts = []
        if self.role is not None:
            parts.append(f"credentials for role {self.role}")
        if self.credentials_role is not None:
            parts.append(f"credentials for role {self.credentials_role}")
        if self.tags is not None:
            parts.append(f"OpenID token with principal tags {dict(self.tags)}")
        return "; ".join(parts) or "accepted"


class Verdict(msgspec.Struct, frozen=True):
    choice: str | None  # the label of the choice AWS took; None: the answer settles nothing
    reason: str


Reader = Callable[[Sequence[Answer]], Verdict]


class Experiment(msgspec.Struct, frozen=True):
    name: Name
    code: str  # short, in resource names
    question: str
    pool: PoolSpec
    roles: tuple[str, ...]  # role labels besides the default one
    users: tuple[User, ...]
    logins: tuple[Login, ...]
    read: Reader
    groups: tuple[Group, ...] = ()
    read_claims: tuple[str, ...] = ()  # ID-token claims to record as evidence
    mapping_may_be_refused: bool = False  # SetIdentityPoolRoles's answer is the observation

    @property
    def all_roles(self) -> tuple[str, ...]:
        return (DEFAULT_ROLE, *self.roles)


def _labels(name: Name) -> tuple[str, str]:
    a = REGISTRY[name]
    assert a.alternative is not None
    return a.default, a.alternative


def _neither(answer: Answer, expected: str) -> Verdict:
    return Verdict(None, f"AWS answered {answer.describe()}, which is neither choice ({expected})")


def _by_role(name: Name, by_role: Mapping[str, str | None]) -> Reader:
    """The last login's role names the choice; a role that stands for neither settles nothing."""

    def read(answers: Sequence[Answer]) -> Verdict:
        last = answers[-1]
        expected = ", ".join(f"{r} for {c}" for r, c in by_role.items() if c) or "none"
        if last.refused and last.error_code == ERROR_PERSISTS:
            return Verdict(None, f"the role could not be assumed ({last.describe()})")
        choice = by_role.get(last.role or "")
        if last.refused or choice is None:
            return _neither(last, f"expected credentials for {expected}")
        return Verdict(choice, f"AWS answered {last.describe()}: {name}={choice}")

    return read


def _controlled(control: str, read: Reader) -> Reader:
    """Every earlier login is a control: it must get the role `control`, or nothing is settled."""

    def checked(answers: Sequence[Answer]) -> Verdict:
        for answer in answers[:-1]:
            got = answer.role if answer.credentials_role is None else answer.credentials_role
            if answer.refused or got != control:
                return Verdict(
                    None,
                    f"the control login got {answer.describe()}, not role {control}: the set-up "
                    "did not work as planned",
                )
        return read(answers[-1:])

    return checked


# --- rule matching (cognito-semantics §10.1-§10.3) -----------------------------------------------


def _array_claim_match() -> Experiment:
    some, text = _labels(Name.ARRAY_CLAIM_MATCH)
    groups = ("arr-admins", "arr-dev")
    return Experiment(
        Name.ARRAY_CLAIM_MATCH,
        "arr",
        "does a rule on an array claim (cognito:groups) test its elements, or its JSON text?",
        PoolSpec(
            "Rules",
            rules=(
                # Only the JSON text of the two groups equals one of these (in either order).
                Rule("cognito:groups", "Equals", '["arr-admins","arr-dev"]', "json"),
                Rule("cognito:groups", "Equals", '["arr-dev","arr-admins"]', "json"),
                # Only an element-wise test finds one of them equal.
                Rule("cognito:groups", "Equals", "arr-admins", "element"),
            ),
        ),
        ("json", "element"),
        (User("u", groups=groups),),
        (Login("u"),),
        _by_role(Name.ARRAY_CLAIM_MATCH, {"json": text, "element": some, DEFAULT_ROLE: None}),
        groups=tuple(Group(g) for g in groups),
        read_claims=("cognito:groups",),
    )


def _case_sensitive_match() -> Experiment:
    sensitive, insensitive = _labels(Name.CASE_SENSITIVE_MATCH)
    return Experiment(
        Name.CASE_SENSITIVE_MATCH,
        "case",
        "do rule comparisons ignore case?",
        PoolSpec(
            "Rules",
            rules=(
                Rule(CLAIM, "Equals", "admins", "folded"),  # equal only when case is ignored
                Rule(CLAIM, "Equals", "Admins", "exact"),
            ),
        ),
        ("folded", "exact"),
        (User("u", {CLAIM: "Admins"}),),
        (Login("u"),),
        _by_role(
            Name.CASE_SENSITIVE_MATCH,
            {"folded": insensitive, "exact": sensitive, DEFAULT_ROLE: None},
        ),
        read_claims=(CLAIM,),
    )


def _scalar_claim_text() -> Experiment:
    text, absent = _labels(Name.SCALAR_CLAIM_TEXT)

    def read(answers: Sequence[Answer]) -> Verdict:
        last = answers[-1]
        if last.claims.get("email_verified") is not True:
            return Verdict(
                None,
                "the ID token's email_verified is not the JSON boolean true "
                f"({last.claims.get('email_verified')!r}): the case did not arise",
            )
        return _by_role(
            Name.SCALAR_CLAIM_TEXT,
            {"text": text, DEFAULT_ROLE: absent, "python": None, "other": None},
        )(answers)

    return Experiment(
        Name.SCALAR_CLAIM_TEXT,
        "scal",
        "is a boolean claim (email_verified) compared as its JSON text, or treated as absent?",
        PoolSpec(
            "Rules",
            rules=(
                Rule("email_verified", "Equals", "true", "text"),
                Rule("email_verified", "Equals", "True", "python"),
                # NotEqual on a missing claim is not evaluated [RBAC]: this matches a present
                # value of some other text.
                Rule("email_verified", "NotEqual", "true", "other"),
            ),
        ),
        ("text", "python", "other"),
        (User("u", {"email": "probe@example.invalid", "email_verified": "true"}),),
        (Login("u"),),
        read,
        read_claims=("email_verified",),
    )


# --- CustomRoleArn (§10.6) ------------------------------------------------------------------------


def _refusal_reader(name: Name, granted: Mapping[str, str], refused_choice: str) -> Reader:
    """Credentials for a role in `granted` name that choice; a refusal names `refused_choice`."""

    def read(answers: Sequence[Answer]) -> Verdict:
        last = answers[-1]
        if last.error_code == ERROR_PERSISTS:
            return Verdict(None, f"the role could not be assumed ({last.describe()})")
        if last.refused:
            return Verdict(
                refused_choice, f"AWS refused: {last.describe()}: {name}={refused_choice}"
            )
        choice = granted.get(last.role or "")
        if choice is None:
            return _neither(last, f"expected {', '.join(granted)} or a refusal")
        return Verdict(choice, f"AWS answered {last.describe()}: {name}={choice}")

    return read


def _custom_role_arn_with_rules() -> Experiment:
    must_match, deny = _labels(Name.CUSTOM_ROLE_ARN_WITH_RULES)
    return Experiment(
        Name.CUSTOM_ROLE_ARN_WITH_RULES,
        "crr",
        "with Type Rules, what does a CustomRoleArn that no matching rule names get?",
        PoolSpec(
            "Rules",
            rules=(Rule(CLAIM, "Equals", "x", "first"), Rule(CLAIM, "Equals", "x", "second")),
        ),
        ("first", "second", "custom"),
        (User("u", {CLAIM: "x"}),),
        # The control: without CustomRoleArn the first matching rule decides [RBAC].
        (Login("u"), Login("u", custom_role="custom")),
        _controlled(
            "first", _refusal_reader(Name.CUSTOM_ROLE_ARN_WITH_RULES, {"first": must_match}, deny)
        ),
        read_claims=(CLAIM,),
    )


def _custom_role_arn_without_mapping() -> Experiment:
    ignored, deny = _labels(Name.CUSTOM_ROLE_ARN_WITHOUT_MAPPING)
    return Experiment(
        Name.CUSTOM_ROLE_ARN_WITHOUT_MAPPING,
        "crn",
        "without a role mapping, is a CustomRoleArn ignored or refused?",
        PoolSpec(None),
        ("custom",),
        (User("u"),),
        (Login("u"), Login("u", custom_role="custom")),
        _controlled(
            DEFAULT_ROLE,
            _refusal_reader(Name.CUSTOM_ROLE_ARN_WITHOUT_MAPPING, {DEFAULT_ROLE: ignored}, deny),
        ),
    )


def _custom_role_arn_deny_code() -> Experiment:
    codes = _labels(Name.CUSTOM_ROLE_ARN_DENY_CODE)

    def read(answers: Sequence[Answer]) -> Verdict:
        last = answers[-1]
        if last.error_code in codes:
            return Verdict(
                last.error_code,
                f"AWS refused with {last.describe()}: {Name.CUSTOM_ROLE_ARN_DENY_CODE}={last.error_code}",
            )
        return _neither(last, f"expected a refusal with {' or '.join(codes)}")

    return Experiment(
        Name.CUSTOM_ROLE_ARN_DENY_CODE,
        "crd",
        "which error refuses a CustomRoleArn that the token's cognito:roles do not hold?",
        PoolSpec("Token"),
        ("member", "custom"),
        (User("u", groups=("crd-members",)),),
        # The control: the token's one role is its preferred role [IDTOK].
        (Login("u"), Login("u", custom_role="custom")),
        _controlled("member", read),
        groups=(Group("crd-members", "member", 1),),
        read_claims=("cognito:roles", "cognito:preferred_role"),
    )


def _token_without_roles() -> Experiment:
    ambiguous, default = _labels(Name.TOKEN_WITHOUT_ROLES)
    return Experiment(
        Name.TOKEN_WITHOUT_ROLES,
        "tok",
        "with Type Token, what does a token without cognito:roles get?",
        PoolSpec("Token", ambiguous="Deny"),
        ("member",),
        (User("member", groups=("tok-members",)), User("u")),
        # The control: a member gets its group's role, so the mapping works.
        (Login("member"), Login("u")),
        _controlled(
            "member",
            _refusal_reader(Name.TOKEN_WITHOUT_ROLES, {DEFAULT_ROLE: default}, ambiguous),
        ),
        groups=(Group("tok-members", "member", 1),),
        read_claims=("cognito:roles",),
    )


# --- flows and limits (§10.5, §10.13) -------------------------------------------------------------


def _classic_flow_default() -> Experiment:
    enabled, disabled = _labels(Name.CLASSIC_FLOW_DEFAULT)

    def read(answers: Sequence[Answer]) -> Verdict:
        last = answers[-1]
        if last.tags is not None:
            return Verdict(
                enabled,
                f"GetOpenIdToken answered with a token: {Name.CLASSIC_FLOW_DEFAULT}={enabled}",
            )
        if last.error_code == "InvalidParameterException" and "not enabled" in last.error_message:
            return Verdict(
                disabled, f"AWS answered {last.describe()}: {Name.CLASSIC_FLOW_DEFAULT}={disabled}"
            )
        return _neither(last, "expected an OpenID token, or 'Basic (classic) flow is not enabled'")

    return Experiment(
        Name.CLASSIC_FLOW_DEFAULT,
        "cls",
        "is the basic (classic) flow open on a pool created without AllowClassicFlow?",
        PoolSpec(None, classic_flow=None),
        (),
        (User("u"),),
        (Login("u", "openid"),),
        read,
    )


def _rule_limit() -> Experiment:
    documented, model = _labels(Name.RULE_LIMIT)
    count = int(documented) + 1

    def read(answers: Sequence[Answer]) -> Verdict:
        control, answer = answers
        if control.refused or control.claims.get("rules_kept") != count - 1:
            return Verdict(
                None, f"SetIdentityPoolRoles did not take {count - 1} rules ({control.describe()}): "
                "the set-up did not work as planned",
            )  # fmt: skip
        kept = answer.claims.get("rules_kept")
        if not answer.refused and kept == count:
            return Verdict(
                model, f"SetIdentityPoolRoles accepted {count} rules: {Name.RULE_LIMIT}={model}"
            )
        if not answer.refused:
            return Verdict(None, f"SetIdentityPoolRoles accepted {count} rules but kept {kept}")
        # A refusal of the one rule more than the control, which was accepted: the limit.
        return Verdict(
            documented,
            f"SetIdentityPoolRoles refused {count} rules ({answer.describe()}) and took "
            f"{count - 1}: {Name.RULE_LIMIT}={documented}",
        )

    return Experiment(
        Name.RULE_LIMIT,
        "rul",
        f"does SetIdentityPoolRoles accept {count} rules for one provider?",
        PoolSpec(
            "Rules",
            rules=tuple(Rule(CLAIM, "Equals", f"v{i}", DEFAULT_ROLE) for i in range(count)),
        ),
        (),
        (),
        (),
        read,
        mapping_may_be_refused=True,
    )


# --- principal tags (§10.14, §10.15) --------------------------------------------------------------


def _default_tag_keys() -> Experiment:
    client, client_id = _labels(Name.DEFAULT_TAG_KEYS)
    keys = {
        frozenset({"username", "client"}): client,
        frozenset({"username", "clientID"}): client_id,
    }

    def read(answers: Sequence[Answer]) -> Verdict:
        last = answers[-1]
        if last.tags is None:
            return _neither(last, "expected an OpenID token with the default tags")
        choice = keys.get(frozenset(last.tags))
        if choice is None:
            return Verdict(None, f"the default tags have keys {sorted(last.tags)}, neither choice")
        return Verdict(
            choice,
            f"the OpenID token's tags have keys {sorted(last.tags)}: {Name.DEFAULT_TAG_KEYS}={choice}",
        )

    return Experiment(
        Name.DEFAULT_TAG_KEYS,
        "dtk",
        "which tag keys does UseDefaults give?",
        PoolSpec(None, tags={}, use_defaults=True, classic_flow=True),
        (),
        (User("u"),),
        (Login("u", "openid"),),
        read,
    )


def _tag_reader(name: Name, dropped: str, failed: str) -> Reader:
    """After a control: credentials refused means `failed`; credentials and the tag missing from
    the OpenID token means `dropped`; the tag present means neither."""

    def read(answers: Sequence[Answer]) -> Verdict:
        last = answers[-1]
        if last.refused:
            # The control, with the same pool and role, got credentials: the claim made the difference.
            return Verdict(
                failed, f"GetCredentialsForIdentity answered {last.describe()}: {name}={failed}"
            )
        if last.tags is None:
            return _neither(last, "expected credentials and an OpenID token, or a refusal")
        if "probe" in last.tags:
            return Verdict(
                None, f"the session carries the tag as probe={last.tags['probe']!r}: neither choice"
            )
        return Verdict(
            dropped, f"credentials issued and no probe tag in the OpenID token: {name}={dropped}"
        )

    return read


def _multi_valued_tag_claim() -> Experiment:
    no_tag, fail = _labels(Name.MULTI_VALUED_TAG_CLAIM)
    return Experiment(
        Name.MULTI_VALUED_TAG_CLAIM,
        "mvt",
        "what does a principal tag mapped to an array claim (cognito:groups) do?",
        PoolSpec(None, tags={"probe": "cognito:groups"}, classic_flow=True),
        (),
        (User("control"), User("u", groups=("mvt-a", "mvt-b"))),
        # The control has no groups: the claim is missing, so no tag and credentials ([CATNEK]).
        (Login("control", "both"), Login("u", "both", retry=False)),
        _controlled(DEFAULT_ROLE, _tag_reader(Name.MULTI_VALUED_TAG_CLAIM, no_tag, fail)),
        groups=(Group("mvt-a"), Group("mvt-b")),
        read_claims=("cognito:groups",),
    )


def _tag_value_charset() -> Experiment:
    fail, drop = _labels(Name.TAG_VALUE_CHARSET)
    return Experiment(
        Name.TAG_VALUE_CHARSET,
        "tvc",
        "what does a tag value outside STS's character set ('a|b') do?",
        PoolSpec(None, tags={"probe": CLAIM}, classic_flow=True),
        (),
        (User("control", {CLAIM: "plain"}), User("u", {CLAIM: "a|b"})),
        (Login("control", "both"), Login("u", "both", retry=False)),
        _controlled(DEFAULT_ROLE, _tag_reader(Name.TAG_VALUE_CHARSET, drop, fail)),
        read_claims=(CLAIM,),
    )


EXPERIMENTS: Mapping[Name, Experiment] = {
    e.name: e
    for e in (
        _array_claim_match(),
        _case_sensitive_match(),
        _scalar_claim_text(),
        _custom_role_arn_with_rules(),
        _custom_role_arn_without_mapping(),
        _custom_role_arn_deny_code(),
        _token_without_roles(),
        _classic_flow_default(),
        _rule_limit(),
        _default_tag_keys(),
        _multi_valued_tag_claim(),
        _tag_value_charset(),
    )
}

_SAML = (
    "needs a SAML identity provider that signs assertions for the identity pool; rolesim does not "
    "create one"
)
_IAM = (
    "an IAM-side choice: settling it needs roles with permissions and resources to call, and the "
    "probe's roles have no permissions at all"
)
_DOCUMENTED = "only the documented half is implemented: there is no alternative to settle"

NOT_PROBED: Mapping[Name, str] = {
    name: (
        _SAML if str(name).startswith("saml-") else _DOCUMENTED if a.alternative is None else _IAM
    )
    for name, a in REGISTRY.items()
    if name not in EXPERIMENTS
}
