"""IAM policy evaluation: parsing, matching with variables, conditions, the evaluation logic, trust
for AssumeRoleWithWebIdentity, and what a Cognito role session carries. Pure: no I/O, no clock."""

from simulator.iam.evaluate import (
    AccessDecision,
    Decision,
    MatchedStatement,
    SessionPrincipal,
    Uncertainty,
    WebIdentityPrincipal,
    evaluate,
)
from simulator.iam.policy import NamedPolicy, Policy, Statement, load_document, parse_policy
from simulator.iam.request import Request
from simulator.iam.roles import (
    IamData,
    IamRole,
    ManagedPolicy,
    RolePolicies,
    load_account_authorization_details,
    load_iam,
)
from simulator.iam.session import (
    evaluate_for_role,
    guest_session_policies,
    merged_principal_tags,
    session_arn,
    session_context,
    session_policies_for,
)
from simulator.iam.trust import TrustDecision, TrustError, evaluate_trust, trust_context

__all__ = [
    "AccessDecision",
    "Decision",
    "IamData",
    "IamRole",
    "ManagedPolicy",
    "MatchedStatement",
    "NamedPolicy",
    "Policy",
    "Request",
    "RolePolicies",
    "SessionPrincipal",
    "Statement",
    "TrustDecision",
    "TrustError",
    "Uncertainty",
    "WebIdentityPrincipal",
    "evaluate",
    "evaluate_for_role",
    "evaluate_trust",
    "guest_session_policies",
    "load_account_authorization_details",
    "load_document",
    "load_iam",
    "merged_principal_tags",
    "parse_policy",
    "session_arn",
    "session_context",
    "session_policies_for",
    "trust_context",
]
