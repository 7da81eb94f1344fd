"""Name patterns of the service model, matched in linear time whatever a pool file holds."""

from __future__ import annotations

import pytest

from simulator.errors import ConfigError
from simulator.model import pool_from_dict
from simulator.model.providers import (
    ROLE_ARN,
    USER_POOL_MAPPING_KEY,
    parse_mapping_key,
    role_name,
)
from tests.core.builders import pool_doc

# 112 characters: with the former nested pattern a failing match tried every split of the path.
LONG_PATH_ARN = "arn:aws:iam::111122223333:role/" + "a/" * 40 + "!"


def test_a_long_role_path_that_does_not_match_fails_fast() -> None:
    assert len(LONG_PATH_ARN) == 112
    assert role_name(LONG_PATH_ARN) is None
    assert ROLE_ARN.fullmatch("arn:aws:iam::111122223333:role/" + "a/" * 1000 + "!") is None


def test_role_paths_keep_the_iam_path_form() -> None:
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html: Path is `/` or `/.../`;
    # the ARN holds the path without its leading slash, then the name.
    match = ROLE_ARN.fullmatch("arn:aws:iam::111122223333:role/app/team-a/Reader")
    assert match is not None
    assert (match["path"], match["name"]) == ("app/team-a/", "Reader")
    assert role_name("arn:aws:iam::111122223333:role/Reader") == "Reader"
    assert role_name("arn:aws:iam::111122223333:role/app//Reader") is None
    assert role_name("arn:aws:iam::111122223333:role/app/") is None


def test_a_pool_naming_a_long_unmatched_role_arn_is_refused_quickly() -> None:
    doc = pool_doc()
    doc["Roles"]["authenticated"] = LONG_PATH_ARN
    with pytest.raises(ConfigError, match="IAM role ARN"):
        pool_from_dict(doc)


def test_user_pool_keys_with_many_underscores_fail_fast() -> None:
    key = "cognito-idp.us-east-1.amazonaws.com/" + "a_" * 2000 + "!:client"
    assert USER_POOL_MAPPING_KEY.fullmatch(key) is None
    assert parse_mapping_key(key) is None
