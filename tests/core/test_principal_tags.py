"""Principal tags (attributes for access control), cognito-semantics.md §6."""

from __future__ import annotations

from tests.core.builders import ADMIN, AUTH, decide, pool, rule, token


def test_a_custom_map_sets_each_tag_from_its_claim() -> None:
    # [CFN-PT] PrincipalTags maps tag key -> claim name: "it sets the value of the principal tag to
    # the value of the user's claim"
    d = decide(pool(tags={"department": "custom:dept", "user": "sub"}), token(custom__dept="eng"))
    assert dict(d.principal_tags) == {
        "department": "eng",
        "user": "aaaaaaaa-0000-0000-0000-000000000001",
    }


def test_a_missing_claim_sets_no_tag() -> None:
    # [CATNEK] (community): "No environment claim is mapped to a principal tag ... as the claim is not present"
    d = decide(pool(tags={"department": "custom:dept"}), token())
    assert (d.role_arn, dict(d.principal_tags)) == (AUTH, {})


def test_tags_are_added_to_whichever_role_a_rule_chose() -> None:
    # §10.16: tags apply to the chosen role (assumed; AWS does not say otherwise)
    d = decide(
        pool(rules=[rule("custom:dept", "Equals", "eng", ADMIN)], tags={"d": "custom:dept"}),
        token(custom__dept="eng"),
    )
    assert (d.role_arn, dict(d.principal_tags)) == (ADMIN, {"d": "eng"})


def test_use_defaults_maps_sub_and_aud_with_the_assumed_key_names() -> None:
    # [AFAC] provider-mappings: user pools use aud (client ID) and sub (user ID); key names are
    # undocumented (§10.14, default-tag-keys), so the alternative is reported
    d = decide(pool(use_defaults=True), token())
    assert dict(d.principal_tags) == {
        "username": "aaaaaaaa-0000-0000-0000-000000000001",
        "client": "1example23456789",
    }
    assert [u.assumption for u in d.uncertain] == ["default-tag-keys"]
    assert "clientID" in d.uncertain[0].alternative_outcome.key[2][0]


def test_a_multi_valued_claim_sets_no_tag_by_default() -> None:
    # [IAM-ST] "AWS STS does not support multi-valued session tags"; what Cognito does is §10.15
    d = decide(pool(tags={"groups": "cognito:groups"}), token(cognito__groups=["a", "b"]))
    assert dict(d.principal_tags) == {}
    assert [u.assumption for u in d.uncertain] == ["multi-valued-tag-claim"]
    assert d.uncertain[0].alternative_outcome.key[0] == "error"


def test_a_value_outside_the_sts_character_set_fails_by_default() -> None:
    # [M-STS] Tag value pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*; the SAML default example "auth0|…"
    # would break it (§6.3), so tag-value-charset is a named assumption
    d = decide(pool(tags={"who": "custom:who"}), token(custom__who="auth0|5e28"))
    assert d.error is not None
    assert d.error.code == "InvalidIdentityPoolConfigurationException"
    assert [u.assumption for u in d.uncertain] == ["tag-value-charset"]
    assert d.uncertain[0].alternative_outcome.key == ("role", AUTH, ())


def test_a_value_longer_than_256_characters_is_outside_the_sts_limit() -> None:
    # [IAM-ST] session tag values are at most 256 characters
    d = decide(
        pool(tags={"long": "custom:long"}, Assumptions={"tag-value-charset": "drop"}),
        token(custom__long="x" * 257),
    )
    assert (d.role_arn, dict(d.principal_tags)) == (AUTH, {})


def test_non_string_claims_are_tagged_with_their_json_text() -> None:
    # §10.3 scalar-claim-text: `true` as JSON text by default, no tag under the alternative
    d = decide(pool(tags={"verified": "email_verified"}), token(email_verified=True))
    assert dict(d.principal_tags) == {"verified": "true"}
    assert [u.assumption for u in d.uncertain] == ["scalar-claim-text"]


def test_guests_carry_no_tags() -> None:
    # Tags come from the login's claims [CFN-PT]; a guest has none
    d = decide(pool(tags={"user": "sub"}), None)
    assert dict(d.principal_tags) == {}
