"""Reading policy documents: the shapes IAM accepts, and malformed input reported with its path."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.iam import parse_policy
from tests.iam.helpers import statement

GRAMMAR = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
DOC: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def test_document_as_dict_json_text_or_url_encoded_json_as_iam_returns_it() -> None:
    # get-account-authorization-details returns URL-encoded documents (RFC 3986).
    text = json.dumps(DOC)
    for given in (DOC, text, urllib.parse.quote(text)):
        parsed = parse_policy(given)
        assert parsed.version == "2012-10-17"
        assert [s.sid for s in parsed.statements] == ["Read"]


def test_statement_may_be_a_single_object() -> None:
    # GRAMMAR: "Statement": <statement> or [<statement>, ...]
    parsed = parse_policy({"Version": "2012-10-17", "Statement": DOC["Statement"][0]})
    assert len(parsed.statements) == 1


def test_versions_supported_and_variables_only_in_2012() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    assert parse_policy(DOC).variables
    assert not parse_policy({**DOC, "Version": "2008-10-17"}).variables
    assert not parse_policy({"Statement": DOC["Statement"]}).variables


@pytest.mark.parametrize(
    ("document", "path", "message"),
    [
        ({**DOC, "Version": "2012-10-18"}, ("Version",), "unsupported policy Version"),
        ({"Version": "2012-10-17"}, ("Statement",), "no Statement"),
        ({**DOC, "Statment": []}, ("Statment",), "unknown policy element"),
        ({**DOC, "Statement": [statement("Permit")]}, ("Statement", 0, "Effect"), "Effect must be"),
        (
            {**DOC, "Statement": [{"Effect": "Allow", "Resource": "*"}]},
            ("Statement", 0),
            "neither Action",
        ),
        (
            {**DOC, "Statement": [statement(NotAction="s3:*")]},
            ("Statement", 0, "NotAction"),
            "both Action and NotAction",
        ),
        (
            {**DOC, "Statement": [statement(action="s3")]},
            ("Statement", 0, "Action"),
            "malformed action",
        ),
        (
            {**DOC, "Statement": [statement(action=["s3:GetObject", 3])]},
            ("Statement", 0, "Action", 1),
            "expected a string",
        ),
        ({**DOC, "Statement": [statement(resource=None)]}, ("Statement", 0), "neither Resource"),
        (
            {**DOC, "Statement": [statement(Principal="*")]},
            ("Statement", 0, "Principal"),
            "not allowed in identity policies",
        ),
        (
            {
                **DOC,
                "Statement": [
                    statement(),
                    statement(),
                    statement(condition={"StringEqual": {"k": "v"}}),
                ],
            },
            ("Statement", 2, "Condition", "StringEqual"),
            "unknown condition operator 'StringEqual'",
        ),
        (
            {
                **DOC,
                "Statement": [statement(condition={"NumericLessThan": {"s3:max-keys": "ten"}})],
            },
            ("Statement", 0, "Condition", "NumericLessThan", "s3:max-keys"),
            "not a valid number",
        ),
        (
            {
                **DOC,
                "Statement": [
                    statement(condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "x"]}})
                ],
            },
            ("Statement", 0, "Condition", "IpAddress", "aws:SourceIp", 1),
            "not a valid IP address",
        ),
        (
            {**DOC, "Statement": [statement(condition={"StringEquals": {"k": []}})]},
            ("Statement", 0, "Condition", "StringEquals", "k"),
            "empty list",
        ),
        ("{not json", (), "not valid JSON"),
    ],
)
def test_malformed_policies_are_config_errors_with_the_path_inside_the_document(
    document: Any, path: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy(document)
    assert caught.value.path == path
    assert message in caught.value.message


def test_operator_name_in_the_wrong_case_gets_a_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy({**DOC, "Statement": [statement(condition={"stringequals": {"k": "v"}})]})
    assert caught.value.hint is not None
    assert "StringEquals" in caught.value.hint


def test_null_has_no_ifexists_form() -> None:
    with pytest.raises(ConfigError, match="NullIfExists"):
        parse_policy({**DOC, "Statement": [statement(condition={"NullIfExists": {"k": "true"}})]})


def test_trust_policies_need_a_principal_but_no_resource() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
    }
    parsed = parse_policy(trust, kind="trust")
    assert parsed.statements[0].principal is not None
    assert parsed.statements[0].principal.federated == ("cognito-identity.amazonaws.com",)
    with pytest.raises(ConfigError, match="neither Principal"):
        parse_policy(
            {
                **trust,
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity"}],
            },
            kind="trust",
        )


def test_unknown_actions_are_warnings_not_errors() -> None:
    # The action catalogue comes from policyuniverse; an unknown action may be new or misspelt.
    parsed = parse_policy(
        {**DOC, "Statement": [statement(action=["s3:GetObjekt", "nosuchservice:Get", "s3:Get*"])]}
    )
    assert any("s3:GetObjekt" in w for w in parsed.warnings)
    assert any("nosuchservice" in w for w in parsed.warnings)
    assert not any("s3:Get*" in w for w in parsed.warnings)


def test_condition_values_may_be_numbers_and_booleans() -> None:
    parsed = parse_policy(
        {
            **DOC,
            "Statement": [
                statement(
                    condition={
                        "Bool": {"aws:SecureTransport": True},
                        "NumericLessThan": {"s3:max-keys": 10},
                    }
                )
            ],
        }
    )
    assert [c.values for c in parsed.statements[0].clauses] == [("true",), ("10",)]


def test_the_action_catalogue_index_reads_every_service_as_the_whole_file_does() -> None:
    # The index finds services in policyuniverse's data file without decoding it; the whole file,
    # decoded, is the reference, for every service prefix.
    from simulator.iam import catalogue

    data = catalogue._data_file()
    assert data is not None
    whole = catalogue._decoded(data.read_bytes())
    index = catalogue._services()
    assert isinstance(index, catalogue._Index)
    assert sorted(index) == sorted(whole)
    assert all(
        [bytes(part) for part in index[prefix]] == [bytes(part) for part in parts]
        for prefix, parts in whole.items()
    )


def test_a_data_file_of_another_layout_is_decoded_whole(tmp_path: Path) -> None:
    import mmap

    from simulator.iam import catalogue

    compact = tmp_path / "data.json"
    compact.write_bytes(b'{"S3":{"prefix":"s3","actions":{"GetObject":{}}}}')
    with compact.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    assert catalogue._Index.of(mapped) is None
    assert [bytes(p) for p in catalogue._decoded(mapped)["s3"]] == [b'{"GetObject":{}}']
