"""Start-up: `rolesim simulate` with one line, against the interpreter starting and doing nothing.

Run: python benchmarks/bench_startup.py [--runs 10]
Each command runs in a fresh process, `--runs` times; prints min and max wall time of each and the
ratio of the minima. Compiled bytecode is kept in a temporary directory, as an installed package
keeps it (a first run that compiles every module is not start-up).
Target: under 0.2 s for `simulate` (the pool file of the README, one claims file, JSON output).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIMULATE = ["simulate", "-c", "rules/pool.yaml", "--claims", "examples/claims/admin.json"]
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "rolesim --version": ["-m", "simulator", "--version"],
    "rolesim simulate (text)": ["-m", "simulator", *SIMULATE],
    "rolesim simulate -f json": ["-m", "simulator", *SIMULATE, "-f", "json"],
    "rolesim simulate --claims-file (1 line)": [
        "-m", "simulator", "simulate", "-c", "rules/pool.yaml", "--claims-file", "{corpus}",
        "-f", "json",
    ],
}  # fmt: skip


def times(args: list[str], runs: int, env: dict[str, str]) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        corpus = Path(tmp) / "one.jsonl"
        corpus.write_text(
            (ROOT / "examples" / "claims" / "admin.json").read_text().replace("\n", "") + "\n"
        )
        results = {}
        for name, command in COMMANDS.items():
            argv = [a.replace("{corpus}", str(corpus)) for a in command]
            times(argv, 1, env)  # compile bytecode once
            results[name] = times(argv, args.runs, env)
    base = min(results["python -c pass"])
    print(f"{args.runs} runs each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, runs in results.items():
        print(f"{name:42} {min(runs):6.3f}-{max(runs):6.3f} s  {min(runs) / base:5.1f}x python")
    best = min(results["rolesim simulate -f json"])
    print(
        f"simulate start-up: {best:.3f} s (target < 0.2 s) {'ok' if best < 0.2 else 'OVER TARGET'}"
    )


if __name__ == "__main__":
    main()
