"""Identity provider names: the forms the service accepts for Logins, RoleMappings and tag maps.

cognito-semantics.md §1.2 (RoleMappings keys), §6.1 (principal-tag provider names), §8 (Logins keys).
"""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec


class ProviderKind(StrEnum):
    USER_POOL = "user-pool"
    OIDC = "oidc"
    SAML = "saml"
    SOCIAL = "social"


# [M] GetId doc; CDK IdentityPoolProviderUrl constants (§1.2).
SOCIAL_PROVIDERS: dict[str, str] = {
    "graph.facebook.com": "Facebook",
    "accounts.google.com": "Google",
    "www.amazon.com": "Login with Amazon",
    "api.twitter.com": "Twitter",
    "appleid.apple.com": "Sign in with Apple",
    "www.digits.com": "Digits",
}

# `cognito-idp.<region>.amazonaws.com/<poolId>` [UP-IP]; China regions end in .amazonaws.com.cn.
USER_POOL_PROVIDER = re.compile(
    r"cognito-idp\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(?P<pool>[\w-]+_[0-9a-zA-Z]+)"
)
USER_POOL_MAPPING_KEY = re.compile(USER_POOL_PROVIDER.pattern + r":(?P<client>[\w]+)")
OIDC_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/(?P<url>.+)")
SAML_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:saml-provider/(?P<name>[\w+=,.@-]+)")
# The path's segments are printable ASCII other than '/' (IAM API `pathType`), each ending in '/'; the
# name is `roleNameType`. A segment cannot contain its own terminator, so the split is unique and the
# match linear (the former `(?:[!-~]+/)*` let a segment swallow '/', and backtracked exponentially on a
# long path that does not match).
ROLE_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?P<path>(?:[!-.0-~]+/)*)(?P<name>[\w+=,.@-]+)"
)


class ProviderName(msgspec.Struct, frozen=True):
    kind: ProviderKind
    name: str  # the Logins key / principal-tag provider name
    client_id: str | None = None  # user-pool role-mapping keys only


def parse_logins_name(text: str) -> ProviderName | None:
    """A provider as the Logins map (and principal-tag maps) name it."""
    if USER_POOL_PROVIDER.fullmatch(text):
        return ProviderName(ProviderKind.USER_POOL, text)
    if OIDC_ARN.fullmatch(text):
        return ProviderName(ProviderKind.OIDC, text)
    if SAML_ARN.fullmatch(text):
        return ProviderName(ProviderKind.SAML, text)
    if text in SOCIAL_PROVIDERS:
        return ProviderName(ProviderKind.SOCIAL, text)
    return None


def parse_mapping_key(text: str) -> ProviderName | None:
    """A provider as RoleMappings keys name it: user pools carry `:<appClientId>` [M], [CFN-RM]."""
    m = USER_POOL_MAPPING_KEY.fullmatch(text)
    if m:
        return ProviderName(ProviderKind.USER_POOL, text.rsplit(":", 1)[0], m["client"])
    if USER_POOL_PROVIDER.fullmatch(text):
        return None  # a user pool without its client id is rejected [aws/aws-cdk#19222]
    return parse_logins_name(text)


def issuer_host(iss: str) -> str:
    """The Logins key form of an OIDC issuer: the issuer URL without its scheme [OIDC], [UP-IP]."""
    return iss.removeprefix("https://").removeprefix("http://").rstrip("/")


def role_name(arn: str) -> str | None:
    m = ROLE_ARN.fullmatch(arn)
    return m["name"] if m else None
