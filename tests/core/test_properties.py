"""Properties of the engine and the loader over generated pools and claims."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace
from ruamel.yaml import YAML

from simulator.errors import ConfigError
from simulator.model import IdentityPool, limits, pool_from_dict
from simulator.model.document import parse_text
from simulator.model.load import pool_from_document
from simulator.model.pool import MappingRule
from tests.core.builders import AUTH, GUEST, decide, pool_doc, role, token

CLAIMS = ["custom:dept", "cognito:groups", "email_verified", "custom:level", "locale", "sub"]
ROLES = [role(n) for n in ("Admin", "Dev", "Sales", "Ops")]
WORDS = st.sampled_from(
    ["a", "ab", "abc", "A", "Ab", "b", "ba", "eng", "Eng", "sales", "1", "true"]
)
KNOWN_CODES = {
    "NotAuthorizedException",
    "InvalidIdentityPoolConfigurationException",
    "InvalidParameterException",
}

rules_st = st.lists(
    st.fixed_dictionaries(
        {
            "Claim": st.sampled_from(CLAIMS),
            "MatchType": st.sampled_from(limits.MATCH_TYPES),
            "Value": WORDS,
            "RoleARN": st.sampled_from(ROLES),
        }
    ),
    min_size=1,
    max_size=8,
)
ODD = st.sampled_from(["a|b", "x" * 257, "aws:x", "tab\there", ""])
claim_value = st.one_of(WORDS, ODD, st.lists(WORDS, max_size=3), st.booleans(), st.integers(-2, 2))
claims_st = st.dictionaries(
    st.sampled_from([*CLAIMS[:-1], "cognito:roles", "cognito:preferred_role"]),
    claim_value,
    max_size=5,
)


@st.composite
def pools(draw: st.DrawFn, kinds: tuple[str, ...] = ("Rules", "Token", "none")) -> IdentityPool:
    kind = draw(st.sampled_from(kinds))
    tags = draw(
        st.none()
        | st.dictionaries(
            st.sampled_from(["d", "g", "v", "lvl"]), st.sampled_from(CLAIMS), max_size=3
        )
    )
    doc = pool_doc(
        rules=draw(rules_st) if kind == "Rules" else None,
        mapping_type="Token" if kind == "Token" else "Rules",
        ambiguous=draw(st.sampled_from(limits.AMBIGUOUS_RESOLUTIONS)),
        tags=tags,
        use_defaults=draw(st.booleans()) if tags is not None else False,
        roles=draw(
            st.sampled_from(
                [{"authenticated": AUTH, "unauthenticated": GUEST}, {"authenticated": AUTH}, {}]
            )
        ),
        allow_guests=draw(st.booleans()),
        classic=draw(st.sampled_from([True, False, None])),
    )
    return pool_from_dict(doc)


@st.composite
def logins(draw: st.DrawFn) -> dict[str, Any]:
    claims = draw(claims_st)
    if "cognito:roles" in claims:
        claims["cognito:roles"] = draw(st.lists(st.sampled_from(ROLES), max_size=3))
    if "cognito:preferred_role" in claims:
        claims["cognito:preferred_role"] = draw(st.sampled_from(ROLES))
    return token(**claims)


@given(pools(), logins())
def test_every_decision_is_a_configured_role_or_a_known_service_error(
    pool: IdentityPool, claims: dict[str, Any]
) -> None:
    d = decide(pool, claims)
    token_roles = set(ROLES)  # a Token mapping may hand out any role the token carries
    if d.role_arn is not None:
        assert d.role_arn in set(pool.role_arns()) | token_roles
        assert d.error is None
    else:
        assert d.error is not None
        assert d.error.code in KNOWN_CODES


@given(
    pools(kinds=("Rules",)),
    logins(),
    st.sampled_from(["Equals", "Contains", "StartsWith", "NotEqual"]),
    st.integers(0, 8),
)
def test_a_rule_on_a_claim_no_token_carries_never_changes_a_decision(
    pool: IdentityPool, claims: dict[str, Any], match: str, position: int
) -> None:
    mapping = pool.role_mappings[0]
    dead = MappingRule("custom:never-present", match, "x", ROLES[0])  # type: ignore[arg-type]
    rules = list(mapping.rules)
    rules.insert(min(position, len(rules)), dead)
    changed = replace(pool, role_mappings=(replace(mapping, rules=tuple(rules)),))
    before = decide(pool, claims)
    after = decide(changed, claims)
    assert before.outcome.key == after.outcome.key


@given(pools(), logins(), claim_value)
def test_a_claim_nothing_reads_never_changes_a_decision(
    pool: IdentityPool, claims: dict[str, Any], value: Any
) -> None:
    before = decide(pool, claims)
    after = decide(pool, {**claims, "x-unread-claim": value})
    assert before.outcome.key == after.outcome.key
    assert [u.assumption for u in before.uncertain] == [u.assumption for u in after.uncertain]


@given(
    st.dictionaries(
        st.sampled_from(["d", "g", "v", "Team"]), st.sampled_from(CLAIMS), min_size=1, max_size=4
    ),
    st.booleans(),
    st.dictionaries(st.sampled_from(CLAIMS), claim_value, max_size=6),
    st.sampled_from(["fail", "drop"]),
)
def test_session_tags_always_satisfy_sts_limits_or_the_result_is_an_error(
    tags: dict[str, str], defaults: bool, claims: dict[str, Any], charset: str
) -> None:
    pool = pool_from_dict(
        pool_doc(tags=tags, use_defaults=defaults, Assumptions={"tag-value-charset": charset})
    )
    d = decide(pool, token(**claims))
    assert d.role_arn is not None or d.error is not None
    for k, v in d.principal_tags.items():
        assert limits.tag_text_problem(k, limit=limits.SESSION_TAG_KEY_MAX) is None
        assert limits.tag_text_problem(v, limit=limits.SESSION_TAG_VALUE_MAX) is None
    assert len(d.principal_tags) <= limits.MAX_SESSION_TAGS


@given(pools(), logins())
def test_each_reported_uncertainty_is_what_the_alternative_assumption_decides(
    pool: IdentityPool, claims: dict[str, Any]
) -> None:
    d = decide(pool, claims)
    for u in d.uncertain:
        flipped = replace(pool, assumptions=pool.assumptions.flipped(u.assumption))
        other = decide(flipped, claims)
        assert other.outcome.key == u.alternative_outcome.key
        assert other.outcome.key != d.outcome.key


@given(pools(), logins())
def test_the_same_login_always_gets_the_same_decision(
    pool: IdentityPool, claims: dict[str, Any]
) -> None:
    assert decide(pool, claims) == decide(pool, claims)


# Loader: any document either loads or raises ConfigError with a path, never anything else.
_keys = st.sampled_from(
    ["IdentityPoolId", "Roles", "RoleMappings", "RulesConfiguration", "Rules", "Claim", "MatchType", "Value",
     "RoleARN", "Type", "AmbiguousRoleResolution", "PrincipalTagAttributeMaps", "PrincipalTags",
     "IdentityProviderName", "CognitoIdentityProviders", "ProviderName", "ClientId", "UserPools", "Groups",
     "Precedence", "Assumptions", "authenticated", "x"]
)  # fmt: skip
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | WORDS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(_keys, _json, max_size=6))
def test_any_generated_document_loads_or_fails_with_a_path(doc: dict[str, Any]) -> None:
    base = pool_doc()
    try:
        pool_from_dict({**base, **doc}, "gen.yaml")
    except ConfigError as err:
        assert err.file == "gen.yaml"
        assert str(err).startswith("gen.yaml")


@given(st.text(max_size=200))
def test_any_text_parses_or_fails_with_a_config_error(text: str) -> None:
    try:
        doc = parse_text(text, "gen.yaml")
        pool_from_document(doc)
    except ConfigError as err:
        assert err.file == "gen.yaml"


@given(st.dictionaries(_keys, _json, max_size=6))
def test_json_and_yaml_spellings_of_a_document_agree(doc: dict[str, Any]) -> None:
    full = {**pool_doc(), **doc}
    yaml_text, yaml = io.StringIO(), YAML(typ="safe")
    yaml.sort_base_mapping_type_on_output = False  # keep the keys in order, as json.dumps does
    yaml.dump(full, yaml_text)
    outcomes = []
    for text in (json.dumps(full), yaml_text.getvalue()):
        try:
            outcomes.append(repr(pool_from_document(parse_text(text, "f"))))
        except ConfigError as err:
            outcomes.append(str(err.message))
    assert outcomes[0] == outcomes[1]


@given(
    rules_st,
    st.lists(claims_st, min_size=1, max_size=6),
    st.lists(
        st.frozensets(
            st.sampled_from(["array-claim-match", "case-sensitive-match", "scalar-claim-text"])
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_the_indexed_matcher_agrees_with_the_reference_predicates(
    rules: list[dict[str, str]], logins: list[dict[str, Any]], choices: list[frozenset[str]]
) -> None:
    from simulator.assumptions import AssumptionSet, Consult
    from simulator.semantics.compiled import CompiledRules
    from simulator.semantics.rules import evaluate_rule

    mapping = [MappingRule(r["Claim"], r["MatchType"], r["Value"], r["RoleARN"]) for r in rules]  # type: ignore[arg-type]
    compiled = CompiledRules(
        mapping
    )  # one instance for every query: its memo must not leak verdicts
    for alternatives in choices:
        assumptions = AssumptionSet(alternatives)
        for claims in logins + logins:
            reference = next(
                (
                    i
                    for i, r in enumerate(mapping)
                    if evaluate_rule(r, claims, Consult(assumptions)) == "match"
                ),
                None,
            )
            assert compiled.first_match(claims, Consult(assumptions, set())) == reference


@given(pools(), logins(), st.none() | st.sampled_from(ROLES))
def test_the_fast_batch_path_decides_exactly_as_the_explained_path(
    pool: IdentityPool, claims: dict[str, Any], custom: str | None
) -> None:
    explained = decide(pool, claims, explain=True, custom_role_arn=custom)
    fast = decide(pool, claims, explain=False, custom_role_arn=custom)
    assert fast.outcome == explained.outcome
    assert fast.uncertain == explained.uncertain
    assert fast.trace == ()


def test_a_claim_that_never_repeats_stops_being_remembered_and_still_decides_the_same() -> None:
    from simulator.assumptions import AssumptionSet, Consult
    from simulator.semantics.compiled import CompiledRules
    from simulator.semantics.rules import evaluate_rule

    mapping = [
        MappingRule("email", "StartsWith", "admin", ROLES[0]),
        MappingRule("email", "Contains", "@ops.", ROLES[1]),
        MappingRule("email", "NotEqual", "nobody@x", ROLES[2]),
        MappingRule("custom:dept", "Equals", "eng", ROLES[3]),
    ]
    compiled = CompiledRules(mapping)
    assumptions = AssumptionSet()
    for i in range(5000):
        claims = {
            "email": f"{['admin', 'user', 'nobody'][i % 3]}{i}@{['ops', 'dev'][i % 2]}.example",
            "custom:dept": "eng",
        }
        if i % 7 == 0:
            claims["email"] = "nobody@x"
        reference = next(
            (
                j
                for j, r in enumerate(mapping)
                if evaluate_rule(r, claims, Consult(assumptions)) == "match"
            ),
            None,
        )
        assert compiled.first_match(claims, Consult(assumptions, set())) == reference
    assert compiled.by_claim["email"].memo_off
    assert not compiled.by_claim["custom:dept"].memo_off


@given(
    st.text(max_size=300)
    | st.sampled_from(["aws:x", "AWS:y", "Aws:", "a|b", "x" * 256, "x" * 257, "ok value"])
)
def test_the_plain_tag_shortcut_only_passes_values_sts_accepts(value: str) -> None:
    # The batch path's single regex must never accept what the full STS check refuses.
    if limits.PLAIN_TAG_VALUE.fullmatch(value):
        assert limits.tag_text_problem(value, limit=limits.SESSION_TAG_VALUE_MAX) is None


@st.composite
def tagged_pools(draw: st.DrawFn) -> IdentityPool:
    """Rules mappings whose tags read claims every token carries (sub) or may carry."""
    tags = {"v": "sub", "d": draw(st.sampled_from(CLAIMS))}
    ambiguous = draw(st.sampled_from(limits.AMBIGUOUS_RESOLUTIONS))
    return pool_from_dict(pool_doc(rules=draw(rules_st), tags=tags, ambiguous=ambiguous))


@given(pools() | tagged_pools(), logins())
def test_the_quick_answer_is_the_pool_answer_whenever_it_gives_one(
    pool: IdentityPool, claims: dict[str, Any]
) -> None:
    from simulator.claims import login_for, provider_from_claims
    from simulator.request import PLAIN_CLAIMS, LoginRequest
    from simulator.resolve import pool_answer, quick_answer

    provider = provider_from_claims(claims, pool)
    assert provider is not None
    quick = quick_answer(pool, provider, claims)
    answer = pool_answer(pool, login_for(claims, PLAIN_CLAIMS, pool), LoginRequest(claims))
    if quick is not None:
        assert quick == (answer.outcome, answer.role_mapping_key)
        assert answer.uncertain == ()
        assert answer.notes == ()


@st.composite
def corpus_lines(draw: st.DrawFn) -> str:
    """A corpus line of any kind `simulate --claims-file` reads, good or bad."""
    claims = draw(logins())
    if draw(st.booleans()):
        # 1 and True hash alike: the plan's memo of `exp` must tell them apart (True is refused).
        claims["exp"] = draw(
            st.sampled_from([0, 1, True, 1_000_000_000, 1_893_456_000, 2.5e9, "soon"])
        )
    if draw(st.booleans()):
        claims["token_use"] = draw(st.sampled_from(["id", "access"]))
    if draw(st.integers(0, 9)) == 0:
        claims.pop("iss", None)
    kind = draw(st.sampled_from(["claims"] * 6 + ["wrapped", "guest", "text", "bad"]))
    if kind == "wrapped":
        extra = draw(st.sampled_from([{}, {"custom_role_arn": ROLES[0]}, {"identity_id": "x:y"},
                                      {"provider": 5}, {"other": 1}]))  # fmt: skip
        return json.dumps({"claims": claims, **extra})
    if kind == "guest":
        return json.dumps(
            draw(
                st.sampled_from(
                    [{"claims": None, "unauthenticated": True}, {"unauthenticated": True}]
                )
            )
        )
    if kind == "text":
        return draw(st.sampled_from(['"not.a.jwt"', "abc", "[1, 2]", "42", " \t{}"]))
    if kind == "bad":
        return draw(st.sampled_from(['{"a": NaN}', '{"a": 1', "\ufeff{}", '{"a": "\\ud800"}']))
    return json.dumps(claims, ensure_ascii=draw(st.booleans()))


@given(pools() | tagged_pools(), st.lists(corpus_lines(), min_size=1, max_size=8), st.booleans())
def test_the_batch_plan_writes_exactly_what_the_explained_pipeline_writes(
    pool: IdentityPool, lines: list[str], as_bytes: bool
) -> None:
    from datetime import UTC, datetime

    from simulator.batch import outcome_label, simulate_json, simulate_lines
    from simulator.request import LoginRequest

    now = datetime(2030, 6, 1, tzinfo=UTC)
    given_lines = [line.encode() if as_bytes else line for line in lines]
    base = LoginRequest.guest()
    reference = list(simulate_lines(pool, given_lines, base, now=now))
    planned = list(simulate_json(pool, given_lines, base, now=now))
    assert "".join(w.text for w in planned) == "".join(b.to_json_line() for b in reference)
    assert [p for w in planned for p in w.problems] == [
        (b.line, b.problem) for b in reference if b.problem is not None
    ]
    # The run's summary counts the same outcomes.
    counts = Counter[str]()
    for w in planned:
        counts.update(dict(w.counts))
    assert counts == Counter(outcome_label(b.result) for b in reference if b.result is not None)


@settings(max_examples=15)
@given(pools() | tagged_pools(), st.lists(corpus_lines(), min_size=1, max_size=40))
def test_two_jobs_write_the_same_bytes_as_one(pool: IdentityPool, lines: list[str]) -> None:
    from datetime import UTC, datetime

    from simulator.batch import simulate_json
    from simulator.request import LoginRequest

    now = datetime(2030, 6, 1, tzinfo=UTC)
    base = LoginRequest.guest()
    one = list(simulate_json(pool, lines, base, now=now))
    two = list(simulate_json(pool, lines, base, now=now, jobs=2, chunk=3))
    assert "".join(w.text for w in two) == "".join(w.text for w in one)
    assert [p for w in two for p in w.problems] == [p for w in one for p in w.problems]


@given(rules_st, st.data())
def test_the_fast_path_finds_the_custom_role_arn_s_matching_rule_as_the_loop_does(
    rules: list[dict[str, str]], data: st.DataObject
) -> None:
    # Claims written from the rules' own values, so that several rules match at once.
    chosen = data.draw(st.lists(st.sampled_from(rules), min_size=1, max_size=4))
    claims = token(**{r["Claim"].replace(":", "__"): r["Value"] for r in chosen})
    pool = pool_from_dict(
        pool_doc(rules=rules, ambiguous=data.draw(st.sampled_from(limits.AMBIGUOUS_RESOLUTIONS)))
    )
    custom = data.draw(st.sampled_from(ROLES))
    explained = decide(pool, claims, explain=True, custom_role_arn=custom)
    fast = decide(pool, claims, explain=False, custom_role_arn=custom)
    assert fast.outcome == explained.outcome
    assert fast.uncertain == explained.uncertain


def _echo(tag: str) -> Any:
    """A work function for the parallel map: each numbered line as text (module level, so that a
    worker process can be given it)."""
    return lambda part: [f"{tag}{n}:{text!r}" for n, text in part]


@settings(max_examples=25)
@given(
    st.lists(st.sampled_from(["{}", "", " ", "\t", "a", " b "]), max_size=12),
    st.integers(1, 5),
    st.sampled_from([1, 2]),
)
def test_the_lines_are_numbered_where_they_are_mapped_as_numbered_numbers_them(
    lines: list[str], chunk: int, jobs: int
) -> None:
    """`ordered_lines` cuts the lines into slices and numbers each where it is mapped: the same
    numbers, blank lines skipped, as `numbered` over the whole input, in order, for any chunk size
    and number of processes."""
    from simulator.parallel import numbered, ordered_lines

    expected = _echo("x")(list(numbered(lines)))
    assert list(ordered_lines(_echo, ("x",), lines, jobs=jobs, chunk=chunk)) == expected
    as_bytes = [line.encode() for line in lines]
    assert list(ordered_lines(_echo, ("x",), as_bytes, chunk=chunk)) == _echo("x")(
        list(numbered(as_bytes))
    )
