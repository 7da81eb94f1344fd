"""pull --users: a user pool's real population as claims lines, one per user (a JSONL corpus).

The library twin of `rolesim pull --users`. Each line holds the claims an ID token for that user
would carry for the chosen app client [IDTOK]: iss, aud, token_use, sub, cognito:username, the
attributes the client may read (custom attributes as strings, email_verified and
phone_number_verified as booleans, identities as the array it encodes), cognito:groups, and
cognito:roles / cognito:preferred_role derived from the groups' precedence the way the user pool
does (simulator.resolve.roles_from_groups). Session claims (exp, iat, auth_time, jti) are left out.

With `only` (the claims a pool file reads, `--only-read-claims`), every other claim is dropped and
`sub` is replaced by a keyed hash (HMAC-SHA256): lines stay distinct, and nobody without the key
can tell whose line is whose.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
import msgspec
from botocore.exceptions import ClientError

from simulator.errors import UsageError
from simulator.live.errors import aws_error, call, pages
from simulator.live.responses import need, need_text
from simulator.live.session import AwsClients, check_region
from simulator.model.pool import UserPoolGroup
from simulator.resolve import roles_from_groups

# [IDTOK]: these standard attributes are JSON booleans in the ID token; the others strings.
_BOOLEAN_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})
_LIST_PAGE = 60  # ListUsers' largest page


@functools.cache
def _user_pool_id_shape() -> tuple[re.Pattern[str], int]:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    meta = model.shape_for("UserPoolIdType").metadata
    return re.compile(meta["pattern"]), int(meta["max"])


def user_pool_region(user_pool_id: str) -> str:
    """User pool ids start with their region (`us-east-1_Example`)."""
    pattern, longest = _user_pool_id_shape()
    region, sep, rest = user_pool_id.partition("_")
    if len(user_pool_id) > longest or not pattern.fullmatch(user_pool_id) or not sep or not rest:
        shown = user_pool_id[:longest] + ("…" if len(user_pool_id) > longest else "")
        raise UsageError(f"--user-pool-id {shown!r} is not a user pool id (REGION_ID)")
    check_region(region, f"user pool id {user_pool_id!r}: region")
    return region


def hash_sub(sub: str, key: bytes) -> str:
    """A keyed, one-way stand-in for a user's `sub`: the same user and key, the same text."""
    return "hmac-sha256:" + hmac.new(key, sub.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def id_token_value(name: str, value: str) -> Any:
    """An attribute as the ID token writes it [IDTOK]."""
    if name in _BOOLEAN_ATTRIBUTES:
        return value.lower() == "true"
    if name == "identities":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class OnlyRead(msgspec.Struct, frozen=True):
    """`--only-read-claims`: keep only these claims, and `sub` hashed with `key`."""

    claims: frozenset[str]
    key: bytes

    def __repr__(self) -> str:
        return f"OnlyRead({sorted(self.claims)}, key=…)"


class UsersPull(msgspec.Struct):
    """What was pulled, and how many users went where (filled while `lines` is read)."""

    user_pool_id: str
    client_id: str
    estimated_users: int | None
    lines: Iterator[dict[str, Any]] = msgspec.field(default_factory=lambda: iter(()))
    written: int = 0
    skipped: dict[str, int] = msgspec.field(default_factory=dict)  # why -> how many
    dropped: set[str] = msgspec.field(default_factory=set)  # claim names left out by `keep`


class _UserReader:
    def __init__(self, clients: AwsClients, user_pool_id: str) -> None:
        self.user_pool_id = user_pool_id
        self.region = user_pool_region(user_pool_id)
        given = clients.settings.region
        if given and given != self.region:
            raise UsageError(
                f"user pool {user_pool_id} lives in {self.region}, but the region given is "
                f"{given}; drop --region or fix it"
            )
        self.redactor = clients.redactor
        self.idp = clients.client("cognito-idp", self.region)

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return call(self.idp, operation, region=self.region, redactor=self.redactor, **params)
        except ClientError as exc:
            raise aws_error(
                exc, operation=operation, region=self.region, redactor=self.redactor
            ) from None

    def pages(self, operation: str, key: str, **params: Any) -> Iterator[Any]:
        try:
            yield from pages(
                self.idp, operation, key, region=self.region, redactor=self.redactor, **params
            )
        except ClientError as exc:
            raise aws_error(
                exc, operation=operation, region=self.region, redactor=self.redactor
            ) from None

    def client_id(self, given: str | None, identity_pool_clients: tuple[str, ...]) -> str:
        """--client-id, else the identity pool's one client of this user pool, else the user
        pool's one app client."""
        if given is not None:
            return given
        if len(identity_pool_clients) == 1:
            return identity_pool_clients[0]
        if len(identity_pool_clients) > 1:
            raise UsageError(
                f"the identity pool accepts {len(identity_pool_clients)} clients of "
                f"{self.user_pool_id} ({', '.join(identity_pool_clients)}); pick one with --client-id"
            )
        found = [
            need_text(c, "ClientId", operation="ListUserPoolClients")
            for c in self.pages("cognito-idp:ListUserPoolClients", "UserPoolClients",
                                UserPoolId=self.user_pool_id, MaxResults=60)
        ]  # fmt: skip
        if len(found) != 1:
            raise UsageError(
                f"user pool {self.user_pool_id} has {len(found)} app clients"
                + (f" ({', '.join(found)})" if found else "")
                + "; pick the one whose tokens the identity pool takes with --client-id"
            )
        return found[0]

    def readable(self, client_id: str) -> frozenset[str] | None:
        """The attributes the client may read (they go into its ID tokens); None: all of them."""
        described = self.call(
            "cognito-idp:DescribeUserPoolClient", UserPoolId=self.user_pool_id, ClientId=client_id
        )
        client = need(described, "UserPoolClient", operation="DescribeUserPoolClient")
        attributes = client.get("ReadAttributes") or []
        return frozenset(attributes) if attributes else None

    def estimate(self) -> int | None:
        described = self.call("cognito-idp:DescribeUserPool", UserPoolId=self.user_pool_id)
        value = (described.get("UserPool") or {}).get("EstimatedNumberOfUsers")
        return value if isinstance(value, int) else None

    def groups(self, username: str) -> list[dict[str, Any]]:
        return list(
            self.pages(
                "cognito-idp:AdminListGroupsForUser", "Groups",
                UserPoolId=self.user_pool_id, Username=username, Limit=60,
            )
        )  # fmt: skip


class ClaimsShape(msgspec.Struct, frozen=True):
    """How each user's claims line is written."""

    issuer: str
    client_id: str
    readable: frozenset[str] | None  # the client's ReadAttributes; None: all
    only: OnlyRead | None = None

    def claims(self, user: dict[str, Any], groups: list[dict[str, Any]]) -> dict[str, Any]:
        username = need_text(user, "Username", operation="ListUsers")
        out: dict[str, Any] = {"iss": self.issuer, "aud": self.client_id, "token_use": "id"}
        attributes = {
            need_text(a, "Name", operation="ListUsers"): a.get("Value", "")
            for a in user.get("Attributes") or []
        }
        sub = attributes.pop("sub", None)
        if sub is not None:
            out["sub"] = sub
        out["cognito:username"] = username
        for name, value in attributes.items():
            if name.startswith("dev:") or (self.readable is not None and name not in self.readable):
                continue  # developer-only, or not readable by this client: not in its ID token
            out[name] = id_token_value(name, value)
        if groups:
            names = [need_text(g, "GroupName", operation="AdminListGroupsForUser") for g in groups]
            out["cognito:groups"] = names
            found = roles_from_groups(
                [
                    UserPoolGroup(n, g.get("Precedence"), g.get("RoleArn"))
                    for n, g in zip(names, groups, strict=True)
                ],
                names,
            )
            if found is not None:
                roles, preferred = found
                out["cognito:roles"] = list(roles)
                if preferred is not None:
                    out["cognito:preferred_role"] = preferred
        return out

    def kept(self, claims: dict[str, Any], dropped: set[str]) -> dict[str, Any]:
        if self.only is None:
            return claims
        out = {k: v for k, v in claims.items() if k in self.only.claims or k == "sub"}
        dropped.update(k for k in claims if k not in out)
        if "sub" in out:
            out["sub"] = hash_sub(str(out["sub"]), self.only.key)
        return out


def pull_users(
    clients: AwsClients,
    user_pool_id: str,
    *,
    client_id: str | None = None,
    identity_pool_clients: tuple[str, ...] = (),
    only: OnlyRead | None = None,
    progress: Callable[[int], None] | None = None,
) -> UsersPull:
    """The population of `user_pool_id`, one claims dict per user, read lazily from `lines`.

    Users who cannot sign in (disabled, or never confirmed) get no ID token and are skipped.
    """
    reader = _UserReader(clients, user_pool_id)
    chosen = reader.client_id(client_id, identity_pool_clients)
    shape = ClaimsShape(
        f"https://cognito-idp.{reader.region}.amazonaws.com/{user_pool_id}",
        chosen,
        reader.readable(chosen),
        only,
    )
    pulled = UsersPull(user_pool_id, chosen, reader.estimate())

    def lines() -> Iterator[dict[str, Any]]:
        for user in reader.pages("cognito-idp:ListUsers", "Users", UserPoolId=user_pool_id,
                                 Limit=_LIST_PAGE):  # fmt: skip
            if progress is not None:
                progress(1)
            why = _cannot_sign_in(user)
            if why is not None:
                pulled.skipped[why] = pulled.skipped.get(why, 0) + 1
                continue
            claims = shape.claims(
                user, reader.groups(need_text(user, "Username", operation="ListUsers"))
            )
            pulled.written += 1
            yield shape.kept(claims, pulled.dropped)

    pulled.lines = lines()
    return pulled


def _cannot_sign_in(user: dict[str, Any]) -> str | None:
    if user.get("Enabled") is False:
        return "disabled"
    if user.get("UserStatus") == "UNCONFIRMED":
        return "unconfirmed"
    return None


def identity_pool_clients(
    clients: AwsClients, identity_pool_id: str, user_pool_id: str
) -> tuple[str, ...]:
    """The app clients of `user_pool_id` whose tokens the identity pool accepts (§8)."""
    region = clients.region_for(identity_pool_id)
    identity = clients.client("cognito-identity", region)
    operation = "cognito-identity:DescribeIdentityPool"
    try:
        described = call(identity, operation, region=region, redactor=clients.redactor,
                          IdentityPoolId=identity_pool_id)  # fmt: skip
    except ClientError as exc:
        raise aws_error(
            exc, operation=operation, region=region, redactor=clients.redactor
        ) from None
    provider = f"cognito-idp.{user_pool_region(user_pool_id)}.amazonaws.com/{user_pool_id}"
    return tuple(
        str(p["ClientId"])
        for p in described.get("CognitoIdentityProviders") or []
        if isinstance(p, dict) and p.get("ProviderName") == provider and p.get("ClientId")
    )
