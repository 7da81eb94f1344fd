"""Terraform's regex(), regexall() and replace() with /pattern/ (RE2 syntax, Go's semantics).

Sources: https://developer.hashicorp.com/terraform/language/functions/regex, .../regexall and
.../replace; go-cty function/stdlib/regexp.go (result shapes, null for a group that took no part);
Go's regexp package (successive matches skip an empty match right after the previous one;
Regexp.Expand for `$1`, `${name}`, `$$`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ConfigError
from tests.importers.terraform_modules import evaluate, props, read_terraform, write_module


def hcl(text: str) -> str:
    """A string literal in HCL (backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_no_capture_group_gives_the_matched_text() -> None:
    # functions/regex: "If the pattern has no capture groups at all, the result is a single string".
    assert evaluate('regex("[a-z]+", "53453453.345345aaabbbccc23454")') == "aaabbbccc"


def test_unnamed_groups_give_a_list_and_named_groups_an_object() -> None:
    pattern = hcl(r"^arn:aws:iam::(\d{12}):role/(.+)$")
    assert evaluate(f'regex({pattern}, "arn:aws:iam::123456789012:role/app/admin")') == [
        "123456789012",
        "app/admin",
    ]
    named = hcl(r"(?P<account>\d{12}):role/(?P<name>[\w+=,.@-]+)$")
    assert evaluate(f'regex({named}, "arn:aws:iam::123456789012:role/admin")') == {
        "account": "123456789012",
        "name": "admin",
    }


def test_a_group_that_took_no_part_in_the_match_is_null() -> None:
    assert evaluate('regex("a(b)?c", "ac")') == [None]


def test_no_match_and_a_bad_pattern_are_errors() -> None:
    with pytest.raises(ConfigError, match="did not match any part of the given string"):
        evaluate('regex("z", "abc")')
    with pytest.raises(ConfigError, match="invalid regexp pattern: missing \\)"):
        evaluate('regex("(a", "a")')
    with pytest.raises(ConfigError, match="cannot mix both named and unnamed capture groups"):
        evaluate('regex("(?P<x>a)(b)", "ab")')


def test_can_turns_a_failed_match_into_false() -> None:
    # The validation idiom: can(regex(...)).
    assert evaluate('can(regex("^[a-z]+$", "abc"))') is True
    assert evaluate('can(regex("^[a-z]+$", "ABC"))') is False


def test_regexall_lists_every_match_and_none_is_empty() -> None:
    assert evaluate('regexall("[a-z]+", "1234abcd5678efgh9")') == ["abcd", "efgh"]
    assert evaluate('length(regexall("[a-z]+", "1234abcd5678efgh9"))') == 2
    assert evaluate('regexall("z", "abc")') == []
    # Go skips an empty match right after the previous match (regexp.allMatches).
    assert evaluate('regexall("x*", "abxd")') == ["", "", "x", ""]


def test_replace_with_a_pattern_expands_groups_as_go_does() -> None:
    assert evaluate('replace("hello world", "/w.*d/", "everybody")') == "hello everybody"
    words = hcl(r"/(\w+) (\w+)/")
    assert evaluate(f'replace("hello world", {words}, "$2 $1")') == "world hello"
    # ${1}x is group 1 then x; $1x names a group "1x", which is empty; $$ is $; a lone $ stays.
    assert evaluate('replace("ab", "/(a)(b)/", "$${1}x|$1x|$$|$")') == "ax||$|$"
    assert evaluate('replace("ab", "/(?P<first>a)/", "<$${first}>")') == "<a>b"
    # Empty matches: Go writes no replacement right after a match (regexp.ReplaceAllString).
    assert evaluate('replace("abxd", "/x*/", "-")') == "-a-b-d-"


def test_patterns_are_re2s_as_in_go_backreferences_and_lookarounds_are_errors() -> None:
    # Go's regexp (RE2 syntax) has neither; a backtracking engine would accept them. Linear time
    # on hostile patterns is measured in benchmarks/bench_patterns.py.
    backreference = hcl(r"(a)\1")
    with pytest.raises(ConfigError, match="invalid regexp pattern"):
        evaluate(f'regex({backreference}, "aa")')
    with pytest.raises(ConfigError, match="invalid regexp pattern"):
        evaluate('regex("a(?=b)", "ab")')
    assert evaluate(f'regexall("(a+)+$", "{"a" * 20000}b")') == []


def test_a_module_computes_a_role_from_a_regex(tmp_path: Path) -> None:
    text = """
    variable "admin_role_arn" { default = "arn:aws:iam::123456789012:role/team/Admin" }
    locals {
      parts = regex("^arn:aws:iam::(?P<account>\\\\d{12}):role/(?P<path>.*/)?(?P<name>[^/]+)$", var.admin_role_arn)
    }
    resource "aws_iam_role" "copy" {
      name               = "${local.parts.name}-copy"
      path               = "/${local.parts.path}"
      assume_role_policy = "{}"
    }
    """
    p = props(tmp_path, text, "aws_iam_role.copy")
    assert p["RoleName"] == "Admin-copy"
    assert p["Path"] == "/team/"


def test_a_variable_validation_with_regex_is_enforced(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        {
            "main.tf": """
            variable "stage" {
              default = "Prod!"
              validation {
                condition     = can(regex("^[a-z]+$", var.stage))
                error_message = "stage is lower-case letters"
              }
            }
            resource "aws_iam_role" "r" {
              name               = "app-${var.stage}"
              assume_role_policy = "{}"
            }
            """
        },
    )
    with pytest.raises(ConfigError, match="stage is lower-case letters"):
        read_terraform(tmp_path)


_TEXT = st.text("ab.*-$ x", max_size=12)
_SPECIAL = set(".+*?()|[]{}^$\\")


@settings(max_examples=200, deadline=None)
@given(_TEXT, st.text("ab.*-$ x", min_size=1, max_size=3), st.text("abz", max_size=3))
def test_a_pattern_of_escaped_text_replaces_as_the_text_does(
    text: str, search: str, replacement: str
) -> None:
    escaped = "".join("\\" + ch if ch in _SPECIAL else ch for ch in search)
    by_pattern = evaluate(f"replace({hcl(text)}, {hcl('/' + escaped + '/')}, {hcl(replacement)})")
    assert by_pattern == evaluate(f"replace({hcl(text)}, {hcl(search)}, {hcl(replacement)})")
    count = evaluate(f"length(regexall({hcl(escaped)}, {hcl(text)}))")
    assert count == text.count(search)
