"""The format-neutral resource every importer produces, and the assembler consumes.

CloudFormation's resource types and property names are the common vocabulary: they are close to the
service APIs the pool file uses, and CDK, SAM and Serverless already compile to them. Terraform
resources are translated to the same types (`aws_cognito_identity_pool` -> AWS::Cognito::IdentityPool,
`role_mapping` blocks -> `RoleMappings`), so one assembler applies IMPORT.md's derivation rules once.
What CloudFormation has no type for gets a `Rolesim::` type of its own (a Terraform
`aws_iam_role_policy_attachment` is `Rolesim::IAM::RolePolicyAttachment {RoleName, PolicyArn}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from simulator.errors import Path
from simulator.importers.values import Unresolved
from simulator.model.document import Origin


class Resource(msgspec.Struct, frozen=True):
    """One resource after the native format's own evaluation (intrinsics, variables, count)."""

    type: str  # CloudFormation type name, or Rolesim::... (see the module docstring)
    id: str  # CloudFormation logical id, or Terraform address (aws_iam_role.auth, x["key"])
    # Evaluated properties in CloudFormation's names and shapes: JSON values, Placeholder strings
    # and Unresolved objects (simulator.importers.values). A removed property (AWS::NoValue, null)
    # is absent.
    properties: Mapping[str, Any]
    # What a reference to the resource evaluates to (CFN Ref, Terraform id); Unresolved when the
    # name comes from outside the file.
    ref: str | Unresolved | None
    origin: Origin  # where the resource is declared
    # Where each property was written, by path relative to `properties` (where the format knows).
    origins: Mapping[Path, Origin] = msgspec.field(default_factory=dict)
    native_type: str | None = None  # the format's own type name, for messages (aws_iam_role)
    # Deploy-time attributes in CloudFormation's GetAtt names that the assembler reads where `ref`
    # is not the value it needs: AWS::IAM::Role `Arn`, AWS::Cognito::UserPool `ProviderName`.
    attributes: Mapping[str, Any] = msgspec.field(default_factory=dict)

    def origin_of(self, path: Path) -> Origin:
        """The origin of the longest recorded prefix of `path` (`()`: the properties themselves),
        else the resource's own."""
        key = tuple(path)
        while True:
            found = self.origins.get(key)
            if found is not None:
                return found
            if not key:
                return self.origin
            key = key[:-1]
