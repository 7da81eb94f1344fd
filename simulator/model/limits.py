"""The service's own limits, each with its source (cognito-semantics.md §1.1, §6, §8)."""

from __future__ import annotations

import re
import unicodedata

# [M] RoleMappingMap max 10; [LIM] "Identity providers for which role mappings can be specified: 10".
MAX_ROLE_MAPPINGS = 10
# [RBAC]/[LIM]: 25 rules per provider; the service model's MappingRulesList allows 400 (§1.1).
MAX_RULES_DOCUMENTED = 25
MAX_RULES_MODEL = 400
# [M] MappingRule: ClaimName 1-64, ClaimValue 1-128, ARNString 20-2048.
CLAIM_NAME_LEN = (1, 64)
CLAIM_VALUE_LEN = (1, 128)
ARN_LEN = (20, 2048)
# [M] RolesMap: at most 2 entries, keys (un)?authenticated.
ROLE_KEYS = ("authenticated", "unauthenticated")
# [M] PrincipalTags: at most 50 entries, key 1-128, value (the claim name) 1-256.
MAX_PRINCIPAL_TAGS = 50
PRINCIPAL_TAG_KEY_LEN = (1, 128)
PRINCIPAL_TAG_CLAIM_LEN = (1, 256)
# [IAM-ST]/[M-STS]: at most 50 session tags, key <= 128, value <= 256.
MAX_SESSION_TAGS = 50
SESSION_TAG_KEY_MAX = 128
SESSION_TAG_VALUE_MAX = 256
# [M] SupportedLoginProviders and Logins: at most 10 entries; IdentityProviderName 1-128.
MAX_SUPPORTED_LOGIN_PROVIDERS = 10
PROVIDER_NAME_LEN = (1, 128)
MATCH_TYPES = ("Equals", "Contains", "StartsWith", "NotEqual")
MAPPING_TYPES = ("Token", "Rules")
AMBIGUOUS_RESOLUTIONS = ("AuthenticatedRole", "Deny")

_CLAIM_NAME_CATEGORIES = frozenset("LMSNP")


def is_claim_name(text: str) -> bool:
    """[M] ClaimName pattern `[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+`: no whitespace or control characters."""
    return bool(text) and all(unicodedata.category(c)[0] in _CLAIM_NAME_CATEGORIES for c in text)


_TAG_EXTRA = frozenset("_.:/=+-@")


def _is_tag_char(c: str) -> bool:
    return c in _TAG_EXTRA or unicodedata.category(c)[0] in "LZN"


# An ASCII tag value STS accepts as it is: allowed characters, at most 256, no aws: prefix.
PLAIN_TAG_VALUE = re.compile(r"(?![aA][wW][sS]:)[A-Za-z0-9 _.:/=+\-@]{0,256}")
PLAIN_TAG_TEXT = re.compile(r"[A-Za-z0-9 _.:/=+\-@]*")


def tag_text_problem(text: str, *, limit: int) -> str | None:
    """Why STS would refuse this tag key or value, or None."""
    if len(text) <= limit and PLAIN_TAG_TEXT.fullmatch(text) and text[:4].lower() != "aws:":
        return None
    if len(text) > limit:
        return f"longer than {limit} characters"
    bad = sorted({c for c in text if not _is_tag_char(c)})
    if bad:
        return "has characters outside the STS tag character set: " + " ".join(repr(c) for c in bad)
    # [IAM-TAG]: the aws: prefix is reserved for AWS use.
    if text.lower().startswith("aws:"):
        return "starts with the reserved prefix aws:"
    return None


# [IDTOK] standard attributes a user pool can put in the ID token.
STANDARD_ATTRIBUTES = frozenset(
    [
        "address",
        "birthdate",
        "email",
        "email_verified",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "phone_number_verified",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    ]
)

# An imported template's pool id before deployment: `<region>:<logical id or resource name>`
# (IMPORT.md D4). `rolesim import` writes it, so every pool file may carry it.
PLACEHOLDER_POOL_ID = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d:[A-Za-z_][\w-]*")
