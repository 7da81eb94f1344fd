"""The real identity-pool flows (cognito-semantics §4), run with boto3, and what they show.

enhanced: GetId → GetCredentialsForIdentity [CustomRoleArn]
basic:    GetId → GetOpenIdToken → sts:AssumeRoleWithWebIdentity (the role the app asks for)

Then sts:GetCallerIdentity with the issued credentials names the role. Session tags and `amr`
are read from an OpenID token (its `https://aws.amazon.com/tags` claim, §6.4) when the pool
hands one out; otherwise the observation says they could not be seen. Credentials and tokens
stay inside this module: the Observation carries none of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import jwt
import msgspec
from botocore.exceptions import ClientError

from simulator.live.errors import ObservedError, aws_error, call, observed_error
from simulator.live.responses import malformed, need_text
from simulator.live.session import AwsClients
from simulator.request import Flow

# The role session name rolesim asks for in the basic flow (the app chooses it there).
BASIC_SESSION_NAME = "rolesim-verify"
TAGS_CLAIM = "https://aws.amazon.com/tags"
_ASSUMED_ROLE = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sts::(?P<account>\d{12}):assumed-role/(?P<name>[^/]+)/(?P<session>.+)"
)
_ROLE = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[^/]+)"
)


class FlowRequest(msgspec.Struct, frozen=True):
    """One live run. `logins` maps the Logins key to its token; empty means a guest."""

    identity_pool_id: str
    flow: Flow = Flow.ENHANCED
    logins: Mapping[str, str] = msgspec.field(default_factory=dict)
    custom_role_arn: str | None = None
    basic_role_arn: str | None = None
    known_role_arns: tuple[str, ...] = ()


class Observation(msgspec.Struct, frozen=True):
    """What AWS did. `principal_tags`/`amr` are None when they could not be observed."""

    flow: Flow
    identity_id: str | None = None
    role_arn: str | None = None
    assumed_role_arn: str | None = None
    error: ObservedError | None = None
    principal_tags: Mapping[str, str] | None = None
    amr: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "role_arn": self.role_arn,
            "assumed_role_arn": self.assumed_role_arn,
            "principal_tags": dict(self.principal_tags)
            if self.principal_tags is not None
            else None,
            "error": self.error.to_json() if self.error else None,
            "identity_id": self.identity_id,
            "amr": list(self.amr) if self.amr is not None else None,
            "notes": list(self.notes),
        }


class _RefusedError(Exception):
    def __init__(self, error: ObservedError) -> None:
        super().__init__(error.code)
        self.error = error


def role_arn_for(
    assumed_role_arn: str, known_role_arns: Iterable[str]
) -> tuple[str | None, str | None]:
    """Map `…:assumed-role/<name>/<session>` back to a role ARN; returns (arn, note).

    The assumed-role ARN drops the role's path (cognito-semantics §7), so the path comes from
    the role ARNs the configuration names; without one, the ARN is rebuilt without a path.
    """
    match = _ASSUMED_ROLE.fullmatch(assumed_role_arn)
    if not match:
        return None, f"the caller {assumed_role_arn} is not an assumed role"
    candidates = sorted(
        {
            arn
            for arn in known_role_arns
            if (role := _ROLE.fullmatch(arn))
            and role["name"] == match["name"]
            and role["account"] == match["account"]
            and role["partition"] == match["partition"]
        }
    )
    if len(candidates) == 1:
        return candidates[0], None
    rebuilt = f"arn:{match['partition']}:iam::{match['account']}:role/{match['name']}"
    if not candidates:
        return rebuilt, (
            f"role {match['name']} is not named in the configuration; its path is unknown, "
            f"so it is shown as {rebuilt}"
        )
    return rebuilt, f"several configured roles are named {match['name']}: {', '.join(candidates)}"


def read_openid_token(token: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """Session tags and `amr` from an OpenID token, decoded without verification (it came
    straight from the service over TLS; only its claims are read).

    A token that is not a JWT, or whose tags claim is not the documented shape (§6.4), is the
    endpoint's failure: AwsError, never a guess at the tags.
    """
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise malformed("GetOpenIdToken", f"the token is not a JWT ({exc})") from None
    tagged = claims.get(TAGS_CLAIM) or {}
    principal_tags = (tagged.get("principal_tags") or {}) if isinstance(tagged, dict) else None
    amr = claims.get("amr") or []
    amr_values = amr if isinstance(amr, list) else [amr]
    if not isinstance(principal_tags, dict) or not all(
        isinstance(v, str | list) for v in principal_tags.values()
    ):
        raise malformed(
            "GetOpenIdToken",
            f"the token's {TAGS_CLAIM} claim is not {{principal_tags: {{KEY: [VALUE]}}}}",
        )
    tags: dict[str, str] = {}
    for key, values in principal_tags.items():
        # §6.4: each value is a one-element array.
        value = values[0] if isinstance(values, list) and values else values
        tags[str(key)] = str(value)
    return tags, tuple(str(entry) for entry in amr_values)


class _Runner:
    def __init__(self, clients: AwsClients, request: FlowRequest) -> None:
        self.clients = clients
        self.request = request
        self.redactor = clients.redactor
        self.region = clients.region_for(request.identity_pool_id)
        self.identity = clients.client("cognito-identity", self.region)
        self.notes: list[str] = []
        for token in request.logins.values():
            self.redactor.add(token)

    def call(self, client: Any, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return call(client, operation, region=self.region, redactor=self.redactor, **params)
        except ClientError as exc:
            observed = observed_error(exc, operation, self.redactor)
            if observed is not None:
                raise _RefusedError(observed) from None
            raise aws_error(
                exc, operation=operation, region=self.region, redactor=self.redactor
            ) from None

    def credentials(
        self, response: dict[str, Any], operation: str, secret: str
    ) -> tuple[str | None, str]:
        """Whose the issued credentials are (GetCallerIdentity): (role ARN, assumed-role ARN)."""
        key, secret_key, token = (
            need_text(response, "Credentials", name, operation=operation)
            for name in ("AccessKeyId", secret, "SessionToken")
        )
        return self.caller(key, secret_key, token)

    def logins(self) -> dict[str, Any]:
        return {"Logins": dict(self.request.logins)} if self.request.logins else {}

    def get_id(self) -> str:
        response = self.call(
            self.identity, "GetId", IdentityPoolId=self.request.identity_pool_id, **self.logins()
        )
        return need_text(response, "IdentityId", operation="GetId")

    def open_id_token(self, identity_id: str) -> str:
        response = self.call(
            self.identity, "GetOpenIdToken", IdentityId=identity_id, **self.logins()
        )
        token = need_text(response, "Token", operation="GetOpenIdToken")
        self.redactor.add(token)
        return token

    def caller(
        self, access_key: str, secret_key: str, session_token: str
    ) -> tuple[str | None, str]:
        for secret in (access_key, secret_key, session_token):
            self.redactor.add(secret)
        sts = self.clients.client(
            "sts",
            self.region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            aws_session_token=session_token,
        )
        identity = self.call(sts, "GetCallerIdentity")
        assumed = need_text(identity, "Arn", operation="GetCallerIdentity")
        role_arn, note = role_arn_for(assumed, self.request.known_role_arns)
        if note:
            self.notes.append(note)
        return role_arn, assumed

    def enhanced(self) -> Observation:
        identity_id: str | None = None
        role_arn = assumed = None
        error: ObservedError | None = None
        try:
            identity_id = self.get_id()
            extra = (
                {"CustomRoleArn": self.request.custom_role_arn}
                if self.request.custom_role_arn
                else {}
            )
            issued = self.call(
                self.identity,
                "GetCredentialsForIdentity",
                IdentityId=identity_id,
                **self.logins(),
                **extra,
            )
            role_arn, assumed = self.credentials(issued, "GetCredentialsForIdentity", "SecretKey")
        except _RefusedError as refused:
            error = refused.error
        tags, amr = self.observe_token(identity_id)
        return Observation(
            Flow.ENHANCED, identity_id, role_arn, assumed, error, tags, amr, tuple(self.notes)
        )

    def observe_token(
        self, identity_id: str | None
    ) -> tuple[dict[str, str] | None, tuple[str, ...] | None]:
        if identity_id is None:
            self.notes.append("session tags and amr not observed: GetId was refused")
            return None, None
        try:
            token = self.open_id_token(identity_id)
        except _RefusedError as refused:
            self.notes.append(
                "session tags and amr cannot be observed: this pool does not hand out OpenID "
                f"tokens ({refused.error.code}: {refused.error.message})"
            )
            return None, None
        self.notes.append(
            "session tags and amr read from the OpenID token of GetOpenIdToken, which carries "
            "the principal tags the pool passes to STS"
        )
        return read_openid_token(token)

    def basic(self) -> Observation:
        if not self.request.basic_role_arn:
            raise ValueError("the basic flow needs the role the application asks for")
        identity_id: str | None = None
        role_arn = assumed = None
        error: ObservedError | None = None
        tags: dict[str, str] | None = None
        amr: tuple[str, ...] | None = None
        try:
            identity_id = self.get_id()
            token = self.open_id_token(identity_id)
            tags, amr = read_openid_token(token)
            self.notes.append("session tags and amr read from the OpenID token")
            sts = self.clients.client("sts", self.region)
            issued = self.call(
                sts,
                "AssumeRoleWithWebIdentity",
                RoleArn=self.request.basic_role_arn,
                RoleSessionName=BASIC_SESSION_NAME,
                WebIdentityToken=token,
            )
            role_arn, assumed = self.credentials(
                issued, "AssumeRoleWithWebIdentity", "SecretAccessKey"
            )
        except _RefusedError as refused:
            error = refused.error
            if tags is None:
                self.notes.append("session tags and amr not observed: no OpenID token was issued")
        return Observation(
            Flow.BASIC, identity_id, role_arn, assumed, error, tags, amr, tuple(self.notes)
        )


def run_flow(clients: AwsClients, request: FlowRequest) -> Observation:
    """Run one flow against AWS. Raises AwsError when AWS could not be asked at all."""
    runner = _Runner(clients, request)
    return runner.basic() if request.flow == "basic" else runner.enhanced()
