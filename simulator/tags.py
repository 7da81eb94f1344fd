"""Principal tags (attributes for access control): which session tags a login carries.

cognito-semantics.md §6. Custom maps are tag key -> claim name [CFN-PT]; defaults per provider
[AFAC provider-mappings]; the result must satisfy STS's session-tag limits [IAM-ST], [M-STS].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from simulator.assumptions import Consult, Name
from simulator.model import limits
from simulator.model.pool import PrincipalTagMap
from simulator.model.providers import ProviderKind, ProviderName
from simulator.semantics.rules import claim_text

# [AFAC] provider-mappings table: (client claim, user claim) used with UseDefaults.
_SAML_NAMEID = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier"
_SAML_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"


_plain = limits.PLAIN_TAG_VALUE.fullmatch  # bound once: this runs for every tag of every login


def plain_tags(
    sources: Sequence[tuple[str, str]], claims: Mapping[str, Any]
) -> dict[str, str] | None:
    """The tags when every mapped claim is absent or a plain string STS accepts as it is (the
    batch path: no assumption applies, nothing to explain); None when any needs the full rules."""
    tags: dict[str, str] = {}
    for key, claim in sources:
        value = claims.get(claim)
        if type(value) is str and _plain(value):
            tags[key] = value
        elif value is not None:
            return None
    return tags


def default_claims(provider: ProviderName) -> tuple[str, str]:
    """(client claim, username claim) for UseDefaults, in the order the AFAC table lists them."""
    if provider.kind is ProviderKind.SAML:
        return _SAML_NAMEID, _SAML_NAME
    if provider.name == "www.amazon.com":
        return "aud", "user_id"
    return "aud", "sub"


class TagStep(msgspec.Struct, frozen=True):
    tag: str
    claim: str
    value: str | None  # None: no tag set
    note: str  # why (missing claim, array, dropped...)


class TagResult(msgspec.Struct, frozen=True):
    tags: Mapping[str, str]
    steps: tuple[TagStep, ...]
    failure: str | None  # why STS would refuse the tags; None when they are acceptable


def tag_sources(tag_map: PrincipalTagMap, ask: Consult) -> tuple[tuple[str, str], ...]:
    """(tag key, claim name) pairs: defaults first, then the custom map (which wins on a clash)."""
    pairs: dict[str, str] = {}
    if tag_map.use_defaults:
        client_claim, user_claim = default_claims(tag_map.provider)
        # The default keys' names are undocumented (§10.14).
        client_key = "clientID" if ask(Name.DEFAULT_TAG_KEYS) else "client"
        pairs["username"] = user_claim
        pairs[client_key] = client_claim
    pairs.update(tag_map.tags)
    return tuple(pairs.items())


def principal_tags(
    tag_map: PrincipalTagMap | None,
    claims: Mapping[str, Any],
    ask: Consult,
    *,
    explain: bool = True,
    sources: Sequence[tuple[str, str]] | None = None,
) -> TagResult:
    if tag_map is None:
        return TagResult({}, (), None)
    if sources is None:
        sources = tag_sources(tag_map, ask)
    elif tag_map.use_defaults:
        ask.note(Name.DEFAULT_TAG_KEYS)
    if not explain:
        plain = plain_tags(sources, claims)
        if plain is not None:
            return TagResult(plain, (), None)
    tags: dict[str, str] = {}
    steps: list[TagStep] = []
    failure: str | None = None
    for key, claim in sources:
        value, note = _tag_value(claims.get(claim), claim in claims, ask)
        if value is None and note.startswith("fail:"):
            failure = failure or f"tag {key!r}: {note[5:]}"
        elif value is not None:
            problem = limits.tag_text_problem(value, limit=limits.SESSION_TAG_VALUE_MAX)
            if problem:
                if ask(Name.TAG_VALUE_CHARSET):
                    note, value = f"dropped: the value {problem} (tag-value-charset=drop)", None
                else:
                    failure = failure or f"tag {key!r}: the value {problem}"
                    note = f"STS refuses it: the value {problem}"
            if value is not None:
                tags[key] = value
        if explain:
            steps.append(TagStep(key, claim, value if value is not None else None, note))
    # [IAM-ST] at most 50 session tags.
    if len(tags) > limits.MAX_SESSION_TAGS:
        failure = (
            failure or f"{len(tags)} session tags; STS allows at most {limits.MAX_SESSION_TAGS}"
        )
    return TagResult(tags, tuple(steps), failure)


def _tag_value(value: Any, present: bool, ask: Consult) -> tuple[str | None, str]:
    if not present or value is None:
        # [CATNEK] (community): a claim that is not present sets no tag.
        return None, "no tag: the claim is absent"
    if isinstance(value, str):
        return value, "from the claim"
    if isinstance(value, list | dict):
        if ask(Name.MULTI_VALUED_TAG_CLAIM):
            return None, "fail: the claim is multi-valued; STS session tags take one value [IAM-ST]"
        return None, "no tag: the claim is multi-valued (multi-valued-tag-claim=no-tag)"
    if ask(Name.SCALAR_CLAIM_TEXT):
        return None, "no tag: non-string claim treated as absent (scalar-claim-text=absent)"
    return claim_text(value), "from the claim's JSON text (scalar-claim-text=json-text)"
