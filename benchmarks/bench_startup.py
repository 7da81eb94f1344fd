"""Start-up: `rolesim simulate` with one line, against the interpreter starting and doing nothing.

Run: python benchmarks/bench_startup.py [--runs 10] [--rounds 1] [--against OTHER_CHECKOUT]
[--only TEXT]
Each command runs in a fresh process, `--runs` times; prints min and max wall time of each and the
ratio of the minima. With `--rounds R` it does so R times and ends with the spread of the rounds'
minima and the rounds that met the target (this machine's start-up varies by tens of
milliseconds between rounds, `python -c pass`'s included). With `--against`, each run is followed
by the same run in the other checkout (a `git worktree` of an older commit), and each row adds the
other's minimum and its ratio to this one's. With `--only TEXT`, only the rows whose name holds
TEXT run, beside python's and the target's (more runs of fewer rows, for a side-by-side).
Compiled bytecode is kept in a temporary directory, as an installed package keeps it (a first run
that compiles every module is not start-up).
Target: under 0.2 s for `simulate` (the pool file of the README, one claims file, JSON output).
The text rows write to /dev/null and to a pseudo-terminal (colours, the terminal's width); one row
reads the same pool written as JSON, as the AWS CLI prints it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from simulator.inputs import load_yaml

ROOT = Path(__file__).resolve().parent.parent
SIMULATE = ["simulate", "-c", "rules/pool.yaml", "--claims", "examples/claims/admin.json"]
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "rolesim --version": ["-m", "simulator", "--version"],
    "rolesim simulate (text)": ["-m", "simulator", *SIMULATE],
    "rolesim simulate (text, terminal)": ["-m", "simulator", *SIMULATE],
    "rolesim simulate -f json": ["-m", "simulator", *SIMULATE, "-f", "json"],
    "rolesim simulate -f json (JSON pool)": [
        "-m", "simulator", "simulate", "-c", "{json_pool}", "--claims",
        "examples/claims/admin.json", "-f", "json",
    ],
    "rolesim simulate --claims-file (1 line)": [
        "-m", "simulator", "simulate", "-c", "rules/pool.yaml", "--claims-file", "{corpus}",
        "-f", "json",
    ],
}  # fmt: skip


def times(
    args: list[str],
    runs: int,
    env: dict[str, str],
    terminal: bool = False,
    trees: tuple[Path, ...] = (ROOT,),
) -> list[list[float]]:
    """Wall times of `runs` runs in each of `trees` (interleaved: one run in each, in turn)."""
    out: list[list[float]] = [[] for _ in trees]
    for _ in range(runs):
        for tree, found in zip(trees, out, strict=True):
            with _stdout(terminal) as stdout:
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, *args],
                    cwd=tree,
                    env=env,
                    check=True,
                    stdout=stdout,
                    stderr=subprocess.DEVNULL,
                )
                found.append(time.perf_counter() - start)
    return out


@contextlib.contextmanager
def _stdout(terminal: bool) -> Iterator[int]:
    """/dev/null, or a pseudo-terminal 100 columns wide whose output a thread drains."""
    if not terminal:
        yield subprocess.DEVNULL
        return
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    drain = threading.Thread(target=_drain, args=(main,), daemon=True)
    drain.start()
    try:
        yield child
    finally:
        os.close(child)
        drain.join(5)
        os.close(main)


def _drain(fd: int) -> None:
    with contextlib.suppress(OSError):  # EIO once the terminal's other end is closed
        while os.read(fd, 65536):
            pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--against", type=Path, help="another checkout, run side by side (its time / this one's)"
    )
    parser.add_argument(
        "--only", help="only the rows whose name holds this text (and python's, the baseline)"
    )
    args = parser.parse_args()
    trees = (ROOT,) if args.against is None else (ROOT, args.against.resolve())
    bests: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        corpus = Path(tmp) / "one.jsonl"
        corpus.write_text(
            (ROOT / "examples" / "claims" / "admin.json").read_text().replace("\n", "") + "\n"
        )
        # The README's pool as the AWS CLI would print it (describe-identity-pool's JSON).
        json_pool = Path(tmp) / "pool.json"
        json_pool.write_text(json.dumps(load_yaml((ROOT / SIMULATE[2]).read_text(), "p"), indent=2))
        for _ in range(args.rounds):
            files = {"corpus": corpus, "json_pool": json_pool}
            bests.append(_round(args.runs, env, files, trees, args.only))
    if args.rounds > 1:
        met = sum(best < TARGET for best in bests)
        print(
            f"simulate start-up over {args.rounds} rounds: {min(bests):.3f}-{max(bests):.3f} s, "
            f"under {TARGET} s in {met} of {args.rounds}"
        )


TARGET = 0.2
_TARGETED = "rolesim simulate -f json"


def _round(
    runs: int,
    env: dict[str, str],
    files: dict[str, Path],
    trees: tuple[Path, ...],
    only: str | None = None,
) -> float:
    results = {}
    for name, command in COMMANDS.items():
        if only is not None and only not in name and name not in ("python -c pass", _TARGETED):
            continue
        argv = [a.format(**files) if a.startswith("{") else a for a in command]
        terminal = "terminal" in name
        times(argv, 1, env, terminal, trees)  # compile bytecode once
        results[name] = times(argv, runs, env, terminal, trees)
    base = min(results["python -c pass"][0])
    print(f"{runs} runs each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, (found, *other) in results.items():
        line = f"{name:42} {min(found):6.3f}-{max(found):6.3f} s  {min(found) / base:5.1f}x python"
        if other:
            line += f"  {trees[1].name}: {min(other[0]):6.3f} s, {min(other[0]) / min(found):4.2f}x"
        print(line)
    best = min(results[_TARGETED][0])
    verdict = "ok" if best < TARGET else "OVER TARGET"
    print(f"simulate start-up: {best:.3f} s (target < {TARGET} s) {verdict}")
    return best


if __name__ == "__main__":
    main()
