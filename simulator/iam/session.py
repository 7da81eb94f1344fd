"""What a Cognito role session carries into policy evaluation, and the guest scope-down.

Context keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
(aws:PrincipalArn is the role ARN for a role session; aws:userid is `role-id:session-name`;
aws:PrincipalType is AssumedRole), web identity keys:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
Session tags override role tags with the same key regardless of case:
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html (cognito-semantics.md §6.3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Final

import msgspec

from simulator.assumptions import DEFAULTS, AssumptionSet, Name
from simulator.iam.evaluate import (
    DEFAULT_SESSION_NAME,
    AccessDecision,
    SessionPrincipal,
    Uncertainty,
    evaluate,
)
from simulator.iam.patterns import ContextValue
from simulator.iam.policy import NamedPolicy, parse_policy
from simulator.iam.request import OpenContext, Request
from simulator.iam.roles import UNAUTHED_SESSION_POLICY_ARN, IamData, IamRole, shipped_policy
from simulator.request import Flow

COGNITO_PROVIDER: Final = "cognito-identity.amazonaws.com"
# Shown in aws:userid when the role's RoleId was not supplied (real ones start with AROA).
UNKNOWN_ROLE_ID: Final = "AROA" + "X" * 17
GUEST_INLINE_POLICY_NAME: Final = "cognito-guest-inline-session-policy (reconstructed, June 2023)"


def merged_principal_tags(
    role_tags: Mapping[str, str], session_tags: Mapping[str, str]
) -> dict[str, str]:
    """Role tags, then session tags replacing any role tag whose key differs only in case."""
    merged = dict(role_tags)
    for key, value in session_tags.items():
        for existing in [k for k in merged if k.lower() == key.lower()]:
            del merged[existing]
        merged[key] = value
    return merged


def session_arn(role: IamRole, session_name: str = DEFAULT_SESSION_NAME) -> str | None:
    return SessionPrincipal(role.arn, session_name).session_arn


def session_context(
    role: IamRole,
    *,
    identity_pool_id: str,
    identity_id: str,
    amr: Sequence[str],
    principal_tags: Mapping[str, str],
    account_id: str | None = None,
    session_name: str = DEFAULT_SESSION_NAME,
    token_issue_time: datetime | None = None,
    provider: str = COGNITO_PROVIDER,
) -> dict[str, ContextValue]:
    """The request-context keys AWS sets for requests made with the session's credentials.

    `provider` is the web identity key prefix (`cognito-identity.amazonaws.com.cn` in China regions,
    cognito-semantics.md §5). The session name default is community-observed (§7, §10.19).
    """
    account = account_id or role.account_id
    context: dict[str, ContextValue] = {
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": f"{role.role_id or UNKNOWN_ROLE_ID}:{session_name}",
        "aws:PrincipalIsAWSService": "false",
        "aws:ViaAWSService": "false",  # the simulation is of a call made directly with the credentials
        "aws:FederatedProvider": provider,
        f"{provider}:aud": identity_pool_id,
        f"{provider}:amr": tuple(amr),
        f"{provider}:sub": identity_id,
    }
    if token_issue_time is not None:
        context["aws:TokenIssueTime"] = _iso(token_issue_time)
    for key, value in merged_principal_tags(role.tag_map, principal_tags).items():
        context[f"aws:PrincipalTag/{key}"] = value
    return context


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_context(now: datetime | None) -> dict[str, ContextValue]:
    """aws:CurrentTime and aws:EpochTime, which AWS sets on every request, from the evaluation time.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    (the Availability notes of aws:CurrentTime and aws:EpochTime: present in every request). The time
    is an input: without it the keys are missing, and a decision that depends on them is unknown.
    """
    if now is None:
        return {}
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    return {"aws:CurrentTime": _iso(aware), "aws:EpochTime": str(int(aware.timestamp()))}


# Keys a Cognito role session making a direct call never carries, from the availability notes of
# the global condition keys page (reference_policies_condition-keys.html): aws:username is for IAM
# users; aws:SourceAccount/SourceArn/SourceOrg* for calls made by a service principal;
# aws:PrincipalServiceName* for service principals; aws:CalledVia* for calls made through a service
# (the simulation is of a direct call); aws:Ec2InstanceSource* for EC2 instance credentials.
# Everything else that is absent is missing: aws:SourceIp, aws:SecureTransport,
# aws:RequestedRegion, aws:TokenIssueTime, aws:MultiFactorAuth*, aws:PrincipalOrg*, aws:Request*,
# aws:ResourceTag/*, service keys. Their values depend on the request, which did not say.
SESSION_KNOWN_ABSENT: Final = frozenset(
    key.lower()
    for key in (
        "aws:username",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceOwner",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:AssumedRoot",
    )
)


def session_open_keys(provider: str, given: Mapping[str, object]) -> OpenContext:
    """Which absent keys a request made with the session's credentials is silent about.

    Every principal tag is known (the pool decided them), and so are the web identity keys. Resource
    tags given for the request describe the resource's whole tag set.
    """
    prefixes = ["aws:principaltag/", f"{provider.lower()}:"]
    if any(key.lower().startswith("aws:resourcetag/") for key in given):
        prefixes.append("aws:resourcetag/")
    return OpenContext(SESSION_KNOWN_ABSENT, tuple(prefixes))


# --- guest scope-down (cognito-semantics.md §4.3) -----------------------------------------------


@cache
def _guest_inline_policy() -> NamedPolicy:
    from importlib import resources  # only a guest's session loads shipped data

    text = resources.files("simulator").joinpath("data", "guest_inline_session_policy_2023-06.json")
    document = json.loads(text.read_text("utf-8"))
    return NamedPolicy(
        GUEST_INLINE_POLICY_NAME, parse_policy(document, kind="session", check_actions=False)
    )


def guest_session_policies(assumptions: AssumptionSet = DEFAULTS) -> tuple[NamedPolicy, ...]:
    """Session policies Cognito passes for unauthenticated identities in the enhanced flow.

    The managed one is AmazonCognitoUnAuthedIdentitiesSessionPolicy v3 (the current managed policy
    reference); the inline one is unpublished, so it is the named assumption guest-inline-session-policy.
    """
    managed = shipped_policy(UNAUTHED_SESSION_POLICY_ARN)
    assert managed is not None  # shipped with the package
    policies = [NamedPolicy(UNAUTHED_SESSION_POLICY_ARN, managed.document)]
    if not assumptions.alt(Name.GUEST_INLINE_SESSION_POLICY):
        policies.insert(0, _guest_inline_policy())
    return tuple(policies)


def session_policies_for(
    *, authenticated: bool, flow: Flow, assumptions: AssumptionSet = DEFAULTS
) -> tuple[NamedPolicy, ...]:
    """Only enhanced-flow guests are scoped down; the basic flow passes what the caller chooses
    (nothing, here) and authenticated identities get no session policy (cognito-semantics.md §4.3)."""
    if authenticated or flow == "basic":
        return ()
    return guest_session_policies(assumptions)


def evaluate_for_role(
    request: Request,
    *,
    role: IamRole,
    iam: IamData,
    identity_pool_id: str,
    identity_id: str,
    amr: Sequence[str],
    principal_tags: Mapping[str, str],
    flow: Flow = Flow.ENHANCED,
    resource_policy: NamedPolicy | None = None,
    scps: Sequence[NamedPolicy] = (),
    session_name: str = DEFAULT_SESSION_NAME,
    provider: str = COGNITO_PROVIDER,
    assumptions: AssumptionSet = DEFAULTS,
    now: datetime | None = None,
) -> AccessDecision:
    """Access for a request made with the credentials the pool hands out for `role`, at `now`.

    The session's identity keys win over keys of the same name in the request's context; the request's
    own values win over the time keys derived from `now`. Absent request-dependent keys are missing
    (session_open_keys): a decision that depends on one is unknown, naming it.
    """
    authenticated = "unauthenticated" not in amr
    facts = session_context(
        role,
        identity_pool_id=identity_pool_id,
        identity_id=identity_id,
        amr=amr,
        principal_tags=principal_tags,
        session_name=session_name,
        provider=provider,
    )
    full = Request(
        request.action,
        request.resource,
        {**time_context(now), **request.context, **facts},
        session_open_keys(provider, request.context),
    )
    resolved = iam.role_policies(role)
    principal = SessionPrincipal(role.arn, session_name)

    def run(active: AssumptionSet) -> AccessDecision:
        return evaluate(
            full,
            identity_policies=resolved.identity,
            permissions_boundary=resolved.permissions_boundary,
            session_policies=session_policies_for(
                authenticated=authenticated, flow=flow, assumptions=active
            ),
            resource_policy=resource_policy,
            scps=scps,
            principal=principal,
            assumptions=active,
        )

    decision = run(assumptions)
    extra_uncertain: list[Uncertainty] = []
    if not authenticated and flow == "enhanced":
        alternative = run(assumptions.flipped(Name.GUEST_INLINE_SESSION_POLICY))
        if alternative.decision != decision.decision:
            extra_uncertain.append(
                Uncertainty(
                    str(Name.GUEST_INLINE_SESSION_POLICY),
                    "the guest inline session policy is unpublished; the default reconstructs it from "
                    "the June 2023 service list",
                    {"decision": alternative.decision, "reason": alternative.reason},
                )
            )
    if not extra_uncertain and not resolved.warnings:
        return decision
    return msgspec.structs.replace(
        decision,
        uncertain=decision.uncertain + tuple(extra_uncertain),
        warnings=resolved.warnings + decision.warnings,
    )
