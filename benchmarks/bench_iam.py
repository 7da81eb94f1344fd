"""Throughput of IAM policy evaluation (simulator.iam.evaluate) on generated requests.

Run: python benchmarks/bench_iam.py [--requests 10000] [--repeat 5]
Policies: an identity policy of three statements with conditions and policy variables, evaluated
alone and again under a two-policy session scope-down. Prints decisions/s for requests built in
advance, for requests built inside the timed loop, and for a baseline that parses the policy for every
request (what evaluation costs without precompiled matchers); then the ratio. Best of --repeat runs.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

from simulator.iam import NamedPolicy, Request, evaluate, parse_policy

ACCOUNT = "111122223333"
TEAMS = ["red", "blue", "green", "gold", "teal", "plum", "sand", "jade"]
ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "sqs:SendMessage",
]

IDENTITY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OwnTeamPrefix",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::app-bucket/${aws:PrincipalTag/team}/*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/env": ["prod", "staging"]}},
        },
        {
            "Sid": "OwnItems",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Items",
            "Condition": {
                "ForAllValues:StringEquals": {
                    "dynamodb:LeadingKeys": "${cognito-identity.amazonaws.com:sub}"
                }
            },
        },
        {
            "Sid": "TeamGuard",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        },
    ],
}
SESSION: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "dynamodb:*"], "Resource": "*"}],
}


def requests(n: int, seed: int = 11) -> list[tuple[str, str, dict[str, str | list[str]]]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        action = rnd.choice(ACTIONS)
        team = rnd.choice(TEAMS)
        sub = f"us-east-1:{i % 500:08d}-0000-0000-0000-000000000000"
        if action.startswith("s3:"):
            owner = team if rnd.random() < 0.7 else rnd.choice(TEAMS)
            resource = f"arn:aws:s3:::app-bucket/{owner}/file-{rnd.randint(0, 999)}.txt"
        elif action.startswith("dynamodb:"):
            resource = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Items"
        else:
            resource = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
        context: dict[str, str | list[str]] = {
            "aws:PrincipalTag/env": rnd.choice(["prod", "staging", "dev"]),
            "cognito-identity.amazonaws.com:sub": sub,
        }
        if rnd.random() < 0.9:
            context["aws:PrincipalTag/team"] = team
        if rnd.random() < 0.8:
            context["aws:ResourceTag/team"] = team if rnd.random() < 0.8 else rnd.choice(TEAMS)
        if action.startswith("dynamodb:"):
            context["dynamodb:LeadingKeys"] = [sub] if rnd.random() < 0.8 else [sub, "someone-else"]
        out.append((action, resource, context))
    return out


def best(fn: Callable[[], int], repeat: int) -> float:
    """Best decisions/s over `repeat` runs."""
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        n = fn()
        rates.append(n / (time.perf_counter() - start))
    return max(rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    raw = requests(args.requests)
    prepared = [Request(a, r, c) for a, r, c in raw]
    identity = [NamedPolicy("identity", parse_policy(IDENTITY))]
    session = [NamedPolicy("session", parse_policy(SESSION, kind="session"))]

    def core() -> int:
        for request in prepared:
            evaluate(request, identity_policies=identity)
        return len(prepared)

    def scoped() -> int:
        for request in prepared:
            evaluate(request, identity_policies=identity, session_policies=session)
        return len(prepared)

    def end_to_end() -> int:
        for action, resource, context in raw:
            evaluate(Request(action, resource, context), identity_policies=identity)
        return len(raw)

    def baseline() -> int:
        for request in prepared:
            fresh = [NamedPolicy("identity", parse_policy(IDENTITY, check_actions=False))]
            evaluate(request, identity_policies=fresh)
        return len(prepared)

    decisions: dict[str, int] = {}
    for request in prepared:
        outcome = evaluate(request, identity_policies=identity).decision
        decisions[outcome] = decisions.get(outcome, 0) + 1
    core_rate = best(core, args.repeat)
    scoped_rate = best(scoped, args.repeat)
    e2e_rate = best(end_to_end, args.repeat)
    base_rate = best(baseline, max(1, args.repeat // 2))
    print(
        f"requests: {len(prepared)} ({', '.join(f'{k} {v}' for k, v in sorted(decisions.items()))})"
    )
    print("policy: 3 statements, conditions and variables")
    print(f"evaluate, prepared requests: {core_rate:,.0f} decisions/s")
    print(f"evaluate with a session policy: {scoped_rate:,.0f} decisions/s")
    print(f"Request built + evaluate: {e2e_rate:,.0f} decisions/s")
    print(f"baseline (policy parsed per request): {base_rate:,.0f} decisions/s")
    print(f"precompiled / baseline: {core_rate / base_rate:.1f}x")


if __name__ == "__main__":
    main()
