"""`policy eval` against PMapper's evaluator (principalmapper), in-process, on the same work.

Run: python benchmarks/bench_policy.py [--lines 5000] [--repeat 5]
Two rows, each timed side by side, best of --repeat runs, ratio of the rates:

1. the engine alone on prepared requests: rolesim's `evaluate` on parsed policies and built
   requests, against PMapper's evaluator (`local_check_authorization`, a role holding the same
   policy) on the same requests (target: at least 5x); and, for information, against PMapper's
   bare statement matcher (`policy_has_matching_statement`, Deny then Allow, its context built in
   advance), which decides less (no boundary, no inferred keys, no explanation);
2. a requests file of distinct requests, each line carrying its policy (one of 16 documents;
   and, for information, every line a document of its own):
   rolesim's plan (`policy eval --requests`, what the command runs per line: strict reading,
   parsing, evaluating, one JSON line out) against PMapper doing the same parse (json.loads, its
   Policy and Node), evaluate and serialise (json.dumps) per line (target: at least 2x).

PMapper is not a dependency: without it (`pip install principalmapper`) its rows are skipped.
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import copy
import json
import os
from typing import Any

from bench_iam import IDENTITY, best, requests

from simulator.assumptions import AssumptionSet
from simulator.iam import NamedPolicy, Request, evaluate, parse_policy
from simulator.policy_eval import PolicyInputs, PolicyPlan

# PMapper 1.1.5 imports Mapping from `collections`, which Python 3.10 removed: lend it the ABCs.
for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
try:
    from principalmapper.common import Node, Policy
    from principalmapper.querying.local_policy_simulation import policy_has_matching_statement
    from principalmapper.querying.query_interface import local_check_authorization
    from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict
except ImportError:  # not a dependency of rolesim
    local_check_authorization = None

ROLE = "arn:aws:iam::111122223333:role/Bench"


def pmapper_node(document: dict[str, Any]) -> Any:
    """A role holding the identity policy, as PMapper's evaluator takes a principal."""
    policy = Policy(ROLE, "identity", document)
    return Node(ROLE, "AROABENCH", [policy], [], {"Version": "2012-10-17", "Statement": []},
                None, 0, False, False, None, False, {})  # fmt: skip


def distinct_lines(n: int, documents: int) -> list[str]:
    """Request lines of distinct requests, each carrying its identity policy in the line: one of
    `documents` variants (another bucket each)."""
    out = []
    for i, (action, resource, context) in enumerate(requests(n)):
        bucket = f"app-bucket-{i % documents}"
        doc = copy.deepcopy(IDENTITY)
        doc["Statement"][0]["Resource"] = f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/team}}/*"
        target = resource.replace("app-bucket/", f"{bucket}/")
        line = {"policies": [doc], "action": action, "resource": target, "context": context}
        out.append(json.dumps(line))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    raw = requests(args.lines)
    prepared = [Request(a, r, c) for a, r, c in raw]
    identity = [NamedPolicy("identity", parse_policy(IDENTITY))]

    def engine() -> int:
        for request in prepared:
            evaluate(request, identity_policies=identity)
        return len(prepared)

    lines = [line.encode() for line in distinct_lines(args.lines, 16)]
    own = [line.encode() for line in distinct_lines(args.lines, args.lines)]

    def plan(corpus: list[bytes] = lines) -> int:
        work = PolicyPlan(PolicyInputs(), None, AssumptionSet())
        written = work.chunk(list(enumerate(corpus, start=1)))
        return len(written[0].text.splitlines())

    def plan_own() -> int:
        return plan(own)

    if local_check_authorization is None:
        print(f"engine, prepared requests: {best(engine, args.repeat):,.0f} decisions/s")
        print(f"requests file, distinct lines: {best(plan, args.repeat):,.0f} lines/s")
        print(f"  every policy text its own: {best(plan_own, args.repeat):,.0f} lines/s")
        print("PMapper is not installed (pip install principalmapper): its rows are skipped")
        return
    node = pmapper_node(IDENTITY)

    def pmapper_engine() -> int:
        for action, resource, context in raw:
            local_check_authorization(node, action, resource, context)
        return len(raw)

    contexts = [CaseInsensitiveDict(c) for _, _, c in raw]

    def pmapper_matcher() -> int:
        # Its statement matcher alone (Deny, then Allow), context prepared: less than it decides.
        for (action, resource, _), context in zip(raw, contexts, strict=True):
            if not policy_has_matching_statement(IDENTITY, "Deny", action, resource, context):
                policy_has_matching_statement(IDENTITY, "Allow", action, resource, context)
        return len(raw)

    def pmapper_lines(corpus: list[bytes] = lines) -> int:
        out = []
        for number, text in enumerate(corpus, start=1):
            data = json.loads(text)
            principal = pmapper_node(data["policies"][0])
            allowed = local_check_authorization(
                principal, data["action"], data["resource"], data.get("context") or {}
            )
            out.append(json.dumps({"line": number, "allowed": allowed}))
        return len(out)

    for label, ours, theirs, target in (
        ("engine alone, prepared requests", engine, pmapper_engine, 5.0),
        (
            "  the same against PMapper's bare statement matcher (no target)",
            engine,
            pmapper_matcher,
            0.0,
        ),
        (
            "requests file, distinct requests (parse + evaluate + serialise)",
            plan,
            pmapper_lines,
            2.0,
        ),
        (
            "  the same, every policy text its own (no target)",
            plan_own,
            lambda: pmapper_lines(own),
            0.0,
        ),
    ):
        rates = [(best(ours, 1), best(theirs, 1)) for _ in range(args.repeat)]
        ratios = [a / b for a, b in rates]
        ours_best = max(a for a, _ in rates)
        theirs_best = max(b for _, b in rates)
        print(f"{label}: rolesim {ours_best:,.0f}/s, PMapper {theirs_best:,.0f}/s; "
              f"ratio {min(ratios):.1f}-{max(ratios):.1f}x"
              + (f" (target >= {target:.0f}x)" if target else ""))  # fmt: skip


if __name__ == "__main__":
    main()
