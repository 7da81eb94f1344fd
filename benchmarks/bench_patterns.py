"""Pathological patterns: the former backtracking regexes against the current matchers, side by side.

Run: python benchmarks/bench_patterns.py [--timeout 10]
Each row times one hostile input twice: with the regex the engine used before (rebuilt here as the
baseline; for Terraform's regex functions, Python's backtracking re) and with the current code. A baseline still running after --timeout seconds is stopped
and shown as "> N s"; growth along each series shows why it would not finish.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

from simulator.iam import NamedPolicy, Request, evaluate, parse_policy, patterns
from simulator.importers import hcl_regex
from simulator.model.providers import ROLE_ARN

# --- the former patterns, as they were ------------------------------------------------------------

OLD_ROLE_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?P<path>(?:[!-~]+/)*)(?P<name>[\w+=,.@-]+)"
)
OLD_DEFAULT = re.compile(r"^\s*([^,]*?)\s*,\s*'((?:[^']|'')*)'\s*$")


def old_glob(pattern: str, *, arn_segments: bool) -> re.Pattern[str]:
    """The former Resource/Action/StringLike translation: '*' to '.*' (or '[^:]*' inside a segment)."""
    out = []
    for i, char in enumerate(pattern):
        if char == "*":
            following = pattern[i + 1] if i + 1 < len(pattern) else None
            out.append(".*" if not arn_segments or following in (":", None) else "[^:]*")
        elif char == "?":
            out.append("[^:]" if arn_segments else ".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def old_arn_like(pattern: str) -> re.Pattern[str]:
    """The former ArnLike translation: wildcards stay in their component before the sixth."""
    out, colons = [], 0
    for char in pattern:
        if char == ":":
            colons += 1
            out.append(":")
        elif char == "*":
            out.append(".*" if colons >= 5 else "[^:]*")
        elif char == "?":
            out.append("." if colons >= 5 else "[^:]")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


# --- the current code -----------------------------------------------------------------------------


def engine(
    action: str, resource: str, statement: dict[str, object], context: dict[str, str]
) -> Callable[[], object]:
    """One evaluation, with the policy parsed and the request built beforehand (not timed)."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    named = NamedPolicy("p", parse_policy(document, check_actions=False))
    request = Request(action, resource, context)
    return lambda: evaluate(request, identity_policies=[named]).decision


def runs(k: int) -> str:
    return "*a" * k + "*b"


TEXT = "a" * 40


def cases() -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    out: list[tuple[str, Callable[[], object], Callable[[], object]]] = []
    for segments in (16, 20, 24, 40):
        arn = "arn:aws:iam::111122223333:role/" + "a/" * segments + "!"
        out.append(
            (
                f"role ARN, {len(arn)} chars ({segments} path segments)",
                lambda arn=arn: OLD_ROLE_ARN.fullmatch(arn),
                lambda arn=arn: ROLE_ARN.fullmatch(arn),
            )
        )
    for k in (4, 6, 8, 30):
        pattern = runs(k)
        out += [
            (
                f"Action s3:{pattern[:10]}... ({k + 1} runs) vs 40 chars",
                lambda p=pattern: old_glob(f"s3:{p}", arn_segments=False).fullmatch(f"s3:{TEXT}"),
                engine(f"s3:{TEXT}", "*", {"Action": f"s3:{pattern}", "Resource": "*"}, {}),
            ),
            (
                f"Resource arn:aws:s3:::{pattern[:6]}... ({k + 1} runs) vs 40 chars",
                lambda p=pattern: old_glob(f"arn:aws:s3:::{p}", arn_segments=True).fullmatch(
                    f"arn:aws:s3:::{TEXT}"
                ),
                engine(
                    "s3:GetObject",
                    f"arn:aws:s3:::{TEXT}",
                    {"Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{pattern}"},
                    {},
                ),
            ),
            (
                f"StringLike {pattern[:6]}... ({k + 1} runs) vs 40 chars",
                lambda p=pattern: old_glob(p, arn_segments=False).fullmatch(TEXT),
                engine(
                    "s3:GetObject",
                    "*",
                    {
                        "Action": "s3:GetObject",
                        "Resource": "*",
                        "Condition": {"StringLike": {"s3:prefix": pattern}},
                    },
                    {"s3:prefix": TEXT},
                ),
            ),
            (
                f"ArnLike arn:aws:s3:::{pattern[:6]}... ({k + 1} runs) vs 40 chars",
                lambda p=pattern: old_arn_like(f"arn:aws:s3:::{p}").fullmatch(
                    f"arn:aws:s3:::{TEXT}"
                ),
                engine(
                    "s3:GetObject",
                    "*",
                    {
                        "Action": "s3:GetObject",
                        "Resource": "*",
                        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{pattern}"}},
                    },
                    {"aws:SourceArn": f"arn:aws:s3:::{TEXT}"},
                ),
            ),
        ]
    for length in (20, 24, 28, 20000):
        # Terraform's regexall() on a pattern that backtracks: Python's re against RE2 (hcl_regex).
        text = "a" * length + "b"
        out.append(
            (
                f"Terraform regexall (a+)+$ vs {length} a's and b",
                lambda text=text: re.findall(r"(a+)+$", text),
                lambda text=text: hcl_regex.regexall(r"(a+)+$", text),
            )
        )
    for spaces in (500, 1000, 3000):
        body = " " * spaces + "x"
        out.append(
            (
                f"variable ${{ + {spaces} spaces + x}}",
                lambda body=body: OLD_DEFAULT.match(body),
                lambda body=body: patterns.parse_template("${" + body + "}", variables=True),
            )
        )
    return out


def _child(fn: Callable[[], object], conn: Connection) -> None:
    start = time.perf_counter()
    fn()
    conn.send(time.perf_counter() - start)


def timed(fn: Callable[[], object], timeout: float) -> float | None:
    """Seconds `fn` takes in a fresh process, or None when it is still running after `timeout`."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_child, args=(fn, sender))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.terminate()
        process.join()
        return None
    return receiver.recv() if receiver.poll() else None


def shown(seconds: float | None, timeout: float) -> str:
    if seconds is None:
        return f"> {timeout:g} s"
    return f"{seconds * 1000:.3f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    table = cases()
    for _, _, new in table:
        new()  # warm-up: the action catalogue loads on first use
    print(f"{'input':<58} {'former regex':>14} {'current':>12}")
    for name, old, new in table:
        before = timed(old, args.timeout)
        start = time.perf_counter()
        new()
        after = time.perf_counter() - start
        print(f"{name:<58} {shown(before, args.timeout):>14} {shown(after, args.timeout):>12}")


if __name__ == "__main__":
    main()
