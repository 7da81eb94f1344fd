"""The identity pool as frozen values, in AWS's own vocabulary (CONTRACT §2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

import msgspec

from simulator.assumptions import DEFAULTS, AssumptionSet, Name
from simulator.errors import Path
from simulator.model.document import Origin
from simulator.model.providers import ProviderName
from simulator.record import WithExtras

if TYPE_CHECKING:
    from simulator.iam.roles import IamData

T = TypeVar("T")
MatchType = Literal["Equals", "Contains", "StartsWith", "NotEqual"]


class MappingRule(msgspec.Struct, frozen=True):
    claim: str
    match_type: MatchType
    value: str
    role_arn: str
    path: Path = ()  # where it stands in the pool file, for traces and findings


class RoleMapping(msgspec.Struct, frozen=True):
    key: str  # the RoleMappings map key as written
    provider: (
        ProviderName  # the provider it applies to (CloudFormation's IdentityProvider, else the key)
    )
    type: Literal["Token", "Rules"]
    ambiguous_role_resolution: Literal["AuthenticatedRole", "Deny"]
    rules: tuple[MappingRule, ...]
    path: Path = ()


class PrincipalTagMap(msgspec.Struct, frozen=True):
    provider: ProviderName
    use_defaults: bool
    tags: Mapping[str, str]  # tag key -> claim name [CFN-PT]
    path: Path = ()


class CognitoIdentityProvider(msgspec.Struct, frozen=True):
    provider_name: str
    client_id: str
    server_side_token_check: bool = False


class UserPoolGroup(msgspec.Struct, frozen=True):
    name: str
    precedence: int | None
    role_arn: str | None


class UserPoolClient(msgspec.Struct, frozen=True):
    client_id: str
    read_attributes: tuple[str, ...] | None
    write_attributes: tuple[str, ...] | None
    explicit_auth_flows: tuple[str, ...]
    has_secret: bool = False


class SchemaAttribute(msgspec.Struct, frozen=True):
    name: str
    mutable: bool
    developer_only: bool


class UserPool(msgspec.Struct, frozen=True):
    """What a reviewer can describe of a user pool that the identity pool cannot see (CONTRACT §2)."""

    provider_name: str
    groups: tuple[UserPoolGroup, ...] = ()
    clients: tuple[UserPoolClient, ...] = ()
    schema: tuple[SchemaAttribute, ...] = ()
    path: Path = ()


class OpenIdConnectProvider(msgspec.Struct, frozen=True):
    arn: str
    url: str
    client_ids: tuple[str, ...]


class IdentityPool(WithExtras, msgspec.Struct, frozen=True, eq=False):
    identity_pool_id: str
    name: str | None
    account_id: str | None
    allow_unauthenticated: bool
    allow_classic_flow: bool | None  # None: absent from the file (see classic-flow-default)
    cognito_providers: tuple[CognitoIdentityProvider, ...]
    oidc_provider_arns: tuple[str, ...]
    saml_provider_arns: tuple[str, ...]
    supported_login_providers: Mapping[str, str]
    developer_provider_name: str | None
    roles: Mapping[str, str]  # authenticated / unauthenticated
    role_mappings: tuple[RoleMapping, ...]
    tag_maps: tuple[PrincipalTagMap, ...]
    user_pools: tuple[UserPool, ...] = ()
    oidc_providers: tuple[OpenIdConnectProvider, ...] = ()
    iam: IamData | None = None  # when the file carries IamRoles or Policies
    assumptions: AssumptionSet = DEFAULTS
    source: str = "<input>"
    warnings: tuple[str, ...] = ()
    # Extras, not the pool's value (equality, hash and repr leave them out). For a pool imported
    # from a native file: pool-file paths -> where the user wrote each value.
    extra_fields: ClassVar[int] = 3
    origins: Mapping[Path, Origin] | None = None
    # Derived afresh by __post_init__ for every value, msgspec.structs.replace's included.
    _mapping_index: dict[str, RoleMapping] = msgspec.field(default_factory=dict)
    _cache: dict[Any, Any] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        index: dict[str, RoleMapping] = {}
        for m in self.role_mappings:
            index.setdefault(_mapping_lookup_key(m.provider), m)
        msgspec.structs.force_setattr(self, "_mapping_index", index)
        msgspec.structs.force_setattr(self, "_cache", {})

    @property
    def region(self) -> str:
        return self.identity_pool_id.split(":", 1)[0]

    @property
    def classic_flow_enabled(self) -> bool:
        """AllowClassicFlow, or the classic-flow-default assumption when the file leaves it out."""
        if self.allow_classic_flow is not None:
            return self.allow_classic_flow
        return not self.assumptions.alt(Name.CLASSIC_FLOW_DEFAULT)

    @property
    def authenticated_role(self) -> str | None:
        return self.roles.get("authenticated")

    @property
    def unauthenticated_role(self) -> str | None:
        return self.roles.get("unauthenticated")

    def mapping_for(self, provider: ProviderName) -> RoleMapping | None:
        return self._mapping_index.get(_mapping_lookup_key(provider))

    def cached(self, key: Any, build: Callable[[], T]) -> T:
        """Derived data (compiled rules, tag sources) built once per pool value.

        The one mutable part of a frozen pool, kept for measured speed (the batch path derives per
        provider, not per line). Plain dicts: not thread-safe; share a pool value within one thread.
        """
        try:
            return self._cache[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._cache[key] = build()
            return value

    def tag_map_for(self, provider_name: str) -> PrincipalTagMap | None:
        for t in self.tag_maps:
            if t.provider.name == provider_name:
                return t
        return None

    def user_pool(self, provider_name: str) -> UserPool | None:
        for u in self.user_pools:
            if u.provider_name == provider_name:
                return u
        return None

    def oidc_provider(self, arn: str) -> OpenIdConnectProvider | None:
        for o in self.oidc_providers:
            if o.arn == arn:
                return o
        return None

    def role_arns(self) -> tuple[str, ...]:
        """Every role ARN the pool can hand out, in file order, without repeats."""
        seen: dict[str, None] = dict.fromkeys(self.roles.values())
        for m in self.role_mappings:
            for r in m.rules:
                seen.setdefault(r.role_arn)
        return tuple(seen)


def _mapping_lookup_key(p: ProviderName) -> str:
    return f"{p.name}:{p.client_id}" if p.client_id else p.name
