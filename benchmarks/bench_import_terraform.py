"""Import time of a 2,000-resource Terraform module (the identity pool is a small part of it).

Target: under one second, as for a template (bench_import.py). Printed beside the baseline of the
same run: python-hcl2 parsing every file whole, which the reader replaces by parsing only the
blocks a pool reads (and those they refer to).
Run: python benchmarks/bench_import_terraform.py
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path
from typing import Any

from bench_import import timed

from simulator.importers.source import import_source
from simulator.model import pool_from_document

N_RESOURCES = 2000
TEAMS = 20


def pool_part() -> list[str]:
    teams = ", ".join(f'"team{i}"' for i in range(TEAMS))
    return [
        'provider "aws" {\n  region = "us-east-1"\n}\n',
        f"locals {{\n  teams = [{teams}]\n}}\n",
        'resource "aws_cognito_user_pool" "users" {\n  name = "users"\n  schema {\n'
        '    name                = "team"\n    attribute_data_type = "String"\n    mutable = false\n  }\n}\n',
        'resource "aws_cognito_user_pool_client" "web" {\n  name         = "web"\n'
        "  user_pool_id = aws_cognito_user_pool.users.id\n}\n",
        'resource "aws_cognito_identity_pool" "pool" {\n  identity_pool_name = "pool"\n'
        "  allow_unauthenticated_identities = false\n  cognito_identity_providers {\n"
        "    client_id     = aws_cognito_user_pool_client.web.id\n"
        "    provider_name = aws_cognito_user_pool.users.endpoint\n  }\n}\n",
        'data "aws_iam_policy_document" "cognito_trust" {\n  statement {\n'
        '    actions = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]\n'
        '    principals {\n      type        = "Federated"\n'
        '      identifiers = ["cognito-identity.amazonaws.com"]\n    }\n'
        '    condition {\n      test     = "StringEquals"\n'
        '      variable = "cognito-identity.amazonaws.com:aud"\n'
        "      values   = [aws_cognito_identity_pool.pool.id]\n    }\n  }\n}\n",
        'resource "aws_iam_role" "team" {\n  for_each           = toset(local.teams)\n'
        '  name               = "team-${each.key}"\n'
        "  assume_role_policy = data.aws_iam_policy_document.cognito_trust.json\n"
        '  inline_policy {\n    name   = "data"\n    policy = jsonencode({\n'
        '      Version = "2012-10-17"\n      Statement = [{ Effect = "Allow",'
        ' Action = ["s3:GetObject", "s3:PutObject"], Resource = "${aws_s3_bucket.data0.arn}/${each.key}/*" }]\n'
        "    })\n  }\n}\n",
        'resource "aws_cognito_identity_pool_roles_attachment" "pool" {\n'
        "  identity_pool_id = aws_cognito_identity_pool.pool.id\n"
        '  roles = { authenticated = aws_iam_role.team["team0"].arn }\n  role_mapping {\n'
        '    identity_provider = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.web.id}"\n'
        '    type = "Rules"\n    ambiguous_role_resolution = "Deny"\n'
        '    dynamic "mapping_rule" {\n      for_each = local.teams\n      content {\n'
        '        claim      = "cognito:groups"\n        match_type = "Contains"\n'
        "        value      = mapping_rule.value\n"
        "        role_arn   = aws_iam_role.team[mapping_rule.value].arn\n      }\n    }\n  }\n}\n",
    ]


def rest(n: int) -> list[str]:
    """Functions with their service roles and policies, tables, buckets: what fills a module."""
    out: list[str] = []
    i = 0
    while len(out) + 5 <= n:  # whole groups, so that every reference has its resource
        out += [
            f'resource "aws_iam_role" "handler{i}" {{\n  name = "handler-{i}"\n'
            '  assume_role_policy = jsonencode({\n    Version = "2012-10-17"\n'
            '    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" },'
            ' Action = "sts:AssumeRole" }]\n  })\n'
            '  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]\n}\n',
            f'resource "aws_iam_role_policy" "handler{i}" {{\n  name = "default"\n'
            f"  role = aws_iam_role.handler{i}.id\n  policy = jsonencode({{\n"
            '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow",'
            f' Action = ["dynamodb:GetItem", "dynamodb:PutItem"], Resource = aws_dynamodb_table.table{i}.arn }}]\n'
            "  })\n}\n",
            f'resource "aws_lambda_function" "handler{i}" {{\n  function_name = "handler-{i}"\n'
            f'  s3_bucket = "assets"\n  s3_key = "{i:064x}.zip"\n  handler = "index.handler"\n'
            f'  runtime = "nodejs20.x"\n  role = aws_iam_role.handler{i}.arn\n'
            f"  environment {{\n    variables = {{\n      TABLE = aws_dynamodb_table.table{i}.name\n"
            '      STAGE = "prod"\n    }\n  }\n}\n',
            f'resource "aws_dynamodb_table" "table{i}" {{\n  name = "table-{i}"\n  hash_key = "pk"\n'
            '  billing_mode = "PAY_PER_REQUEST"\n  attribute {\n    name = "pk"\n    type = "S"\n  }\n}\n',
            f'resource "aws_s3_bucket" "data{i}" {{\n  bucket = "data-{i}"\n}}\n',
        ]
        i += 1
    return out


def module(folder: Path) -> int:
    blocks = pool_part()
    blocks += rest(N_RESOURCES - len(blocks))
    for n in range(10):
        (folder / f"part{n}.tf").write_text("".join(blocks[n::10]))
    return sum(f.stat().st_size for f in folder.glob("*.tf"))


def _cold(fn: Any) -> Any:
    """`fn()` with no block parsed before (the reader keeps parse trees of text it has read)."""
    from simulator.importers import hcl_syntax

    hcl_syntax._lark_tree.cache_clear()
    return fn()


def _parse_whole(folder: Path) -> None:
    import hcl2

    gc.disable()  # as the importer runs (simulator.importers.source)
    try:
        for path in sorted(folder.glob("*.tf")):
            hcl2.parses_to_tree(path.read_text())
    finally:
        gc.enable()


def main() -> None:
    import hcl2

    hcl2.parses_to_tree("a = 1\n")  # the parser's own start-up is paid once per process
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = module(folder)
        count = sum(t.read_text().count("\nresource ") + t.read_text().startswith("resource ")
                    for t in folder.glob("*.tf"))  # fmt: skip
        print(f"{count} resources in 10 files, {size // 1024} KiB")
        importing = timed(
            "rolesim import (scan, parse, evaluate, assemble)",
            lambda: _cold(lambda: import_source(folder)),
            repeat=3,
            target=1.0,
        )
        timed("  ... and load the pool (with IAM)",
              lambda: _cold(lambda: pool_from_document(import_source(folder).checked())),
              repeat=3)  # fmt: skip
        timed("  ... read again (diff reads two versions)", lambda: import_source(folder), repeat=3)
        whole = timed(
            "baseline: python-hcl2 parses every file", lambda: _parse_whole(folder), repeat=3
        )
        print(f"  import / whole parse = {importing / whole:.2f}x")
        pool = pool_from_document(import_source(folder).checked())
        print(
            f"pool: {len(pool.role_mappings[0].rules)} rules, {len(pool.iam.roles)} IAM roles read"
        )


if __name__ == "__main__":
    main()
