"""How the test bed's "AWS" behaves where AWS's documentation is silent: a recorded table.

A probe test records, per named open question, which behaviour AWS shows (`{"array-claim-match":
"some-element"}`); the identity-pool extension then answers the probe's throwaway pools by the
documented rules (cognito-semantics §1-§6) with those recorded choices. This is written apart from
rolesim's engine and never calls it: the probe must find out what the table says from the answers
alone. A question a login makes the test bed face but the test did not record is a loud error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tests.testbed.outcomes import Outcome

NOT_AUTHORIZED = "NotAuthorizedException"
INVALID_CONFIG = "InvalidIdentityPoolConfigurationException"
_TAG_CHARACTERS = set("_.:/=+-@ ")


class UnrecordedBehaviourError(LookupError):
    """A login raised an open question the test did not record an answer for."""


class Behaviour:
    """The recorded table, asked one open question at a time."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = dict(table)

    def __call__(self, question: str) -> str:
        try:
            return self.table[question]
        except KeyError:
            raise UnrecordedBehaviourError(f"no recorded behaviour for {question}") from None


def _texts(value: Any, aws: Behaviour) -> list[str] | None:
    """The strings a rule compares a claim value as; None: treated as absent."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        how = aws("array-claim-match")
        if how == "some-element":
            return [v if isinstance(v, str) else json.dumps(v) for v in value]
        if how == "json-text":
            return [json.dumps(value, separators=(",", ":"))]
        return [",".join(map(str, value))]  # a third rendering, for "neither" tests
    how = aws("scalar-claim-text")
    if how == "absent":
        return None
    if how == "json-text":
        return [json.dumps(value)]
    return [str(value)]  # Python's text (True), for "neither" tests


def _equal(a: str, b: str, aws: Behaviour) -> bool:
    if a == b:
        return True
    if a.casefold() != b.casefold():
        return False
    return aws("case-sensitive-match") == "insensitive"


def _matches(rule: Mapping[str, str], claims: Mapping[str, Any], aws: Behaviour) -> bool:
    if rule["Claim"] not in claims:
        return False  # NotEqual on a missing claim is not evaluated [RBAC]; the others fail
    texts = _texts(claims[rule["Claim"]], aws)
    if texts is None:
        return False
    value, kind = rule["Value"], rule["MatchType"]
    if kind == "NotEqual":
        return not any(_equal(t, value, aws) for t in texts)
    if kind == "Equals":
        return any(_equal(t, value, aws) for t in texts)
    if kind == "StartsWith":
        return any(_equal(t[: len(value)], value, aws) for t in texts)
    return any(value in t for t in texts)  # Contains


def _refused(code: str, message: str) -> Outcome:
    return Outcome.refused(code, message)


def _custom_role(
    mapping_type: str | None,
    custom: str,
    allowed: list[str],
    first: str | None,
    aws: Behaviour,
) -> Outcome | str:
    """CustomRoleArn: a role the login may have, or what the recorded table says."""
    if custom in allowed:
        return custom
    if mapping_type == "Token":
        return _refused(aws("custom-role-arn-deny-code"), "CustomRoleArn is not in cognito:roles.")
    question = (
        "custom-role-arn-with-rules"
        if mapping_type == "Rules"
        else "custom-role-arn-without-mapping"
    )
    how = aws(question)
    if how in ("deny", "deny-if-unmatched"):
        return _refused(NOT_AUTHORIZED, "CustomRoleArn is not allowed for this login.")
    if how == "grant-any":
        return custom  # a third behaviour, for "neither" tests
    assert first is not None
    return first


def _role(
    extras: Any, provider: str, claims: Mapping[str, Any], custom: str | None, aws: Behaviour
) -> Outcome | str:
    default = extras.roles.get("authenticated")
    mapping = extras.role_mappings.get(f"{provider}:{claims.get('aud')}")
    ambiguous = _refused(
        NOT_AUTHORIZED, f"The ambiguous role mapping rules for: {provider} denied this request."
    )
    if mapping is None:
        return _custom_role(None, custom, [default], default, aws) if custom else default
    on_ambiguity = (
        default if mapping["AmbiguousRoleResolution"] == "AuthenticatedRole" else ambiguous
    )
    if mapping["Type"] == "Rules":
        rules = mapping["RulesConfiguration"]["Rules"]
        matched = [r["RoleARN"] for r in rules if _matches(r, claims, aws)]
        if not matched:
            return on_ambiguity
        return _custom_role("Rules", custom, matched, matched[0], aws) if custom else matched[0]
    roles = claims.get("cognito:roles") or []
    if custom:
        return _custom_role("Token", custom, list(roles), None, aws)
    if claims.get("cognito:preferred_role"):
        return str(claims["cognito:preferred_role"])
    if roles:
        return on_ambiguity
    return default if aws("token-without-roles") == "default-role" else on_ambiguity


def _tags(
    tag_map: Mapping[str, Any] | None, claims: Mapping[str, Any], aws: Behaviour
) -> dict[str, str] | None:
    """The session tags, or None when STS would refuse them."""
    if tag_map is None:
        return {}
    sources = dict(tag_map.get("PrincipalTags") or {})
    if tag_map.get("UseDefaults"):
        client_key = "clientID" if aws("default-tag-keys") == "username-clientID" else "client"
        sources = {"username": "sub", client_key: "aud", **sources}
    tags: dict[str, str] = {}
    for key, claim in sources.items():
        if claim not in claims:
            continue  # a missing claim sets no tag [CATNEK]
        value = claims[claim]
        if isinstance(value, list | dict):
            how = aws("multi-valued-tag-claim")
            if how == "fail":
                return None
            if how == "no-tag":
                continue
            value = ":".join(map(str, value))  # a third behaviour, for "neither" tests
        text = value if isinstance(value, str) else json.dumps(value)
        if not all(c.isalnum() or c in _TAG_CHARACTERS for c in text):
            how = aws("tag-value-charset")
            if how == "fail":
                return None
            if how == "drop":
                continue
        tags[key] = text
    return tags


def emulated_outcome(
    extras: Any,
    provider: str,
    claims: Mapping[str, Any],
    custom_role_arn: str | None,
    table: Mapping[str, str],
) -> Outcome:
    """What "AWS" answers GetCredentialsForIdentity for this login, by the recorded table."""
    aws = Behaviour(table)
    tags = _tags(extras.tag_maps.get(provider), claims, aws)
    role = _role(extras, provider, claims, custom_role_arn, aws)
    if isinstance(role, Outcome):
        return (
            role
            if tags is None
            else Outcome.refused(role.error_code or "", role.error_message or "", tags)
        )
    if tags is None:
        return _refused(
            INVALID_CONFIG,
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        )
    return Outcome.issued(role, tags)


def classic_flow_default(table: Mapping[str, str]) -> bool:
    return Behaviour(table)("classic-flow-default") == "enabled"


def rule_limit(table: Mapping[str, str]) -> int:
    return int(Behaviour(table)("rule-limit"))
