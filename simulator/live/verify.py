"""verify: predict, run the real flow, compare (CONTRACT §7). The library twin of `rolesim verify`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec

from simulator import inputs
from simulator.access import Assessment
from simulator.claims import Login, login_of, parse_claims_text
from simulator.errors import ClaimsError, UsageError
from simulator.live.flows import FlowRequest, Observation, run_flow
from simulator.live.redact import fingerprint
from simulator.live.session import AwsClients
from simulator.model.pool import IdentityPool
from simulator.model.providers import ProviderKind, issuer_host
from simulator.request import NO_TOKEN, LoginRequest
from simulator.simulate import simulate

GUEST = LoginRequest.guest()


class LoginSource(msgspec.Struct, frozen=True):
    """One login to verify: a raw ID token, or a guest (`token=None`). Holds a secret: never print."""

    label: str
    token: str | None = None
    provider: str | None = None  # --provider: overrides what the token's iss names

    @classmethod
    def guest(cls) -> LoginSource:
        return cls("guest")

    def __repr__(self) -> str:
        shown = fingerprint(self.token) if self.token else "guest"
        return f"LoginSource({self.label!r}, {shown})"


class VerifyResult(msgspec.Struct, frozen=True):
    """Prediction and live answer for one login, and how they differ."""

    login: str
    token: str | None  # a fingerprint, never the token
    predicted: Assessment
    live: Observation
    differences: tuple[str, ...]

    @property
    def match(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "login": self.login,
            "token": self.token,
            "predicted": self.predicted.to_json(trace=False),
            "live": self.live.to_json(),
            "differences": list(self.differences),
        }


class VerifyReport(msgspec.Struct, frozen=True):
    """Several logins, one report: matches only if every login matches."""

    results: tuple[VerifyResult, ...]

    @property
    def match(self) -> bool:
        return all(result.match for result in self.results)

    def to_json(self) -> dict[str, Any]:
        # One login prints the CONTRACT §7 object itself; a matrix wraps them.
        if len(self.results) == 1:
            return self.results[0].to_json()
        return {"match": self.match, "results": [r.to_json() for r in self.results]}


def read_id_token(text: str, source: str) -> str:
    """The raw ID token from a file: a JWT, or an initiate-auth response. Claims JSON is not
    enough for a live run: AWS needs the signed token."""
    stripped = text.strip()
    if stripped.startswith("{"):
        data = inputs.parse_json(stripped, source, inputs.CLAIMS)
        token = (
            (data.get("AuthenticationResult") or {}).get("IdToken")
            if isinstance(data, dict)
            else None
        )
        if not isinstance(token, str):
            raise ClaimsError(
                "verify needs the signed ID token (a JWT or an initiate-auth response with "
                "AuthenticationResult.IdToken), not decoded claims",
                source=source,
            )
        return token.strip()
    if stripped.count(".") != 2:
        raise ClaimsError("not a JWT (expected header.payload.signature)", source=source)
    return stripped


def logins_key(login: Login) -> str:
    """The Logins map key for a login (cognito-semantics §8): user pools and social providers by
    name, OIDC providers by issuer host."""
    if login.provider is None:
        raise UsageError("a guest has no Logins key")
    if login.provider.kind is ProviderKind.OIDC:
        iss = login.claims.get("iss")
        if isinstance(iss, str) and iss:
            return issuer_host(iss)
    return login.provider.name


def known_role_arns(pool: IdentityPool, login: Login, request: LoginRequest) -> tuple[str, ...]:
    """Every role ARN the configuration or the token names: they restore the role path."""
    arns: list[str] = list(pool.role_arns())
    arns += [a for a in (request.custom_role_arn, request.basic_role_arn) if a]
    for user_pool in pool.user_pools:
        arns += [g.role_arn for g in user_pool.groups if g.role_arn]
    if pool.iam is not None:
        arns += [role.arn for role in pool.iam.roles]
    roles_claim = login.claims.get("cognito:roles")
    if isinstance(roles_claim, str):
        roles_claim = roles_claim.split(",")
    if isinstance(roles_claim, list):
        arns += [str(r).strip() for r in roles_claim]
    preferred = login.claims.get("cognito:preferred_role")
    if isinstance(preferred, str):
        arns.append(preferred)
    return tuple(dict.fromkeys(arns))


def compare(predicted: Assessment, live: Observation) -> tuple[str, ...]:
    """What differs between prediction and live answer, in words. Empty means they match."""
    differences: list[str] = []
    p_role, p_error = predicted.role_arn, predicted.error
    if live.error is not None and p_error is None:
        differences.append(
            f"predicted credentials for {p_role}, but AWS refused: "
            f"{live.error.code}: {live.error.message} ({live.error.operation})"
        )
    elif live.error is None and p_error is not None:
        differences.append(
            f"predicted {p_error.code} ({p_error.message}), but AWS issued credentials for "
            f"{live.role_arn}"
        )
    elif live.error is not None and p_error is not None:
        if live.error.code != p_error.code:
            differences.append(
                f"error: predicted {p_error.code} ({p_error.message}), AWS answered "
                f"{live.error.code} ({live.error.message})"
            )
    elif p_role != live.role_arn:
        differences.append(f"role: predicted {p_role}, AWS issued {live.role_arn}")
    if p_error is None and live.error is None and live.principal_tags is not None:
        expected, actual = dict(predicted.principal_tags), dict(live.principal_tags)
        for key in sorted(expected.keys() | actual.keys()):
            if expected.get(key) != actual.get(key):
                differences.append(
                    f"session tag {key!r}: predicted {_tag(expected.get(key))}, "
                    f"AWS passed {_tag(actual.get(key))}"
                )
    return tuple(differences)


def _tag(value: str | None) -> str:
    return "no tag" if value is None else repr(value)


def verify_login(
    pool: IdentityPool,
    source: LoginSource,
    clients: AwsClients,
    base: LoginRequest = GUEST,
    *,
    now: datetime | None = None,
) -> VerifyResult:
    """Predict, then run the live flow for one login and compare (inside `with clients:`).

    `base` carries GetCredentialsForIdentity's options (flow, CustomRoleArn, the basic-flow role);
    the login itself comes from `source`.
    """
    if base.flow == "basic" and not base.basic_role_arn:
        raise UsageError("--flow basic needs --role-arn: the role the application asks STS for")
    now = now or datetime.now(UTC)
    if source.token is None:
        request = msgspec.structs.replace(base, claims=None, info=NO_TOKEN)
        logins: dict[str, str] = {}
    else:
        clients.redactor.add(source.token)
        claims, info = parse_claims_text(source.token, source=source.label)
        request = msgspec.structs.replace(
            base, claims=claims, info=info, provider=source.provider, source=source.label
        )
        if info.expired(now):
            expired = datetime.fromtimestamp(info.expires_at or 0, tz=UTC).isoformat()
            raise ClaimsError(
                f"the ID token expired at {expired}; sign in again for a fresh one",
                source=source.label,
            )
    login = login_of(request, pool)
    if source.token is not None:
        logins = {logins_key(login): source.token}
    # With the roles' trust policies known, a trust failure is part of the prediction.
    predicted = simulate(pool, request, now=now, explain=False)
    flow_request = FlowRequest(
        identity_pool_id=pool.identity_pool_id,
        flow=request.flow,
        logins=logins,
        custom_role_arn=request.custom_role_arn,
        basic_role_arn=request.basic_role_arn,
        known_role_arns=known_role_arns(pool, login, request),
    )
    live = run_flow(clients, flow_request)
    return VerifyResult(
        login=source.label,
        token=fingerprint(source.token) if source.token else None,
        predicted=predicted,
        live=live,
        differences=compare(predicted, live),
    )


def verify(
    pool: IdentityPool,
    sources: Iterable[LoginSource],
    clients: AwsClients,
    base: LoginRequest = GUEST,
) -> VerifyReport:
    """Verify every login; one report (inside `with clients:`)."""
    return VerifyReport(tuple(verify_login(pool, source, clients, base) for source in sources))
