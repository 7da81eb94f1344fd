"""The lint catalogue, kept as data: a stable id, a severity, a title, what it means, and the AWS
page the behaviour is documented on. Findings are values; renderers only format them."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from enum import IntEnum
from pathlib import Path as FsPath
from typing import Any

import msgspec

from simulator.errors import ConfigError, Path, format_path
from simulator.model.document import Document, read_file
from simulator.node import Node

_DOCS = "https://docs.aws.amazon.com/cognito/latest/developerguide/"
RBAC = _DOCS + "role-based-access-control.html"
AF = _DOCS + "authentication-flow.html"
AFAC = _DOCS + "using-afac-with-cognito-identity-pools.html"
RTP = _DOCS + "role-trust-and-permissions.html"
IAMR = _DOCS + "iam-roles.html"
IDTOK = _DOCS + "amazon-cognito-user-pools-using-the-id-token.html"
ATTRS = _DOCS + "user-pool-settings-attributes.html"
IAM_ST = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html"
CFN_PT = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-identitypoolprincipaltag.html"
LIMITS = _DOCS + "limits.html"
UP_IP = _DOCS + "amazon-cognito-integrating-user-pools-with-identity-pools.html"
CFN_RA = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-identitypoolroleattachment.html"
CFN_CR = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources.html"
)
API_CIP = (
    "https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_CreateIdentityPool.html"
)


class Severity(IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: choose error, warning or info") from None


class Check(msgspec.Struct, frozen=True):
    id: str
    name: str
    severity: Severity
    title: str
    description: str
    doc: str


CATALOGUE: Mapping[str, Check] = {c.id: c for c in (
    Check("RS100", "malformed-pool-file", Severity.ERROR, "The pool file cannot be loaded",
          "The file breaks the pool-file format or a service limit; the service would reject the "
          "configuration. Other checks run on the rest of the file where they can.",
          "https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_SetIdentityPoolRoles.html"),
    Check("RS101", "mapping-key-https", Severity.ERROR, "Role-mapping key starts with https://",
          "RoleMappings keys name the provider without a scheme; the service rejects the key as "
          "'not a valid RoleMapping ProviderName or is not a configured provider'.", RBAC),
    Check("RS102", "mapping-key-without-client", Severity.ERROR,
          "User pool role-mapping key without its app client id",
          "A user pool's RoleMappings key is cognito-idp.<region>.amazonaws.com/<poolId>:<appClientId>; "
          "without the client id the service rejects it.", RBAC),
    Check("RS103", "mapping-key-unconfigured", Severity.ERROR,
          "Role mapping for a provider the pool is not configured for",
          "The mapping names a provider that is not among the pool's identity providers; the "
          "service rejects it, and no token could ever use it.", RBAC),
    Check("RS104", "too-many-rules", Severity.ERROR, "More than 25 rules for one provider",
          "AWS documents at most 25 role-mapping rules per identity provider (not adjustable).", LIMITS),
    Check("RS105", "unreachable-rule", Severity.WARNING, "Rule can never match",
          "No token from this provider satisfies the rule's claim condition, so its role is never "
          "handed out by it.", RBAC),
    Check("RS106", "shadowed-rule", Severity.WARNING, "Rule is shadowed by earlier rules",
          "Rules are evaluated in order and the first match wins; every token this rule matches "
          "also matches an earlier rule, so it never decides (except through CustomRoleArn).", RBAC),
    Check("RS107", "broad-notequal-rule", Severity.WARNING, "NotEqual rule matches nearly every token",
          "A NotEqual rule matches every token that carries the claim with any other value: typos, "
          "other tenants, case variants and values added later all get its role.", RBAC),
    Check("RS108", "ambiguous-to-default-role", Severity.WARNING,
          "Tokens matching no rule get the default authenticated role",
          "With AmbiguousRoleResolution AuthenticatedRole, every token that matches no rule gets the "
          "pool's default authenticated role; Deny refuses them instead.", RBAC),
    Check("RS109", "token-mapping-without-roles", Severity.ERROR,
          "Token mapping on a provider that never sends cognito:roles",
          "Type Token reads cognito:roles and cognito:preferred_role, which only user pool ID tokens "
          "(users in groups with a role) carry; other tokens fall to AmbiguousRoleResolution.", RBAC),
    Check("RS110", "claim-never-sent", Severity.WARNING, "Rule or tag on a claim the provider never sends",
          "The provider's tokens do not carry this claim, so the rule never matches (NotEqual is "
          "skipped) and the tag is never set.", RBAC),
    Check("RS111", "tag-map-backwards", Severity.WARNING, "Principal tag map looks written backwards",
          "PrincipalTags maps a tag key to a claim name; this entry's key looks like a claim and its "
          "value like a tag key.", CFN_PT),
    Check("RS112", "tags-without-tagsession", Severity.ERROR,
          "Principal tags, but the role's trust policy lacks sts:TagSession",
          "When principal tags are mapped, every role the provider's users get must allow "
          "sts:TagSession in its trust policy, or assuming it fails.", IAM_ST),
    Check("RS113", "trust-without-aud", Severity.ERROR,
          "Role trusts Cognito identities without an aud condition",
          "Without cognito-identity.amazonaws.com:aud, identities of any identity pool can assume the role.",
          RTP),
    Check("RS114", "trust-without-amr", Severity.WARNING,
          "Role trusts Cognito identities without an amr condition",
          "Without cognito-identity.amazonaws.com:amr, guests (unauthenticated identities) can assume "
          "the role as well as signed-in users.", RTP),
    Check("RS115", "classic-flow-enabled", Severity.ERROR,
          "Basic (classic) flow is enabled while roles trust the pool",
          "The basic flow lets a client call AssumeRoleWithWebIdentity for any role that trusts the "
          "pool; the trust policy is then the only guard and no mapping rule applies.", AF),
    Check("RS116", "guest-role-broad", Severity.WARNING, "Guest role with broad permissions",
          "The unauthenticated role allows wildcard actions; anyone on the internet can get its "
          "credentials.", IAMR),
    Check("RS117", "user-writable-attribute", Severity.ERROR,
          "A user-writable attribute feeds a rule or a tag",
          "The app client lets users write this attribute, so a user can change the claim and pick "
          "their own role or session tag. Map only claims the user cannot modify.", RBAC),
    Check("RS118", "analysis-sampled", Severity.INFO, "Analysis was sampled, not exhaustive",
          "The claims space was too large to enumerate within the budget; rule findings are based "
          "on a sample.", RBAC),
    Check("RS119", "depends-on-assumption", Severity.INFO,
          "Outcome depends on undocumented behaviour",
          "Some tokens get a different outcome under the alternative of a named assumption (where "
          "AWS is silent); settle it with a live probe or avoid the construct.", RBAC),
    Check("RS120", "substring-group-rule", Severity.WARNING,
          "Contains or StartsWith rule on a group claim",
          "Contains is a substring test and StartsWith a prefix test: Contains \"field-admins\" also "
          "matches a group named field-admins-readonly (the observed behaviour behind QnABot's "
          "Contains \"Admin\" granting group Admins). Match a group exactly with Equals.", RBAC),
    # Infrastructure as code (simulator.importers): the layouts IaC tools get wrong.
    Check("RS130", "two-role-attachments", Severity.ERROR,
          "Two role attachments for one identity pool",
          "An identity pool has one set of roles and role mappings. CloudFormation fails the second "
          "IdentityPoolRoleAttachment with '<pool id> already exists in stack' (aws/aws-cdk#23449, "
          "#20513, #27411); Terraform's aws_cognito_identity_pool_roles_attachment keeps whichever "
          "it writes last.", CFN_RA),
    Check("RS131", "mapping-key-bare-pool-id", Severity.ERROR,
          "Role-mapping provider is a bare user pool id",
          "A RoleMappings key (or IdentityProvider) written as the user pool id alone (a plain "
          "Ref to the user pool) names no provider; the service rejects it as 'not a valid "
          "RoleMapping ProviderName or is not a configured provider'. Use "
          "cognito-idp.<region>.amazonaws.com/<poolId>:<appClientId>.", RBAC),
    Check("RS132", "provider-region-mismatch", Severity.WARNING,
          "User pool provider in another region than the identity pool",
          "A user pool provider name carries its region (cognito-idp.<region>.amazonaws.com/"
          "<region>_<id>). A region that differs from the user pool id's own can never match a "
          "token's issuer; one that differs from the identity pool's region is usually a region "
          "written into the template by hand.", UP_IP),
    Check("RS133", "classic-flow-unset", Severity.WARNING, "AllowClassicFlow is not set",
          "The service treats a pool created without AllowClassicFlow as allowing the basic flow "
          "(aws/aws-cli#7652), in which any role that trusts the pool can be assumed regardless of "
          "the role mappings. Set AllowClassicFlow: false unless the basic flow is intended.",
          API_CIP),
    Check("RS134", "pool-written-by-custom-resource", Severity.ERROR,
          "Identity pool configured by a custom resource",
          "A custom resource (or a nested stack) receives the identity pool's id and may set its "
          "roles, role mappings or trust policies at deploy time (Amplify Gen 1's role-map function "
          "does); the file cannot show what it writes, so the pool's role mapping cannot be known "
          "from it.", CFN_CR),
)}  # fmt: skip


class Finding(msgspec.Struct, frozen=True):
    id: str
    path: Path  # in the pool document (for an imported file, the pool it describes)
    message: str
    line: int | None = None
    severity: Severity | None = None  # None: the catalogue's severity
    suppressed: str | None = None  # the ignore entry's justification
    # For a pool imported from a native file: the file holding the line (a Terraform module spans
    # several), the path inside it and the construct (CDK construct path, Terraform address).
    file: str | None = None
    native_path: str | None = None
    construct: str | None = None

    @classmethod
    def at(
        cls, ident: str, doc: Document, path: Path, message: str, severity: Severity | None = None
    ) -> Finding:
        """A finding at `path` of `doc`, located in the native file when `doc` was imported."""
        origin = doc.where(path)
        if origin is None:
            return cls(ident, path, message, doc.line_of(path), severity)
        return cls(ident, path, message, origin.line, severity, None, origin.file,
                   origin.native_path, origin.construct)  # fmt: skip

    @classmethod
    def of_error(cls, ident: str, err: ConfigError) -> Finding:
        text = err.message + (f" ({err.hint})" if err.hint else "")
        return cls(ident, err.path, text, err.line, None, None, err.file, err.native_path,
                   err.construct)  # fmt: skip

    def __post_init__(self) -> None:
        if self.id not in CATALOGUE:
            raise ValueError(f"finding id {self.id!r} is not in the catalogue")

    @property
    def check(self) -> Check:
        return CATALOGUE[self.id]

    @property
    def level(self) -> Severity:
        return self.severity if self.severity is not None else self.check.severity

    @property
    def path_text(self) -> str:
        return format_path(self.path)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "severity": self.level.label,
            "path": self.path_text,
            "message": self.message,
            "line": self.line,
            "title": self.check.title,
            "doc": self.check.doc,
        }
        for key in ("file", "native_path", "construct"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.suppressed is not None:
            out["justification"] = self.suppressed
        return out


# --- ignore file --------------------------------------------------------------------------------


class IgnoreEntry(msgspec.Struct, frozen=True):
    id: str
    path: str  # glob on the rendered path, e.g. RoleMappings*Rules[[]2[]]
    justification: str

    def covers(self, f: Finding) -> bool:
        return fnmatch.fnmatchcase(f.id, self.id) and fnmatch.fnmatchcase(f.path_text, self.path)


def load_ignore(path: FsPath | str) -> tuple[IgnoreEntry, ...]:
    """`.rolesim-ignore.yaml`: `ignore: [{id, path (glob, default *), justification}]`."""
    doc = read_file(path)
    try:
        root = Node(doc.data)
        root.check_keys(("ignore",), required=("ignore",))
        out = []
        for e in root.require("ignore").elements():
            e.check_keys(("id", "path", "justification"), required=("id", "justification"))
            ident = e.require("id").string()
            if not any(fnmatch.fnmatchcase(c, ident) for c in CATALOGUE):
                e.child("id").fail(
                    f"{ident!r} names no check", hint="ids run RS100-RS120 and RS130-RS134"
                )
            text = e.require("justification").string()
            if not text.strip():
                e.child("justification").fail("a justification is required")
            p = e.get("path")
            out.append(IgnoreEntry(ident, p.string() if p else "*", text.strip()))
        return tuple(out)
    except ConfigError as err:
        raise doc.error(err) from None


def apply_ignores(findings: Sequence[Finding], ignores: Sequence[IgnoreEntry]) -> list[Finding]:
    out = []
    for f in findings:
        entry = next((i for i in ignores if i.covers(f)), None)
        out.append(f if entry is None else _suppressed(f, entry.justification))
    return out


def _suppressed(f: Finding, why: str) -> Finding:
    return msgspec.structs.replace(f, suppressed=why)
