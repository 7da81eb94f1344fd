"""Gate throughput: exact diff of two 25-rule mappings, exact diff at the service maximum, and
full lint of a 10-provider pool.

Target: under one second each, the diff `complete: true`. Run: python benchmarks/bench_analysis.py
Each is run --repeat times; min-max of the times.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from typing import Any

from simulator.analysis.diff import diff_pools
from simulator.analysis.lint import lint_text
from simulator.model import pool_from_dict

ACCOUNT = "111122223333"
POOL_ID = "us-east-1:11111111-2222-3333-4444-555555555555"
CLAIMS = ("cognito:groups", "custom:department", "custom:team", "email", "custom:tier")
MATCH = ("Equals", "Contains", "StartsWith", "NotEqual")


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def rules(n: int, variant: int) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        # The new mapping renames a value and reorders two rules: a realistic edit.
        value = f"team-{i}" if not (variant and i == 7) else f"team-{i}-new"
        out.append({"Claim": CLAIMS[i % len(CLAIMS)], "MatchType": MATCH[(i // 5) % 4],
                    "Value": value, "RoleARN": role(f"R{i % 6}")})  # fmt: skip
    if variant:
        out[3], out[4] = out[4], out[3]
    return out


def user_pool(i: int) -> str:
    return f"cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool{i}"


def pool(n_providers: int, n_rules: int, variant: int = 0) -> dict[str, Any]:
    providers = [
        {"ProviderName": user_pool(i), "ClientId": f"client{i}"} for i in range(n_providers)
    ]
    return {
        "IdentityPoolId": POOL_ID,
        "AccountId": ACCOUNT,
        "AllowUnauthenticatedIdentities": True,
        "AllowClassicFlow": False,
        "CognitoIdentityProviders": providers,
        "Roles": {"authenticated": role("Auth"), "unauthenticated": role("Guest")},
        "RoleMappings": {
            f"{user_pool(i)}:client{i}": {
                "Type": "Rules",
                "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {"Rules": rules(n_rules, variant)},
            }
            for i in range(n_providers)
        },
        "PrincipalTagAttributeMaps": [
            {
                "IdentityProviderName": user_pool(i),
                "PrincipalTags": {"department": "custom:department"},
            }
            for i in range(n_providers)
        ],
    }


def timed(label: str, fn: Any, repeat: int) -> Any:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    verdict = "ok" if min(times) < 1.0 else "OVER TARGET"
    print(
        f"{label}: {min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms (target < 1000 ms) {verdict}"
    )
    return result


def one_value_changed(n_providers: int, n_rules: int) -> dict[str, Any]:
    """The service maximum with one rule value of the first mapping changed."""
    doc = pool(n_providers, n_rules, 0)
    changed = copy.deepcopy(doc)
    first = next(iter(changed["RoleMappings"].values()))
    first["RulesConfiguration"]["Rules"][7]["Value"] = "team-7-new"
    return changed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    old = pool_from_dict(pool(1, 25, 0), "old.yaml")
    new = pool_from_dict(pool(1, 25, 1), "new.yaml")
    report = timed("exact diff, two 25-rule mappings", lambda: diff_pools(old, new), args.repeat)
    print(f"  {report.regions_checked} regions, {len(report.changes)} change groups, "
          f"complete={report.complete}")  # fmt: skip
    big_old = pool_from_dict(pool(10, 25, 0), "old.yaml")
    big_new = pool_from_dict(one_value_changed(10, 25), "new.yaml")
    report = timed("exact diff, 10 mappings x 25 rules, one value changed",
                   lambda: diff_pools(big_old, big_new), args.repeat)  # fmt: skip
    print(f"  {report.regions_checked} regions, {len(report.changes)} change groups, "
          f"complete={report.complete}")  # fmt: skip
    text = json.dumps(pool(10, 25, 1))
    lint = timed(
        "full lint, 10 providers x 25 rules", lambda: lint_text(text, "pool.json"), args.repeat
    )
    print(f"  {len(lint.findings)} findings, complete={lint.complete}")


if __name__ == "__main__":
    main()
