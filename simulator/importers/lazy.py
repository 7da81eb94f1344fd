"""Unresolved role ARNs are errors only when a decision grants one (IMPORT.md D5).

An imported pool may name a role whose ARN comes from outside the file (`Fn::ImportValue`, a
parameter without a value, a remote state output). The pool loads with the `<unresolved: ...>`
marker in its place; a login that gets that role cannot be answered, and says where the value was
written and what it is.
"""

from __future__ import annotations

from simulator.decision import Decision
from simulator.errors import ConfigError, Path
from simulator.model.document import Document
from simulator.model.pool import IdentityPool
from simulator.unresolved import UNRESOLVED_PREFIX, is_unresolved_text, unresolved_construct


def require_known_role(pool: IdentityPool, decision: Decision) -> None:
    arn = decision.role_arn
    if arn is None or not arn.startswith(UNRESOLVED_PREFIX) or not is_unresolved_text(arn):
        return
    err = ConfigError(
        f"this login gets the role written here, whose ARN is {unresolved_construct(arn)}: it "
        "cannot be known offline",
        path=granted_at(pool, arn),
        hint="give the value with --parameter NAME=VALUE, or import the stack that defines it",
    )
    raise Document(None, pool.source, pool.origins).error(err)


def granted_at(pool: IdentityPool, arn: str) -> Path:
    """Where in the pool document `arn` is written (the first place)."""
    for key, value in pool.roles.items():
        if value == arn:
            return ("Roles", key)
    for mapping in pool.role_mappings:
        for rule in mapping.rules:
            if rule.role_arn == arn:
                return (*rule.path, "RoleARN")
    for user_pool in pool.user_pools:
        for i, group in enumerate(user_pool.groups):
            if group.role_arn == arn:
                return (*user_pool.path, "Groups", i, "RoleArn")
    return ()
