"""Properties of the Terraform readers, for generated modules and plans:
- any module either imports, every resource pointing at its file and line, or fails with a
  ConfigError naming the file: never another exception, a hang or a traceback;
- the order of blocks and files, and the names of resources (renamed consistently), change nothing
  but the names in what is derived;
- any plan-shaped JSON either imports or fails with a ConfigError naming the file."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from simulator.errors import ConfigError
from simulator.importers.hcl_blocks import RawBlock, TopLevelAttribute, split_blocks
from simulator.importers.hcl_syntax import parse_body
from simulator.importers.terraform import TerraformImport, read_terraform
from simulator.importers.tfplan import plan_resources
from simulator.importers.values import Placeholder, Unresolved

# Expressions, as text ---------------------------------------------------------------------------

FUNCTIONS = [
    "jsonencode", "jsondecode", "format", "lower", "upper", "concat", "merge", "lookup", "element",
    "length", "tostring", "tonumber", "tolist", "toset", "tomap", "keys", "values", "join", "split",
    "replace", "coalesce", "try", "can", "contains", "distinct", "flatten", "zipmap", "trimprefix",
    "range", "file", "regex", "nosuchfunction",
]  # fmt: skip
STRINGS = st.text(alphabet='ab-:/*${}%"\\\n~ ', max_size=8).map(json.dumps)
REFERENCES = st.sampled_from(
    [
        "local.a", "local.b", "local.c", "var.v", "var.w", "var.undeclared", "aws_iam_role.r.arn",
        "aws_iam_role.r", "aws_cognito_user_pool.u.endpoint", "aws_cognito_identity_pool.p.id",
        "data.aws_iam_policy_document.d.json", "data.aws_ssm_parameter.s.value", "module.m.out",
        "each.key", "each.value", "count.index", "path.module", "self.x", "aws_s3_bucket.none.id",
    ]
)  # fmt: skip
BASE = st.one_of(
    st.integers(-3, 3).map(str),
    st.sampled_from(["true", "false", "null", "1.5", "[]", "{}"]),
    STRINGS,
    REFERENCES,
)


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two = st.tuples(children, children)
    return st.one_of(
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from(["k", "role", '"x-y"']), children), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}"
        ),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(children, max_size=3)).map(
            lambda f: f"{f[0]}({', '.join(f[1])})"
        ),
        st.tuples(children, children, children).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(children, st.sampled_from(["+", "==", "&&", "%", "<"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        children.map(lambda c: f"[for x in {c} : x]"),
        children.map(lambda c: f"{{for k, v in {c} : k => v}}"),
        children.map(lambda c: '"pre-${' + c + '}-post"'),
        two.map(lambda t: f"{t[0]}[{t[1]}]"),
        children.map(lambda c: f"{c}.k"),
        children.map(lambda c: f"{c}[*].k"),
        children.map(lambda c: f"!{c}"),
    )


EXPRESSIONS = st.recursive(BASE, _extend, max_leaves=12)
# Heredocs and comments hold braces and quotes that do not count.
HEREDOCS = st.tuples(
    st.sampled_from(["<<EOT", "<<-EOT"]),
    st.text(alphabet='ab{}"${} \n#/*', max_size=20).filter(lambda t: "EOT" not in t),
).map(lambda h: f"{h[0]}\n{h[1]}\n  EOT")
VALUES = st.one_of(EXPRESSIONS, HEREDOCS)
COMMENTS = st.sampled_from(["  # a } comment {\n", '  // " unclosed\n', "  /* { \n } */\n"])

# Modules, as text --------------------------------------------------------------------------------

ATTRIBUTES = {
    "aws_cognito_identity_pool": ["identity_pool_name", "allow_unauthenticated_identities", "supported_login_providers"],
    "aws_cognito_identity_pool_roles_attachment": ["identity_pool_id", "roles"],
    "aws_cognito_user_pool": ["name"],
    "aws_cognito_user_group": ["name", "user_pool_id", "precedence", "role_arn"],
    "aws_iam_role": ["name", "path", "assume_role_policy", "managed_policy_arns", "tags"],
}  # fmt: skip
NAMES = {"aws_iam_role": "r", "aws_cognito_user_pool": "u", "aws_cognito_identity_pool": "p"}


@st.composite
def blocks(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["resource", "locals", "variable", "data", "module", "junk"]))
    if kind == "locals":
        names = draw(st.lists(st.sampled_from("abc"), unique=True, min_size=1, max_size=3))
        return "locals {\n" + "".join(f"  {n} = {draw(EXPRESSIONS)}\n" for n in names) + "}\n"
    if kind == "variable":
        default = draw(st.one_of(st.none(), EXPRESSIONS))
        body = f"  default = {default}\n" if default is not None else ""
        if draw(st.booleans()):
            body += f"  type = {draw(st.sampled_from(['string', 'bool', 'list(string)', 'map(any)', 'object({a = optional(string)})']))}\n"
        return f'variable "{draw(st.sampled_from("vw"))}" {{\n{body}}}\n'
    if kind == "data":
        statement = f"  statement {{\n    actions = {draw(EXPRESSIONS)}\n    resources = {draw(EXPRESSIONS)}\n  }}\n"
        return f'data "aws_iam_policy_document" "d" {{\n{statement}}}\ndata "aws_ssm_parameter" "s" {{ name = "x" }}\n'
    if kind == "module":
        return 'module "m" { source = "./m" }\n'
    if kind == "junk":
        return draw(
            st.sampled_from(
                [
                    'provider "aws" { region = var.v }\n',
                    'output "o" { value = local.a }\n',
                    "terraform {}\n",
                ]
            )
        )
    type_ = draw(st.sampled_from(sorted(ATTRIBUTES)))
    name = NAMES.get(type_, draw(st.sampled_from(["x", "y"])))
    lines = [
        f"  {a} = {draw(VALUES)}\n"
        for a in draw(st.lists(st.sampled_from(ATTRIBUTES[type_]), unique=True, max_size=3))
    ]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(COMMENTS))
    meta = draw(st.sampled_from(["", "count", "for_each"]))
    if meta:
        lines.insert(0, f"  {meta} = {draw(EXPRESSIONS)}\n")
    if type_ == "aws_cognito_identity_pool_roles_attachment" and draw(st.booleans()):
        lines.append(
            "  role_mapping {\n    identity_provider = "
            + draw(EXPRESSIONS)
            + '\n    type = "Rules"\n'
            '    dynamic "mapping_rule" {\n      for_each = ' + draw(EXPRESSIONS) + "\n"
            "      content {\n        claim = mapping_rule.key\n        value = mapping_rule.value\n      }\n    }\n  }\n"
        )
    return f'resource "{type_}" "{name}" {{\n' + "".join(lines) + "}\n"


@st.composite
def modules(draw: st.DrawFn) -> dict[str, str]:
    text = "".join(draw(st.lists(blocks(), min_size=1, max_size=6)))
    if draw(st.integers(0, 9)) == 0:  # sometimes not even valid HCL
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["{", "}", '"', "=", "${", "\x00", ""])) + text[at:]
    return {"main.tf": text}


def _import(files: dict[str, str], **parameters: str) -> TerraformImport | ConfigError:
    with tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            (Path(folder) / name).write_text(text)
        try:
            result = read_terraform(Path(folder) / "main.tf", parameters)
        except ConfigError as exc:
            assert exc.file is not None
            assert exc.file.startswith(folder)
            str(exc)  # renders
            return exc
    return result


@settings(max_examples=150)
@given(modules())
def test_any_module_imports_or_fails_naming_its_file(files: dict[str, str]) -> None:
    result = _import(files)
    event("imported" if isinstance(result, TerraformImport) else "refused")
    if isinstance(result, TerraformImport):
        for resource in result.resources:
            assert resource.origin.file.endswith("main.tf")
            assert resource.origin.line is not None
            assert resource.origin.construct == resource.id
            for origin in resource.origins.values():
                assert origin.line is not None


# Order and names change nothing -------------------------------------------------------------------


@st.composite
def valid_modules(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Blocks of a module that imports, and the resource names it uses."""
    names = draw(
        st.lists(
            st.from_regex(r"nm[a-z]{3}[0-9]", fullmatch=True), min_size=6, max_size=6, unique=True
        )
    )
    pool, users, client, auth, admin, extra = names
    rules = draw(
        st.lists(st.sampled_from(["admins", "dev", "ops"]), min_size=1, max_size=3, unique=True)
    )
    guests = draw(st.booleans())
    count = draw(st.integers(0, 2))
    blocks_ = [
        f'resource "aws_cognito_user_pool" "{users}" {{ name = "users" }}\n',
        f'resource "aws_cognito_user_pool_client" "{client}" {{\n  name = "c"\n  user_pool_id = aws_cognito_user_pool.{users}.id\n}}\n',
        f'locals {{\n  key = "${{aws_cognito_user_pool.{users}.endpoint}}:${{aws_cognito_user_pool_client.{client}.id}}"\n  groups = {json.dumps(rules)}\n}}\n',
        f'resource "aws_cognito_identity_pool" "{pool}" {{\n  identity_pool_name = "p"\n  allow_unauthenticated_identities = {str(guests).lower()}\n'
        f"  cognito_identity_providers {{\n    client_id = aws_cognito_user_pool_client.{client}.id\n"
        f"    provider_name = aws_cognito_user_pool.{users}.endpoint\n  }}\n}}\n",
        f'data "aws_iam_policy_document" "{auth}" {{\n  statement {{\n    actions = ["sts:AssumeRoleWithWebIdentity"]\n'
        f'    principals {{\n      type = "Federated"\n      identifiers = ["cognito-identity.amazonaws.com"]\n    }}\n'
        f'    condition {{\n      test = "StringEquals"\n      variable = "cognito-identity.amazonaws.com:aud"\n'
        f"      values = [aws_cognito_identity_pool.{pool}.id]\n    }}\n  }}\n}}\n",
        f'resource "aws_iam_role" "{auth}" {{\n  assume_role_policy = data.aws_iam_policy_document.{auth}.json\n}}\n',
        f'resource "aws_iam_role" "{admin}" {{\n  for_each = toset(local.groups)\n  name = "role-${{each.key}}"\n'
        f"  assume_role_policy = data.aws_iam_policy_document.{auth}.json\n}}\n",
        f'resource "aws_cognito_user_group" "{extra}" {{\n  count = {count}\n  name = "g${{count.index}}"\n'
        f"  user_pool_id = aws_cognito_user_pool.{users}.id\n  precedence = count.index + 1\n}}\n",
        f'resource "aws_cognito_identity_pool_roles_attachment" "{pool}" {{\n  identity_pool_id = aws_cognito_identity_pool.{pool}.id\n'
        f"  roles = {{ authenticated = aws_iam_role.{auth}.arn }}\n  role_mapping {{\n    identity_provider = local.key\n"
        f'    type = "Rules"\n    ambiguous_role_resolution = "Deny"\n    dynamic "mapping_rule" {{\n'
        f'      for_each = local.groups\n      content {{\n        claim = "cognito:groups"\n'
        f'        match_type = "Contains"\n        value = mapping_rule.value\n'
        f"        role_arn = aws_iam_role.{admin}[mapping_rule.value].arn\n      }}\n    }}\n  }}\n}}\n",
    ]
    return blocks_, names


def _semantics(result: TerraformImport, names: list[str]) -> dict[str, Any]:
    """What was derived, with the resource names replaced by their position in `names`."""

    def plain(value: Any) -> Any:
        if isinstance(value, Placeholder):
            return {"placeholder": str(value), "of": value.of, "attribute": value.attribute}
        if isinstance(value, Unresolved):
            return {"unresolved": value.construct}
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    found = {
        r.id: {"type": r.type, "ref": r.ref, "properties": plain(r.properties)}
        for r in result.resources
    }
    text = json.dumps(found, sort_keys=True)
    for i, name in enumerate(names):
        text = re.sub(rf"(?<![a-z0-9]){name}(?![a-z0-9])", f"NAME{i}", text)
    return dict(json.loads(text))


@settings(max_examples=40)
@given(valid_modules(), st.randoms(use_true_random=False), st.integers(1, 3))
def test_order_of_blocks_and_files_and_resource_names_change_nothing(
    module: tuple[list[str], list[str]], random: Any, files: int
) -> None:
    blocks_, names = module
    first = _import({"main.tf": "".join(blocks_)})
    assert isinstance(first, TerraformImport), first
    shuffled = list(blocks_)
    random.shuffle(shuffled)
    renamed = [f"zz{n[::-1]}" for n in names]
    text_blocks = []
    for block in shuffled:
        text = block
        for old, new in zip(names, renamed, strict=True):
            text = re.sub(rf"(?<![a-z0-9]){old}(?![a-z0-9])", new, text)
        text_blocks.append(text)
    split = {"main.tf": ""} | {f"part{i}.tf": "" for i in range(1, files)}
    for i, block in enumerate(text_blocks):
        split[sorted(split)[i % files]] += block
    second = _import(split)
    assert isinstance(second, TerraformImport), second
    assert _semantics(first, names) == _semantics(second, renamed)


# Plans ------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=5), st.just(True)),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "name", "roles", "role_mapping", "x"]), children, max_size=3
        )
    ),
    max_leaves=10,
)


@st.composite
def plans(draw: st.DrawFn) -> Any:
    types = st.sampled_from([*sorted(ATTRIBUTES), "aws_iam_role_policy", "aws_s3_bucket"])
    resources = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "address": st.sampled_from(
                        ["aws_iam_role.r", "aws_cognito_identity_pool.p", "x"]
                    ),
                    "type": types,
                },
                optional={
                    "mode": st.sampled_from(["managed", "data", 3]),
                    "values": JSON_VALUES,
                    "sensitive_values": JSON_VALUES,
                },
            ),
            max_size=4,
        )
    )
    plan: dict[str, Any] = {
        "format_version": draw(st.sampled_from(["1.2", "1.0", "2.0", 1])),
        "planned_values": {"root_module": {"resources": resources}},
    }
    if draw(st.booleans()):
        plan["resource_changes"] = [
            {"address": r["address"], "change": {"after_unknown": draw(JSON_VALUES)}}
            for r in resources
        ]
    if draw(st.booleans()):
        plan["configuration"] = {
            "root_module": {
                "resources": [{"address": "aws_iam_role.r", "expressions": draw(JSON_VALUES)}]
            }
        }
    return draw(st.one_of(st.just(plan), JSON_VALUES))


@settings(max_examples=200)
@given(plans())
def test_any_plan_json_imports_or_fails_naming_the_file(data: Any) -> None:
    try:
        result = plan_resources(data, "plan.json")
    except ConfigError as exc:
        assert exc.file == "plan.json"
        return
    for resource in result.resources:
        assert resource.origin.file == "plan.json"


@settings(max_examples=150)
@given(modules())
def test_blocks_parsed_one_by_one_are_the_blocks_of_the_whole_file(files: dict[str, str]) -> None:
    # The module reader parses a top-level block only when it reads it: the scanner that finds the
    # blocks must cut the file exactly where python-hcl2 sees them, lines included.
    text = files["main.tf"]
    try:
        whole = parse_body(text, "main.tf")
    except ConfigError:
        return
    items = split_blocks(text, "main.tf")
    blocks = [item.parse() for item in items if isinstance(item, RawBlock)]
    attributes = [item.name for item in items if isinstance(item, TopLevelAttribute)]
    assert blocks == list(whole.blocks)
    assert attributes == [a.name for a in whole.attributes]
