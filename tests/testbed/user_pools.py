"""User-pool behaviour moto skips, added by wrapping its model methods for the server's life.

- ID tokens carry the user's standard attributes as user pools write them [IDTOK] (moto writes
  them only for clients with ReadAttributes): `email_verified` and `phone_number_verified` as
  JSON booleans, the others as strings.
- ID tokens carry `cognito:roles` and `cognito:preferred_role` from the user's groups, chosen as
  the user pool documents it (cognito-semantics §3): lowest non-negative precedence wins, a null
  precedence loses to any number, a tie between different roles sets no preferred role.
- USER_PASSWORD_AUTH is refused for clients that do not allow it, and a client with a secret
  needs a correct SECRET_HASH.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, CognitoIdpUserPool
from moto.cognitoidp.utils import check_secret_hash


def role_claims(user: CognitoIdpUser) -> dict[str, Any]:
    groups = [group for group in user.groups if group.role_arn]
    roles = sorted({group.role_arn for group in groups})
    if not roles:
        return {}
    claims: dict[str, Any] = {"cognito:roles": roles}
    numbered = [group for group in groups if group.precedence is not None]
    if len(roles) == 1:
        claims["cognito:preferred_role"] = roles[0]
    else:
        candidates = numbered or groups
        best = min(group.precedence for group in numbered) if numbered else None
        top = {group.role_arn for group in candidates if group.precedence == best}
        if len(top) == 1:
            claims["cognito:preferred_role"] = top.pop()
    return claims


_BOOLEAN_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})


def standard_claims(user: CognitoIdpUser) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    for attribute in user.attributes:
        name, value = attribute["Name"], attribute["Value"]
        if name.startswith("custom:") or name == "sub":
            continue
        claims[name] = value == "true" if name in _BOOLEAN_ATTRIBUTES else value
    return claims


def _with_role_claims(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def extra_data(self: CognitoIdpUserPool, client_id: str, username: str) -> dict[str, Any]:
        data = original(self, client_id, username)
        user = self._get_user(username)
        client = self.clients.get(client_id)
        if client is not None and not client.get_readable_fields():
            data.update(standard_claims(user))
        data.update(role_claims(user))
        return data

    return extra_data


def _checking_client(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def initiate_auth(
        self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        if auth_flow == "USER_PASSWORD_AUTH":
            client = next(
                (
                    pool.clients[client_id]
                    for pool in self.user_pools.values()
                    if client_id in pool.clients
                ),
                None,
            )
            if client is not None:
                flows = client.extended_config.get("ExplicitAuthFlows") or []
                if not {"USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH"} & set(flows):
                    raise InvalidParameterException(
                        "USER_PASSWORD_AUTH flow not enabled for this client"
                    )
                if client.generate_secret and not check_secret_hash(
                    client.secret,
                    client.id,
                    auth_parameters.get("USERNAME", ""),
                    auth_parameters.get("SECRET_HASH"),
                ):
                    raise NotAuthorizedError(f"Unable to verify secret hash for client {client_id}")
        return original(self, client_id, auth_flow, auth_parameters)

    return initiate_auth


@contextlib.contextmanager
def user_pool_extensions() -> Iterator[None]:
    with (
        mock.patch.object(
            CognitoIdpUserPool,
            "get_user_extra_data_by_client_id",
            _with_role_claims(CognitoIdpUserPool.get_user_extra_data_by_client_id),
        ),
        mock.patch.object(
            CognitoIdpBackend, "initiate_auth", _checking_client(CognitoIdpBackend.initiate_auth)
        ),
    ):
        yield
