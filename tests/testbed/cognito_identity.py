"""What moto's cognito-identity lacks, added on its own extension points.

moto routes each service through the handlers listed in its `urls.py`; the test bed points
cognito-identity's handler at a subclass of moto's `CognitoIdentityResponse` (and STS's at a
subclass of `TokenResponse`) for the life of the server. The subclass adds role mappings,
principal-tag maps, AllowClassicFlow, login checks, real credentials from moto's STS backend and
a signed OpenID token. Which role, tags or refusal a login gets comes from the OutcomeLedger.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, ClassVar

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.cognitoidentity.models import CognitoIdentityPool, cognitoidentity_backends
from moto.cognitoidentity.responses import CognitoIdentityResponse
from moto.core.exceptions import ServiceException
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

from tests.testbed.behaviour import (
    UnrecordedBehaviourError,
    classic_flow_default,
    emulated_outcome,
    rule_limit,
)
from tests.testbed.outcomes import LoginKey, Outcome, OutcomeLedger, UnrecordedLoginError

OPENID_ISSUER = "https://cognito-identity.amazonaws.com"
# Widely observed, not documented (cognito-semantics §7).
ENHANCED_SESSION_NAME = "CognitoIdentityCredentials"
UNAUTH_NOT_SUPPORTED = "Unauthenticated access is not supported for this identity pool."
NOT_SUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool."


class ServiceError(ServiceException):
    """An AWS error answer. Defined outside moto so moto serialises it with the calling service's
    model (it looks an exception's service up from its module name)."""


def _error(code: str, message: str) -> ServiceError:
    return ServiceError(code, message)


@dataclass
class PoolExtras:
    """The parts of an identity pool moto does not keep."""

    allow_classic_flow: bool = False
    roles: dict[str, str] = field(default_factory=dict)
    role_mappings: dict[str, Any] = field(default_factory=dict)
    tag_maps: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Identity:
    pool_id: str
    login: LoginKey


def _moto_user_pool_jwks() -> dict[str, Any]:
    """The public keys moto signs user-pool tokens with (plain JSON in older moto, gzip in newer)."""
    resources = files("moto.cognitoidp").joinpath("resources")
    for name in ("jwks-public.json", "jwks-public.json.gz"):
        entry = resources.joinpath(name)
        if entry.is_file():
            data = entry.read_bytes()
            return json.loads(gzip.decompress(data) if name.endswith(".gz") else data)  # type: ignore[no-any-return]
    raise RuntimeError("this moto release ships no user-pool JWKS")


class IdentityPoolExtension:
    """State and behaviour behind the response subclasses; one per test-bed server."""

    def __init__(self, ledger: OutcomeLedger, account_id: str) -> None:
        self.ledger = ledger
        self.account_id = account_id
        self.pools: dict[str, PoolExtras] = {}
        self.identities: dict[str, Identity] = {}
        self.claims: dict[LoginKey, dict[str, Any]] = {}  # of each login's latest token
        # Every credential and token handed out, so tests can prove none is ever shown.
        self.issued_secrets: list[str] = []
        self.openid_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.user_pool_keys = jwt.PyJWKSet.from_dict(_moto_user_pool_jwks())

    # -- pool lookups -------------------------------------------------------------------------

    def moto_pool(self, pool_id: str) -> CognitoIdentityPool:
        region = pool_id.split(":", 1)[0]
        pool = cognitoidentity_backends[self.account_id][region].identity_pools.get(pool_id)
        if pool is None:
            raise _error("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")
        return pool

    def extras(self, pool_id: str) -> PoolExtras:
        self.moto_pool(pool_id)
        return self.pools.setdefault(pool_id, PoolExtras())

    def describe(self, document: dict[str, Any]) -> dict[str, Any]:
        document["AllowClassicFlow"] = self.extras(document["IdentityPoolId"]).allow_classic_flow
        return document

    # -- logins -------------------------------------------------------------------------------

    def login_key(self, pool_id: str, logins: dict[str, str] | None) -> LoginKey:
        """Check a Logins map the way the service does and return who it names."""
        pool = self.moto_pool(pool_id)
        if not logins:
            if not pool.allow_unauthenticated_identities:
                raise _error("NotAuthorizedException", UNAUTH_NOT_SUPPORTED)
            return LoginKey.guest()
        if len(logins) != 1:
            raise _error("NotAuthorizedException", "The test bed accepts one login per request.")
        ((provider, token),) = logins.items()
        subject, claims = self._subject(pool, provider, token)
        key = LoginKey(provider, subject)
        self.claims[key] = claims
        return key

    def _subject(
        self, pool: CognitoIdentityPool, provider: str, token: str
    ) -> tuple[str, dict[str, Any]]:
        user_pools = {p["ProviderName"]: p for p in pool.cognito_identity_providers or []}
        configured = (
            set(user_pools)
            | set(pool.open_id_connect_provider_arns or [])
            | set(pool.supported_login_providers or {})
        )
        if provider not in configured:
            raise _error("NotAuthorizedException", NOT_SUPPORTED_PROVIDER)
        if provider not in user_pools:
            claims = jwt.decode(token, options={"verify_signature": False})
            return str(claims["sub"]), claims
        try:
            header = jwt.get_unverified_header(token)
            key = self.user_pool_keys[header["kid"]]
            claims = jwt.decode(token, key=key, algorithms=["RS256"], options={"verify_aud": False})
        except jwt.ExpiredSignatureError:
            raise _error("NotAuthorizedException", "Invalid login token. Token expired.") from None
        except (jwt.InvalidTokenError, KeyError):
            raise _error("NotAuthorizedException", "Invalid login token.") from None
        if str(claims.get("iss", "")).removeprefix("https://") != provider:
            raise _error(
                "NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName"
            )
        client_ids = {
            p.get("ClientId")
            for p in pool.cognito_identity_providers
            if p["ProviderName"] == provider
        }
        if claims.get("aud") not in client_ids:
            raise _error("NotAuthorizedException", NOT_SUPPORTED_PROVIDER)
        return str(claims["sub"]), claims

    def identity_for(self, identity_id: str, logins: dict[str, str] | None) -> Identity:
        identity = self.identities.get(identity_id)
        if identity is None:
            raise _error("ResourceNotFoundException", f"Identity '{identity_id}' not found.")
        login = self.login_key(identity.pool_id, logins)
        if login != identity.login:
            raise _error(
                "NotAuthorizedException",
                "Logins don't match. Please include at least one valid login for this identity "
                "or identity pool.",
            )
        return identity

    # -- operations ---------------------------------------------------------------------------

    def get_id(self, pool_id: str, logins: dict[str, str] | None) -> str:
        login = self.login_key(pool_id, logins)
        if login.authenticated:
            # The same login always comes back to the same identity.
            for identity_id, identity in self.identities.items():
                if identity.pool_id == pool_id and identity.login == login:
                    return identity_id
        identity_id = f"{pool_id.split(':', 1)[0]}:{uuid.uuid4()}"
        self.identities[identity_id] = Identity(pool_id, login)
        return identity_id

    def recorded(self, identity: Identity, *, flow: str, requested_role_arn: str | None) -> Any:
        try:
            return self.ledger.lookup(
                identity.pool_id, identity.login, flow=flow, requested_role_arn=requested_role_arn
            )
        except UnrecordedLoginError as exc:
            if self.ledger.behaviour and flow == "enhanced":
                return self._behaved(identity, requested_role_arn)
            # Loud on purpose: a test that forgot to record an answer must not pass.
            raise _error("InternalErrorException", f"test bed: {exc}") from None

    def _behaved(self, identity: Identity, custom_role_arn: str | None) -> Outcome:
        login = identity.login
        if login.provider is None:
            raise _error(
                "InternalErrorException", "test bed: recorded behaviour covers logins only"
            )
        try:
            return emulated_outcome(
                self.extras(identity.pool_id), login.provider, self.claims[login],
                custom_role_arn, self.ledger.behaviour,
            )  # fmt: skip
        except UnrecordedBehaviourError as exc:
            raise _error("InternalErrorException", f"test bed: {exc}") from None

    def credentials(
        self, identity_id: str, logins: dict[str, str] | None, custom_role_arn: str | None
    ) -> dict[str, Any]:
        identity = self.identity_for(identity_id, logins)
        outcome = self.recorded(identity, flow="enhanced", requested_role_arn=custom_role_arn)
        if outcome.error_code:
            raise _error(outcome.error_code, outcome.error_message or "")
        region = identity.pool_id.split(":", 1)[0]
        sts = sts_backends[self.account_id]["aws"]
        assumed = sts.assume_role_with_web_identity(
            region_name=region,
            role_session_name=ENHANCED_SESSION_NAME,
            role_arn=outcome.role_arn,
            policy=None,
            duration=3600,
            external_id=None,
        )
        self.issued_secrets += [
            assumed.access_key_id,
            assumed.secret_access_key,
            assumed.session_token,
        ]
        return {
            "IdentityId": identity_id,
            "Credentials": {
                "AccessKeyId": assumed.access_key_id,
                "SecretKey": assumed.secret_access_key,
                "SessionToken": assumed.session_token,
                "Expiration": assumed.expiration.timestamp(),
            },
        }

    def open_id_token(self, identity_id: str, logins: dict[str, str] | None) -> dict[str, Any]:
        identity = self.identity_for(identity_id, logins)
        extras = self.extras(identity.pool_id)
        # Semantics §9: GetOpenIdToken refuses the classic flow when it is off or mappings exist.
        if not extras.allow_classic_flow:
            raise _error(
                "InvalidParameterException",
                "Basic (classic) flow is not enabled, please use enhanced flow.",
            )
        if extras.role_mappings:
            raise _error(
                "InvalidParameterException",
                "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.",
            )
        now = int(time.time())
        login = identity.login
        if login.provider is None:
            amr = ["unauthenticated"]
        elif login.provider.startswith("cognito-idp."):
            amr = [
                "authenticated",
                login.provider,
                f"{login.provider}:CognitoSignIn:{login.subject}",
            ]
        else:
            amr = ["authenticated", login.provider]
        region = identity.pool_id.split(":", 1)[0]
        claims: dict[str, Any] = {
            "iss": OPENID_ISSUER,
            "sub": identity_id,
            "aud": identity.pool_id,
            "amr": amr,
            "iat": now,
            "exp": now + 600,
            "https://cognito-identity.amazonaws.com/identity-pool-arn": (
                f"arn:aws:cognito-identity:{region}:{self.account_id}:identitypool/{identity.pool_id}"
            ),
        }
        tags = self.recorded(identity, flow="enhanced", requested_role_arn=None).principal_tags
        if tags:
            claims["https://aws.amazon.com/tags"] = {
                "principal_tags": {key: [value] for key, value in tags.items()}
            }
        token = jwt.encode(
            claims,
            self.openid_key,
            algorithm="RS512",
            headers={"kid": f"{region}-1", "typ": "JWS"},
        )
        self.issued_secrets.append(token)
        return {"IdentityId": identity_id, "Token": token}

    def identity_from_openid_token(self, token: str) -> tuple[str, Identity] | None:
        """The identity a test-bed OpenID token names, or None for tokens it did not sign."""
        try:
            claims = jwt.decode(
                token,
                key=self.openid_key.public_key(),
                algorithms=["RS512"],
                options={"verify_aud": False},
                issuer=OPENID_ISSUER,
            )
        except jwt.InvalidTokenError:
            return None
        identity = self.identities.get(str(claims["sub"]))
        return (str(claims["sub"]), identity) if identity else None

    def response_classes(self) -> tuple[type[CognitoIdentityResponse], type[TokenResponse]]:
        ext = self

        class BoundIdentityResponse(_IdentityResponse):
            extension = ext

        class BoundStsResponse(_StsResponse):
            extension = ext

        return BoundIdentityResponse, BoundStsResponse


class _IdentityResponse(CognitoIdentityResponse):
    extension: ClassVar[IdentityPoolExtension]

    def create_identity_pool(self) -> str:
        document = json.loads(super().create_identity_pool())
        extras = self.extension.extras(document["IdentityPoolId"])
        classic = self._get_param("AllowClassicFlow")
        behaviour = self.extension.ledger.behaviour
        if classic is None and "classic-flow-default" in behaviour:
            # What the test recorded AWS to do for a pool created without the flag.
            classic = classic_flow_default(behaviour)
        extras.allow_classic_flow = bool(classic)
        return json.dumps(self.extension.describe(document))

    def update_identity_pool(self) -> str:
        pool_id = self._get_param("IdentityPoolId")
        self.extension.moto_pool(pool_id)
        document = json.loads(super().update_identity_pool())
        classic = self._get_param("AllowClassicFlow")
        if classic is not None:
            self.extension.extras(pool_id).allow_classic_flow = bool(classic)
        return json.dumps(self.extension.describe(document))

    def describe_identity_pool(self) -> str:
        document = json.loads(super().describe_identity_pool())
        return json.dumps(self.extension.describe(document))

    def set_identity_pool_roles(self) -> str:
        extras = self.extension.extras(self._get_param("IdentityPoolId"))
        behaviour = self.extension.ledger.behaviour
        if "rule-limit" in behaviour:
            limit = rule_limit(behaviour)
            for key, mapping in (self._get_param("RoleMappings") or {}).items():
                rules = (mapping.get("RulesConfiguration") or {}).get("Rules") or []
                if len(rules) > limit:
                    raise _error("InvalidParameterException", f"Rules for {key} exceed {limit}.")
        extras.roles = dict(self._get_param("Roles") or {})
        extras.role_mappings = dict(self._get_param("RoleMappings") or {})
        return ""

    def get_identity_pool_roles(self) -> str:
        pool_id = self._get_param("IdentityPoolId")
        extras = self.extension.extras(pool_id)
        body: dict[str, Any] = {"IdentityPoolId": pool_id, "Roles": extras.roles}
        if extras.role_mappings:
            body["RoleMappings"] = extras.role_mappings
        return json.dumps(body)

    def set_principal_tag_attribute_map(self) -> str:
        pool_id = self._get_param("IdentityPoolId")
        provider = self._get_param("IdentityProviderName")
        entry = {
            "IdentityPoolId": pool_id,
            "IdentityProviderName": provider,
            "UseDefaults": bool(self._get_param("UseDefaults", False)),
            "PrincipalTags": dict(self._get_param("PrincipalTags") or {}),
        }
        self.extension.extras(pool_id).tag_maps[provider] = entry
        return json.dumps(entry)

    def get_principal_tag_attribute_map(self) -> str:
        pool_id = self._get_param("IdentityPoolId")
        provider = self._get_param("IdentityProviderName")
        entry = self.extension.extras(pool_id).tag_maps.get(provider)
        if entry is None:
            # Community-reported behaviour for a provider never configured (semantics §9).
            raise _error(
                "ResourceNotFoundException", f"No principal tag map for provider {provider}."
            )
        return json.dumps(entry)

    def get_id(self) -> str:
        identity_id = self.extension.get_id(
            self._get_param("IdentityPoolId"), self._get_param("Logins")
        )
        return json.dumps({"IdentityId": identity_id})

    def get_credentials_for_identity(self) -> str:
        return json.dumps(
            self.extension.credentials(
                self._get_param("IdentityId"),
                self._get_param("Logins"),
                self._get_param("CustomRoleArn"),
            )
        )

    def get_open_id_token(self) -> str:
        return json.dumps(
            self.extension.open_id_token(self._get_param("IdentityId"), self._get_param("Logins"))
        )


class _StsResponse(TokenResponse):
    extension: ClassVar[IdentityPoolExtension]

    def assume_role_with_web_identity(self) -> Any:
        # moto's STS checks neither the token nor the trust policy; a test-bed OpenID token gets
        # the basic-flow answer the test recorded for that identity and role.
        named = self.extension.identity_from_openid_token(self._get_param("WebIdentityToken"))
        if named is not None:
            _, identity = named
            outcome = self.extension.recorded(
                identity, flow="basic", requested_role_arn=self._get_param("RoleArn")
            )
            if outcome.error_code:
                raise _error(outcome.error_code, outcome.error_message or "")
        result = super().assume_role_with_web_identity()
        credentials = result.result["Credentials"]
        self.extension.issued_secrets += [
            credentials.access_key_id,
            credentials.secret_access_key,
            credentials.session_token,
        ]
        return result
