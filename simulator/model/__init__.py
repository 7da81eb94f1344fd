"""The identity pool as frozen values, and loading it from YAML or JSON."""

from simulator.model.load import load_pool, pool_from_dict, pool_from_document
from simulator.model.pool import (
    CognitoIdentityProvider,
    IdentityPool,
    MappingRule,
    PrincipalTagMap,
    RoleMapping,
    UserPool,
)
from simulator.model.providers import ProviderKind, ProviderName

__all__ = [
    "CognitoIdentityProvider",
    "IdentityPool",
    "MappingRule",
    "PrincipalTagMap",
    "ProviderKind",
    "ProviderName",
    "RoleMapping",
    "UserPool",
    "load_pool",
    "pool_from_dict",
    "pool_from_document",
]
