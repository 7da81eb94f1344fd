"""How the probe calls AWS: for real (through `AwsClients`, inside the logging guard), or on paper.

The runner makes every call through an `Api`. `AwsApi` calls AWS. `PlannedApi` calls nothing: it
records each call and answers with made-up ids, so a dry run walks the very code a real run walks
and lists exactly the calls it would make. `PERMISSIONS` says which IAM action each call needs,
from which the least-privilege policy is built.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import jwt
import msgspec

from simulator.live.errors import call, pages
from simulator.live.redact import Redactor
from simulator.live.session import AwsClients

log = logging.getLogger(__name__)

NAME_PREFIX = "rolesim-probe"
TAG_KEY = "rolesim-probe"  # its value is the run id
ROLE_PATH = f"/{NAME_PREFIX}/"
ACCOUNT_PLACEHOLDER = "ACCOUNT"

# IAM action and resource kind per call; None: an unauthenticated API (the login token, or the
# credentials just issued, authorize it). Resource kinds are expanded by `least_privilege_policy`.
PERMISSIONS: dict[str, tuple[str | None, str]] = {
    "cognito-idp:CreateUserPool": ("cognito-idp:CreateUserPool", "*"),
    "cognito-idp:ListUserPools": ("cognito-idp:ListUserPools", "*"),
    "cognito-idp:DescribeUserPool": ("cognito-idp:DescribeUserPool", "userpool"),
    "cognito-idp:CreateUserPoolClient": ("cognito-idp:CreateUserPoolClient", "userpool"),
    "cognito-idp:CreateGroup": ("cognito-idp:CreateGroup", "userpool"),
    "cognito-idp:AdminCreateUser": ("cognito-idp:AdminCreateUser", "userpool"),
    "cognito-idp:AdminSetUserPassword": ("cognito-idp:AdminSetUserPassword", "userpool"),
    "cognito-idp:AdminAddUserToGroup": ("cognito-idp:AdminAddUserToGroup", "userpool"),
    "cognito-idp:DeleteUserPool": ("cognito-idp:DeleteUserPool", "userpool"),
    "cognito-idp:InitiateAuth": (None, ""),
    "cognito-identity:CreateIdentityPool": ("cognito-identity:CreateIdentityPool", "*"),
    "cognito-identity:ListIdentityPools": ("cognito-identity:ListIdentityPools", "*"),
    "cognito-identity:DescribeIdentityPool": ("cognito-identity:DescribeIdentityPool", "identitypool"),
    "cognito-identity:SetIdentityPoolRoles": ("cognito-identity:SetIdentityPoolRoles", "identitypool"),
    "cognito-identity:GetIdentityPoolRoles": ("cognito-identity:GetIdentityPoolRoles", "identitypool"),
    "cognito-identity:SetPrincipalTagAttributeMap": (
        "cognito-identity:SetPrincipalTagAttributeMap", "identitypool",
    ),
    "cognito-identity:GetPrincipalTagAttributeMap": (
        "cognito-identity:GetPrincipalTagAttributeMap", "identitypool",
    ),
    "cognito-identity:DeleteIdentityPool": ("cognito-identity:DeleteIdentityPool", "identitypool"),
    "cognito-identity:GetId": (None, ""),
    "cognito-identity:GetCredentialsForIdentity": (None, ""),
    "cognito-identity:GetOpenIdToken": (None, ""),
    "iam:CreateRole": ("iam:CreateRole", "role"),
    "iam:GetRole": ("iam:GetRole", "role"),
    "iam:ListRoles": ("iam:ListRoles", "*"),
    "iam:DeleteRole": ("iam:DeleteRole", "role"),
    "sts:GetCallerIdentity": (None, ""),
}  # fmt: skip
# Needed beside the calls: tags given at creation need the tagging action, and handing a role to the
# identity pool (SetIdentityPoolRoles) or to a group (CreateGroup with RoleArn) needs iam:PassRole.
_IMPLIED = {
    "cognito-idp:CreateUserPool": (("cognito-idp:TagResource", "userpool"),),
    "cognito-identity:CreateIdentityPool": (("cognito-identity:TagResource", "identitypool"),),
    "iam:CreateRole": (("iam:TagRole", "role"),),
    "cognito-identity:SetIdentityPoolRoles": (("iam:PassRole", "role"),),
    "cognito-idp:CreateGroup": (("iam:PassRole", "role"),),
}


# What `rolesim probe --cleanup` calls to find a run's resources (and delete them).
CLEANUP_OPERATIONS = (
    "cognito-idp:ListUserPools", "cognito-idp:DescribeUserPool", "cognito-idp:DeleteUserPool",
    "cognito-identity:ListIdentityPools", "cognito-identity:DescribeIdentityPool",
    "cognito-identity:DeleteIdentityPool", "iam:ListRoles", "iam:GetRole", "iam:DeleteRole",
)  # fmt: skip


class Credentials(msgspec.Struct, frozen=True):
    """Temporary credentials an identity pool issued; a secret: never shown, only used once."""

    access_key_id: str
    secret_key: str
    session_token: str

    def __repr__(self) -> str:
        return "Credentials(…)"


class PlannedCall(msgspec.Struct, frozen=True):
    operation: str  # service:Operation
    target: str  # what it acts on, in words

    @property
    def action(self) -> str | None:
        return PERMISSIONS[self.operation][0]

    def to_json(self) -> dict[str, Any]:
        return {"call": self.operation, "target": self.target, "permission": self.action}


class Api(Protocol):
    region: str
    planning: bool
    redactor: Redactor

    def call(
        self,
        operation: str,
        target: str,
        *,
        credentials: Credentials | None = None,
        **params: Any,
    ) -> dict[str, Any]: ...

    def pages(self, operation: str, key: str, target: str, **params: Any) -> list[Any]: ...

    def secret(self, value: str | None) -> None: ...

    def sleep(self, seconds: float) -> None: ...

    def clock(self) -> float: ...


class AwsApi:
    """Real calls, one client per service, through `AwsClients` (entered by the caller)."""

    planning = False

    def __init__(
        self,
        clients: AwsClients,
        region: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = clients
        self.region = region
        self.redactor = clients.redactor
        self._clients: dict[str, Any] = {}
        self._sleep = sleep
        self._clock = clock

    def _client(self, service: str, credentials: Credentials | None) -> Any:
        if credentials is not None:
            return self.clients.client(
                service,
                self.region,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_key,
                aws_session_token=credentials.session_token,
            )
        if service not in self._clients:
            self._clients[service] = self.clients.client(service, self.region)
        return self._clients[service]

    def call(
        self,
        operation: str,
        target: str,
        *,
        credentials: Credentials | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        log.info("probe: %s %s", operation, target)
        return call(
            self._client(operation.partition(":")[0], credentials),
            operation,
            region=self.region,
            redactor=self.redactor,
            **params,
        )

    def pages(self, operation: str, key: str, target: str, **params: Any) -> list[Any]:
        log.info("probe: %s %s", operation, target)
        return pages(
            self._client(operation.partition(":")[0], None),
            operation,
            key,
            region=self.region,
            redactor=self.redactor,
            **params,
        )

    def secret(self, value: str | None) -> None:
        self.redactor.add(value)

    def sleep(self, seconds: float) -> None:
        self._sleep(seconds)

    def clock(self) -> float:
        return self._clock()


class PlannedApi:
    """No call leaves the machine: each is recorded, and answered with made-up ids."""

    planning = True

    def __init__(self, region: str) -> None:
        self.region = region
        self.redactor = Redactor()
        self.calls: list[PlannedCall] = []
        self._serial = 0

    def _next(self) -> int:
        self._serial += 1
        return self._serial

    def call(
        self,
        operation: str,
        target: str,
        *,
        credentials: Credentials | None = None,  # noqa: ARG002 - the real Api's signature
        **params: Any,
    ) -> dict[str, Any]:
        self.calls.append(PlannedCall(operation, target))
        answer = _PLANNED_ANSWERS.get(operation)
        return answer(self, params) if answer is not None else {}

    def pages(self, operation: str, key: str, target: str, **params: Any) -> list[Any]:  # noqa: ARG002
        self.calls.append(PlannedCall(operation, target))
        return []

    def secret(self, value: str | None) -> None:
        pass

    def sleep(self, seconds: float) -> None:
        pass

    def clock(self) -> float:
        return 0.0


def _unsigned_token(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, "", algorithm="none")


def _planned_pool_id(api: PlannedApi, _: dict[str, Any]) -> dict[str, Any]:
    return {"IdentityPoolId": f"{api.region}:00000000-0000-0000-0000-{api._next():012d}"}


def _planned_role(_: PlannedApi, params: dict[str, Any]) -> dict[str, Any]:
    name = params["RoleName"]
    return {
        "Role": {
            "Arn": f"arn:aws:iam::{ACCOUNT_PLACEHOLDER}:role{ROLE_PATH}{name}",
            "RoleName": name,
        }
    }


_PLANNED_ANSWERS: dict[str, Callable[[PlannedApi, dict[str, Any]], dict[str, Any]]] = {
    "cognito-idp:CreateUserPool": lambda api, _: {"UserPool": {"Id": f"{api.region}_PLANNED"}},
    "cognito-idp:CreateUserPoolClient": lambda _a, _p: {"UserPoolClient": {"ClientId": "plannedclient"}},
    "cognito-idp:InitiateAuth": lambda _a, _p: {"AuthenticationResult": {"IdToken": _unsigned_token({})}},
    "cognito-identity:CreateIdentityPool": _planned_pool_id,
    "cognito-identity:GetId": lambda api, _: {"IdentityId": f"{api.region}:planned-identity"},
    "cognito-identity:GetCredentialsForIdentity": lambda _a, _p: {
        "Credentials": {"AccessKeyId": "planned", "SecretKey": "planned", "SessionToken": "planned"}
    },
    "cognito-identity:GetOpenIdToken": lambda _a, _p: {"Token": _unsigned_token({})},
    "iam:CreateRole": _planned_role,
    "sts:GetCallerIdentity": lambda _a, _p: {
        "Arn": f"arn:aws:sts::{ACCOUNT_PLACEHOLDER}:assumed-role/planned/CognitoIdentityCredentials"
    },
}  # fmt: skip


def least_privilege_policy(
    operations: Iterable[str], *, region: str, account: str = ACCOUNT_PLACEHOLDER
) -> dict[str, Any]:
    """The IAM policy the caller needs for these calls, one statement per kind of resource."""
    resources = {
        "*": "*",
        "userpool": f"arn:aws:cognito-idp:{region}:{account}:userpool/*",
        "identitypool": f"arn:aws:cognito-identity:{region}:{account}:identitypool/*",
        "role": f"arn:aws:iam::{account}:role{ROLE_PATH}{NAME_PREFIX}-*",
    }
    by_kind: dict[str, dict[str, None]] = {}
    for operation in dict.fromkeys(operations):
        action, kind = PERMISSIONS[operation]
        if action is not None:
            by_kind.setdefault(kind, {})[action] = None
        for implied, implied_kind in _IMPLIED.get(operation, ()):
            by_kind.setdefault(implied_kind, {})[implied] = None
    sids = {"*": "ListAndCreate", "userpool": "ProbeUserPool", "identitypool": "ProbeIdentityPools",
            "role": "ProbeRoles"}  # fmt: skip
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sids[kind],
                "Effect": "Allow",
                "Action": sorted(by_kind[kind]),
                "Resource": resources[kind],
            }
            for kind in ("*", "userpool", "identitypool", "role")
            if kind in by_kind
        ],
    }
