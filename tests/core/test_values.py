"""Values are msgspec Structs: frozen, compared by their fields, and their extras (caches, derived
fields, where a value was written) left out of equality, hash and repr, as before."""

from __future__ import annotations

import pickle

import pytest
from msgspec.structs import replace

from simulator.iam.evaluate import MatchedStatement
from simulator.iam.request import Request, plain_request
from simulator.importers.hcl_blocks import RawBlock
from simulator.importers.hcl_syntax import Pos
from simulator.request import LoginRequest
from tests.core.builders import ADMIN, KEY, pool, rule


def test_a_pool_is_equal_to_its_copy_whatever_its_cache_holds() -> None:
    first, second = pool(), pool()
    first.cached("key", lambda: 1)
    assert first == second
    assert "_cache" not in repr(first)
    assert "_mapping_index" not in repr(first)
    assert replace(first, origins={}) == first  # where values were written is not the value


def test_a_replaced_pool_derives_its_index_and_cache_afresh() -> None:
    mapped = pool(rules=[rule("cognito:groups", "Equals", "admins", ADMIN)])
    mapped.cached("key", lambda: "old")
    (mapping,) = mapped.role_mappings
    assert mapped.mapping_for(mapping.provider) is mapping
    bare = replace(mapped, role_mappings=())
    assert bare.mapping_for(mapping.provider) is None
    assert bare.cached("key", lambda: "new") == "new"
    assert mapped.cached("key", lambda: "new") == "old"
    assert KEY in repr(mapped)


def test_a_pickled_pool_is_equal_and_works() -> None:
    mapped = pool(rules=[rule("cognito:groups", "Equals", "admins", ADMIN)])
    copy = pickle.loads(pickle.dumps(mapped))
    assert copy == mapped
    assert copy.mapping_for(mapped.role_mappings[0].provider) == mapped.role_mappings[0]


def test_values_are_frozen() -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::b/k")
    with pytest.raises(AttributeError):
        request.action = "s3:PutObject"  # type: ignore[misc]


def test_a_request_is_compared_and_shown_by_what_it_asks_not_what_is_derived() -> None:
    request = Request("S3:GetObject", "arn:aws:s3:::b/k", {"AWS:SourceIp": "10.0.0.1"})
    assert request.action_key == "s3:getobject"
    assert request.normalised == {"aws:sourceip": "10.0.0.1"}
    assert request == Request("S3:GetObject", "arn:aws:s3:::b/k", {"AWS:SourceIp": "10.0.0.1"})
    assert request != Request("S3:GetObject", "arn:aws:s3:::b/k")
    assert repr(request) == (
        "Request(action='S3:GetObject', resource='arn:aws:s3:::b/k', "
        "context={'AWS:SourceIp': '10.0.0.1'}, open_keys=None)"
    )
    changed = replace(request, action="S3:PutObject")
    assert changed.action_key == "s3:putobject"  # derived again
    assert plain_request("S3:GetObject", "arn:aws:s3:::b/k", {}, {}) == Request(
        "S3:GetObject", "arn:aws:s3:::b/k"
    )


def test_a_matched_statement_hashes_and_compares_without_its_label() -> None:
    matched = MatchedStatement("p", 0, "Sid", "Allow", "identity")
    assert matched.label == "identity policy p statement 0 (Sid)"
    same = MatchedStatement("p", 0, "Sid", "Allow", "identity")
    assert matched == same
    assert hash(matched) == hash(same)
    assert len({matched, same}) == 1
    assert "label" not in repr(matched)
    assert replace(matched, kind="session").label == "session policy p statement 0 (Sid)"


def test_a_login_request_is_compared_without_where_it_came_from_but_shows_it() -> None:
    one = LoginRequest({"sub": "u"}, source="one.json")
    other = LoginRequest({"sub": "u"}, source="other.json")
    assert one == other
    assert not one != other  # noqa: SIM202 (the != operator itself is under test)
    assert "source='one.json'" in repr(one)
    assert one != LoginRequest({"sub": "v"}, source="one.json")


def test_a_raw_block_is_mutable_unhashable_and_compared_without_its_parse() -> None:
    block = RawBlock("resource", ("aws_iam_role", "r"), Pos("main.tf", 1), 'resource "a" "b" {}')
    other = RawBlock("resource", ("aws_iam_role", "r"), Pos("main.tf", 1), 'resource "a" "b" {}')
    block.parse()
    assert block == other
    assert "_parsed" not in repr(block)
    with pytest.raises(TypeError):
        hash(block)
