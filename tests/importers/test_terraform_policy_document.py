"""`data "aws_iam_policy_document"` evaluated into the JSON it writes, as the AWS provider does
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document;
internal/service/iam/policy_document_data_source.go and policy_model.go)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.importers.values import Placeholder, Unresolved
from tests.importers.terraform_modules import by_id, read


def document(tmp_path: Path, body: str, extra: str = "") -> Any:
    text = f"""
    {extra}
    data "aws_iam_policy_document" "d" {{
    {body}
    }}
    resource "aws_iam_role" "r" {{
      name               = "r"
      assume_role_policy = data.aws_iam_policy_document.d.json
    }}
    """
    return by_id(read(tmp_path, text))["aws_iam_role.r"].properties["AssumeRolePolicyDocument"]


def test_a_cognito_trust_policy(tmp_path: Path) -> None:
    body = """
      statement {
        actions = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
        principals {
          type        = "Federated"
          identifiers = ["cognito-identity.amazonaws.com"]
        }
        condition {
          test     = "StringEquals"
          variable = "cognito-identity.amazonaws.com:aud"
          values   = [aws_cognito_identity_pool.p.id]
        }
        condition {
          test     = "ForAnyValue:StringLike"
          variable = "cognito-identity.amazonaws.com:amr"
          values   = ["authenticated"]
        }
      }
    """
    pool = 'resource "aws_cognito_identity_pool" "p" { identity_pool_name = "p" }'
    doc = document(tmp_path, body, pool)
    assert doc == {
        "Version": "2012-10-17",  # the default version
        "Statement": [
            {
                "Effect": "Allow",  # the default effect
                # a set of more than one string is written sorted in reverse
                "Action": ["sts:TagSession", "sts:AssumeRoleWithWebIdentity"],
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Condition": {
                    "ForAnyValue:StringLike": {
                        "cognito-identity.amazonaws.com:amr": "authenticated"
                    },
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:p"},
                },
            }
        ],
    }
    aud = doc["Statement"][0]["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"]
    assert isinstance(aud, Placeholder)


def test_policy_variables_principals_not_elements_and_merged_conditions(tmp_path: Path) -> None:
    body = """
      policy_id = "doc"
      statement {
        sid           = "Own"
        effect        = "Deny"
        not_actions   = ["s3:GetObject"]
        not_resources = ["arn:aws:s3:::b/&{aws:PrincipalTag/team}/*"]
        principals {
          type        = "AWS"
          identifiers = ["arn:aws:iam::111122223333:root"]
        }
        principals {
          type        = "AWS"
          identifiers = ["arn:aws:iam::444455556666:root", "arn:aws:iam::777788889999:root"]
        }
        not_principals {
          type        = "*"
          identifiers = ["*"]
        }
        condition {
          test     = "StringEquals"
          variable = "aws:PrincipalTag/team"
          values   = ["a"]
        }
        condition {
          test     = "StringEquals"
          variable = "aws:PrincipalTag/team"
          values   = ["b"]
        }
      }
    """
    doc = document(tmp_path, body)
    assert doc["Id"] == "doc"
    statement = doc["Statement"][0]
    assert statement == {
        "Sid": "Own",
        "Effect": "Deny",
        "NotAction": "s3:GetObject",
        "NotResource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*",  # &{...} is ${...}
        "Principal": {
            "AWS": [
                "arn:aws:iam::111122223333:root",
                "arn:aws:iam::777788889999:root",
                "arn:aws:iam::444455556666:root",
            ]
        },
        "NotPrincipal": "*",  # {"*": ["*"]} alone is "*"
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}},
    }


def test_source_and_override_documents_merge_by_sid(tmp_path: Path) -> None:
    body = """
      source_policy_documents = [jsonencode({
        Version   = "2012-10-17"
        Statement = [
          { Sid = "Keep", Effect = "Allow", Action = "s3:ListBucket", Resource = "*" },
          { Sid = "Replace", Effect = "Allow", Action = "s3:*", Resource = "*" },
        ]
      })]
      override_policy_documents = [jsonencode({
        Statement = [{ Sid = "Mine", Effect = "Deny", Action = "iam:*", Resource = "*" }]
      })]
      statement {
        sid       = "Replace"
        actions   = ["s3:GetObject"]
        resources = ["*"]
      }
      statement {
        sid       = "Mine"
        actions   = ["iam:GetRole"]
        resources = ["*"]
      }
    """
    statements = document(tmp_path, body)["Statement"]
    assert [(s["Sid"], s["Action"]) for s in statements] == [
        ("Keep", "s3:ListBucket"),
        ("Replace", "s3:GetObject"),  # the document's own statement replaces the source's
        ("Mine", "iam:*"),  # the override replaces the document's
    ]


def test_the_json_attribute_is_the_providers_text(tmp_path: Path) -> None:
    text = """
    data "aws_iam_policy_document" "d" {
      statement {
        actions   = ["s3:GetObject"]
        resources = ["arn:aws:s3:::b/<x>"]
      }
    }
    resource "aws_iam_policy" "p" {
      name        = "p"
      policy      = data.aws_iam_policy_document.d.json
      description = data.aws_iam_policy_document.d.minified_json
    }
    """
    description = by_id(read(tmp_path, text))["aws_iam_policy.p"].properties["Description"]
    # Go's encoder: struct field order, HTML characters escaped.
    assert description == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
        '"Resource":"arn:aws:s3:::b/\\u003cx\\u003e"}]}'
    )
    assert json.loads(description)["Statement"][0]["Resource"] == "arn:aws:s3:::b/<x>"


def test_an_unknown_resource_leaves_the_rest_of_the_document_known(tmp_path: Path) -> None:
    body = """
      statement {
        actions   = ["s3:GetObject"]
        resources = [data.aws_s3_bucket.b.arn, "arn:aws:s3:::known"]
      }
    """
    doc = document(tmp_path, body, 'data "aws_s3_bucket" "b" { bucket = "b" }')
    statement = doc["Statement"][0]
    assert statement["Action"] == "s3:GetObject"
    known, unknown = statement["Resource"]
    assert known == "arn:aws:s3:::known"
    assert isinstance(unknown, Unresolved)
    assert unknown.construct.startswith("data.aws_s3_bucket.b.arn")


def test_an_unknown_elsewhere_makes_the_whole_document_unknown(tmp_path: Path) -> None:
    body = """
      statement {
        effect    = data.aws_ssm_parameter.effect.value
        actions   = ["s3:GetObject"]
        resources = ["*"]
      }
    """
    doc = document(tmp_path, body, 'data "aws_ssm_parameter" "effect" { name = "e" }')
    assert isinstance(doc, Unresolved)
    assert doc.construct.startswith(
        "data.aws_iam_policy_document.d.json (depends on data.aws_ssm_parameter.effect.value"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('statement {\n effect = "Permit"\n}', "effect must be Allow or Deny"),
        ('statement {\n sid = "a-b"\n}', "alphanumeric"),
        ('statement {\n sid = "A"\n}\nstatement {\n sid = "A"\n}', "duplicate Sid"),
        (
            'version = "2008-10-17"\nstatement {\n resources = ["&{x}"]\n}',
            "not supported in policy version",
        ),
    ],
)
def test_documents_the_provider_refuses_are_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        document(tmp_path, body)
