"""The HCL expression language as Terraform evaluates it (IMPORT.md D8: templates, conditionals,
`for`, splat; the functions). Sources: https://developer.hashicorp.com/terraform/language/expressions
and https://developer.hashicorp.com/terraform/language/functions, the HCL native syntax spec
(https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md)."""

from __future__ import annotations

import json

import pytest

from simulator.errors import ConfigError
from simulator.importers.hcl_syntax import parse_body
from simulator.importers.hcl_values import EncodedJson, HclSet, PartialJson
from simulator.importers.values import Placeholder, Unresolved
from tests.importers.terraform_modules import evaluate

# Templates (expressions/strings) ------------------------------------------------------------------


def test_interpolation_converts_numbers_and_bools_to_strings() -> None:
    assert evaluate('"n=${1 + 2} b=${true} f=${1.5}"') == "n=3 b=true f=1.5"


def test_a_template_that_is_one_interpolation_keeps_its_value() -> None:
    # HCL spec, template expressions: "${x}" alone is x itself, not its string form.
    assert evaluate('"${local.l}"', l=[1, 2]) == [1, 2]


def test_escapes_and_literal_dollar_braces() -> None:
    assert evaluate(r'"a\nb\t\"q\" \u00e9 $${x} %%{y}"') == 'a\nb\t"q" é ${x} %{y}'


def test_if_and_for_directives_with_strip_markers() -> None:
    text = '"%{ if local.on }on%{ else }off%{ endif }:%{ for x in local.xs ~} [${x}] %{~ endfor }"'
    assert evaluate(text, on=False, xs=["a", "b"]) == "off:[a][b]"


def test_a_heredoc_includes_the_final_newline_and_interpolates() -> None:
    text = '<<EOT\n{"Resource": "arn:aws:s3:::${local.b}/*"}\nEOT'
    assert evaluate(text, b="bucket") == '{"Resource": "arn:aws:s3:::bucket/*"}\n'


def test_an_indented_heredoc_removes_the_common_indentation() -> None:
    text = '<<-EOT\n    {\n      "a": "${local.v}"\n    }\n  EOT'
    assert evaluate(text, v="x") == '{\n  "a": "x"\n}\n'


def test_backslashes_in_a_heredoc_are_literal() -> None:
    assert evaluate('<<EOT\na\\nb "q"\nEOT') == 'a\\nb "q"\n'


def test_a_heredoc_template_may_nest_braces_and_strings() -> None:
    text = '<<EOT\n${jsonencode({a = "}"})} %{ if true }yes%{ endif }\nEOT'
    assert evaluate(text) == '{"a":"}"} yes\n'


# Operators and conditionals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 / 2", 3.5),
        ("4 / 2", 2),
        ("-7 % 3", -1),  # the remainder keeps the dividend's sign
        ('"2" + 1', 3),  # arithmetic converts strings to numbers
        ("1 == 1 && 2 != 3", True),
        ('"1" == 1', False),  # equality does not convert
        ("!false || false", True),
        ("3 >= 3 ? 10 : 20", 10),
        ("[1, 2] == [1, 2]", True),
        ('{a = 1} == {"a" = 1}', True),
    ],
)
def test_operators(expression: str, value: object) -> None:
    assert evaluate(expression) == value


def test_logical_operators_stop_once_the_left_side_decides() -> None:
    assert evaluate("false && local.missing.x") is False
    assert evaluate("true || local.missing.x") is True


def test_a_conditional_on_an_unknown_value_is_unknown() -> None:
    unknown = Unresolved("data.aws_ssm_parameter.p.value")
    assert evaluate('local.u == "x" ? "a" : "b"', u=unknown) is unknown


# Collections, for expressions, splat -------------------------------------------------------------


def test_object_keys_bare_quoted_and_parenthesised() -> None:
    assert evaluate('{a = 1, "b-c" = 2, (local.k) = 3}', k="dyn") == {"a": 1, "b-c": 2, "dyn": 3}


def test_a_repeated_object_key_is_an_error_with_its_line() -> None:
    with pytest.raises(ConfigError, match="given twice") as info:
        evaluate("{\n  a = 1\n  a = 2\n}")
    assert info.value.line == 3


def test_for_expressions_over_maps_iterate_in_key_order() -> None:
    assert evaluate('[for k, v in {b = 2, a = 1} : "${k}=${v}"]') == ["a=1", "b=2"]


def test_for_expression_filter_and_grouping() -> None:
    assert evaluate("[for x in [1, 2, 3, 4] : x * 10 if x % 2 == 0]") == [20, 40]
    grouped = evaluate('{for s in ["ab", "ac", "b"] : substr(s, 0, 1) => s...}')
    assert grouped == {"a": ["ab", "ac"], "b": ["b"]}


def test_a_for_expression_with_duplicate_keys_needs_grouping() -> None:
    with pytest.raises(ConfigError, match=r"add `\.\.\.`"):
        evaluate('{for s in ["a", "a"] : s => 1}')


def test_splat_applies_to_each_element_and_to_single_values() -> None:
    assert evaluate("local.l[*].n", l=[{"n": 1}, {"n": 2}]) == [1, 2]
    assert evaluate("local.o[*].n", o={"n": 5}) == [5]
    assert evaluate("local.z[*]", z=None) == []
    # The legacy `.*` splat applies attribute steps per element and an index to the result.
    assert evaluate("local.l.*.n[1]", l=[{"n": 1}, {"n": 2}]) == 2


def test_indexing_errors_are_errors_not_values() -> None:
    with pytest.raises(ConfigError, match="outside a list of 1"):
        evaluate("[1][3]")
    with pytest.raises(ConfigError, match="no key 'b'"):
        evaluate('{a = 1}["b"]')
    with pytest.raises(ConfigError, match="tolist"):
        evaluate('toset(["a"])[0]')


# Functions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ('format("%s:%05d|%-3s|%t|%q", "a", 42, "b", true, "x")', 'a:00042|b  |true|"x"'),
        ('formatlist("%s-%s", ["a", "b"], "z")', ["a-z", "b-z"]),
        ('lower("AbC")', "abc"),
        ('upper("abc")', "ABC"),
        ('join(",", ["a", "b"], ["c"])', "a,b,c"),
        ('split(",", "a,,b")', ["a", "", "b"]),
        ('replace("a.b.c", ".", "/")', "a/b/c"),
        ('trimprefix("https://x", "https://")', "x"),
        ('trimsuffix("x.json", ".json")', "x"),
        ('trimspace("  x \\n")', "x"),
        ('chomp("x\\n\\n")', "x"),
        ('substr("hello", -3, -1)', "llo"),
        ('startswith("arn:aws", "arn:")', True),
        ('endswith("a.tf", ".json")', False),
        ('length("héllo")', 5),
        ("length({a = 1, b = 2})", 2),
        ("concat([1], [2, 3])", [1, 2, 3]),
        ("merge({a = 1, b = 1}, {b = 2}, null)", {"a": 1, "b": 2}),
        ('lookup({a = 1}, "b", 0)', 0),
        ('element(["a", "b"], 3)', "b"),
        ("keys({b = 1, a = 2})", ["a", "b"]),
        ("values({b = 1, a = 2})", [2, 1]),
        ('coalesce("", null, "x")', "x"),
        ('compact(["a", "", null, "b"])', ["a", "b"]),
        ('contains(["a", "b"], "b")', True),
        ("distinct([1, 2, 1])", [1, 2]),
        ('flatten([["a"], [["b"]], "c"])', ["a", "b", "c"]),
        ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
        ("range(3)", [0, 1, 2]),
        ("range(1, 7, 3)", [1, 4]),
        ("tostring(5)", "5"),
        ('tonumber("5")', 5),
        ('tobool("true")', True),
        ('tolist(toset(["b", "a", "b"]))', ["a", "b"]),
        ('try(local.nope.x, "fallback")', "fallback"),
        ("can(1 + true)", False),
        ("sum([1, 2.5])", 3.5),
        ("max(1, 5, 3)", 5),
        ('jsondecode("{\\"a\\": [1, 2.0]}")', {"a": [1, 2]}),
        ('base64decode(base64encode("x"))', "x"),
        ('one(["x"])', "x"),
        ('setsubtract(["a", "b"], ["a"])', HclSet(["b"])),
    ],
)
def test_functions(expression: str, value: object) -> None:
    assert evaluate(expression, nope={}) == value


def test_toset_orders_strings_lexically_and_converts_to_one_type() -> None:
    # A set of strings iterates in lexical order (functions/toset).
    assert evaluate('toset(["b", "a", 1])') == HclSet(["1", "a", "b"])


def test_jsonencode_sorts_keys_escapes_like_go_and_keeps_its_value() -> None:
    # functions/jsonencode: <, >, & are written as \u003c, \u003e, \u0026.
    text = evaluate('jsonencode({b = "<&>", a = [1, true, null]})')
    assert text == '{"a":[1,true,null],"b":"\\u003c\\u0026\\u003e"}'
    assert isinstance(text, EncodedJson)
    assert json.loads(text) == text.value


def test_an_unsupported_function_is_unknown_naming_it_never_a_guess() -> None:
    value = evaluate('formatdate("YYYY", "2026-01-01T00:00:00Z")')
    assert isinstance(value, Unresolved)
    assert "formatdate()" in value.construct
    assert isinstance(evaluate('format("%x", 255)'), Unresolved)


def test_a_function_called_with_the_wrong_arguments_is_an_error() -> None:
    with pytest.raises(ConfigError, match="does not take 2 arguments"):
        evaluate('lower("a", "b")')
    with pytest.raises(ConfigError, match="no non-null"):
        evaluate('coalesce("", null)')


def test_list_expansion_in_a_call() -> None:
    assert evaluate("max(local.ns...)", ns=[3, 9, 1]) == 9


# Unknown values and placeholders (D4, D5) ----------------------------------------------------------


def test_unknown_values_propagate_through_templates_and_functions() -> None:
    unknown = Unresolved("module.auth.pool_id (module outputs are not evaluated)")
    assert evaluate('"x-${local.u}"', u=unknown) is unknown
    assert evaluate("upper(local.u)", u=unknown) is unknown
    # jsonencode's text is unknown, but the structure around the unknown value is kept (a policy
    # document is read with only that value marked).
    encoded = evaluate("jsonencode({a = [local.u], b = 1})", u=unknown)
    assert isinstance(encoded, PartialJson)
    assert encoded.construct == unknown.construct
    assert encoded.value == {"a": [unknown], "b": 1}
    assert isinstance(evaluate('"x${jsonencode([local.u])}"', u=unknown), Unresolved)


def test_structural_functions_pass_unknown_elements_through() -> None:
    unknown = Unresolved("data.x.y.z")
    assert evaluate("length([local.u, 1])", u=unknown) == 2
    assert evaluate("merge({a = local.u}, {b = 1})", u=unknown) == {"a": unknown, "b": 1}
    assert evaluate('lookup({a = local.u}, "a")', u=unknown) is unknown


def test_a_string_built_from_a_placeholder_is_a_placeholder() -> None:
    pool = Placeholder(
        "cognito-idp.us-east-1.amazonaws.com/us-east-1_main", of="p", attribute="endpoint"
    )
    value = evaluate('"${local.p}:${local.c}"', p=pool, c="web")
    assert isinstance(value, Placeholder)
    assert value == "cognito-idp.us-east-1.amazonaws.com/us-east-1_main:web"
    assert isinstance(evaluate("lower(local.p)", p=pool), Placeholder)


def test_comparing_a_placeholder_with_a_literal_is_unknown() -> None:
    # The deploy-time value is not the placeholder's text: only "" and null are known unequal.
    pool = Placeholder("us-east-1_main", of="aws_cognito_user_pool.main", attribute="id")
    assert isinstance(evaluate('local.p == "us-east-1_abc"', p=pool), Unresolved)
    assert evaluate('local.p != ""', p=pool) is True
    assert evaluate("local.p == local.p", p=pool) is True


# Bounds: nothing a file says can make the reader recurse or work without limit --------------------


def test_deep_nesting_fails_cleanly_with_its_line() -> None:
    with pytest.raises(ConfigError, match="nested more than") as info:
        evaluate("(" * 5000 + "1" + ")" * 5000)
    assert info.value.file == "expr.tf"


def test_long_operator_chains_and_traversals_are_not_nesting() -> None:
    assert evaluate(" + ".join(["1"] * 3000)) == 3000
    assert evaluate("local.o" + ".a" * 500, o=_nest(500)) == 1


def _nest(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def test_huge_collections_and_strings_fail_cleanly() -> None:
    with pytest.raises(ConfigError, match="more than 100000"):
        evaluate("range(1000000000)")
    with pytest.raises(ConfigError, match=r"evaluation steps|longer than"):
        evaluate('join("", [for i in range(100000) : join("", [for j in range(100000) : "x"])])')


def test_a_huge_number_fails_cleanly() -> None:
    with pytest.raises(ConfigError, match="larger than"):
        evaluate("100000000000000000000 * 100000000000000000000 * 100000000000000000000")


def test_invalid_hcl_names_the_file_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_body('a = "x"\nb = = 2\n', "bad.tf")
    assert (info.value.file, info.value.line) == ("bad.tf", 2)
    assert "not valid HCL" in str(info.value)


def test_an_unclosed_directive_is_an_error() -> None:
    with pytest.raises(ConfigError, match="never closed"):
        evaluate('"%{ if true }x"')


def test_values_nested_too_deeply_to_compare_fail_cleanly() -> None:
    deep = "[" * 90 + "1" + "]" * 90
    with pytest.raises(ConfigError, match="too deeply"):
        evaluate(f"{deep} == {deep}")


def test_deeply_nested_heredoc_sequences_fail_cleanly() -> None:
    text = "<<EOT\n" + '${"' * 3000 + '"}' * 3000 + "\nEOT"
    with pytest.raises(ConfigError, match="nested more than"):
        evaluate(text)
