"""`diff OLD NEW --claims-file` over a generated user population: time, rate and peak memory.

Run: python benchmarks/bench_population.py [--users 1000000] [--jobs 2] [--no-memory]
Generates a corpus file like `rolesim pull --users` writes (one claims line per user), then, side
by side in one run:
  - baseline: read and json-parse every line (the floor of any replay);
  - decide twice: both pools' decisions per line, without the diff's bookkeeping;
  - diff: `diff_pools` with the corpus streamed from the file, as `rolesim diff` runs it, in one
    process and with `--jobs N` worker processes (the same report, checked);
and prints lines/s for each, the ratios, the users the change moves, and peak memory (Python
allocations by tracemalloc, in a second one-process diff run; and the peak RSS of the process and
of its largest worker).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench_simulate import CLIENT, DEPARTMENTS, GROUPS, USER_POOL, bench_pool_doc

from simulator.analysis.diff import diff_pools
from simulator.batch import parse_batch_line
from simulator.model import IdentityPool, pool_from_dict
from simulator.request import LoginRequest
from simulator.simulate import decide


def _pool(name: str, *, first_department: str) -> IdentityPool:
    doc = bench_pool_doc()
    rules = doc["RoleMappings"][f"{USER_POOL}:{CLIENT}"]["RulesConfiguration"]["Rules"]
    rules[0]["Value"] = first_department  # the change under review: the first rule's value
    return pool_from_dict(doc, name)


def write_corpus(path: Path, users: int, seed: int = 7) -> None:
    """Claims lines as `pull --users` writes them, streamed to disk."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(users):
            claims: dict[str, Any] = {
                "iss": f"https://{USER_POOL}",
                "aud": CLIENT,
                "token_use": "id",
                "sub": f"00000000-0000-0000-0000-{i:012d}",
                "cognito:username": f"user{i}",
                "custom:department": rnd.choice([*DEPARTMENTS, "unknown", "engineering"]),
                "email": f"user{i}@corp{rnd.randint(0, 30)}.example",
                "email_verified": True,
            }
            groups = rnd.sample(GROUPS, rnd.randint(0, 2))
            if groups:
                claims["cognito:groups"] = groups
            if rnd.random() < 0.5:
                claims["custom:level"] = f"L{rnd.randint(0, 30)}"
            out.write(json.dumps(claims, separators=(",", ":")) + "\n")


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        yield from handle


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--users", type=int, default=100_000, help="corpus size (1000000 for the issue's figure)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the second diff")
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the tracemalloc run (it is slow)"
    )
    args = parser.parse_args()
    # The change: rule 0 matches custom:department "engineering" instead of "eng".
    old = _pool("old.yaml", first_department="eng")
    new = _pool("new.yaml", first_department="engineering")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "users.jsonl"
        t_write, _ = timed(lambda: write_corpus(path, args.users))
        size = path.stat().st_size
        print(f"corpus: {args.users:,} users, {size / 1e6:,.1f} MB (written in {t_write:.1f} s); "
              "25-rule mapping, 3 principal tags")  # fmt: skip

        def baseline() -> int:
            return sum(1 for line in _lines(path) if json.loads(line))

        def decide_twice() -> int:
            base = LoginRequest.guest()
            changed = 0
            for line in _lines(path):
                request = parse_batch_line(line, base)
                changed += decide(old, request).outcome.key != decide(new, request).outcome.key
            return changed

        def diff(jobs: int = 1) -> Any:
            return diff_pools(old, new, corpus=_lines(path), jobs=jobs)

        t_base, n = timed(baseline)
        t_decide, changed = timed(decide_twice)
        t_diff, report = timed(diff)
        t_jobs, report_jobs = timed(lambda: diff(args.jobs))
        assert report_jobs.to_json() == report.to_json(), "--jobs changed the report"
        population = report.population
        print(f"baseline (read + json.loads): {n / t_base:,.0f} lines/s ({t_base:.1f} s)")
        print(
            f"decide twice (both pools, no bookkeeping): {n / t_decide:,.0f} lines/s ({t_decide:.1f} s)"
        )
        print(f"diff --claims-file (analysis + replay): {n / t_diff:,.0f} lines/s ({t_diff:.1f} s)")
        print(f"diff --claims-file --jobs {args.jobs}: {n / t_jobs:,.0f} lines/s ({t_jobs:.1f} s)")
        print(
            f"diff time / baseline: {t_diff / t_base:.2f}x; diff time / decide twice: {t_diff / t_decide:.2f}x; "
            f"--jobs {args.jobs} time / one process: {t_jobs / t_diff:.2f}x"
        )
        print(
            f"users moved: {population.changed:,} (decide twice: {changed:,}); {len(report.changes)} change(s)"
        )
        print(f"summary: {population.sentence()}")
        if not args.no_memory:
            tracemalloc.start()
            diff()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak Python allocations during diff (tracemalloc): {peak / 1e6:,.1f} MB "
                  f"({peak / n:,.0f} bytes per user)")  # fmt: skip
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
        print(f"peak RSS: {rss * scale / 1e6:,.1f} MB (this process), "
              f"{worker * scale / 1e6:,.1f} MB (the largest worker)")  # fmt: skip


if __name__ == "__main__":
    main()
