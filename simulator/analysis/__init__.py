"""The CI gate: claims-space regions with witnesses, diff, invariants, and the lint catalogue.

Library twins of `rolesim diff`, `rolesim check` and `rolesim lint`; every witness they report is
re-run through the ordinary engine (`simulator.resolve.resolve`).
"""

from simulator.analysis.diff import AcceptList, Change, DiffReport, diff_pools, load_accept
from simulator.analysis.explorer import explore
from simulator.analysis.findings import CATALOGUE, Check, Finding, Severity, load_ignore
from simulator.analysis.invariants import (
    CheckReport,
    Invariant,
    SearchSettings,
    check_pool,
    load_invariants,
)
from simulator.analysis.lint import LintReport, lint_document, lint_file, lint_text
from simulator.analysis.reachability import analyze
from simulator.analysis.regions import PoolAnalysis, ProviderAnalysis, Region

__all__ = [
    "CATALOGUE",
    "AcceptList",
    "Change",
    "Check",
    "CheckReport",
    "DiffReport",
    "Finding",
    "Invariant",
    "LintReport",
    "PoolAnalysis",
    "ProviderAnalysis",
    "Region",
    "SearchSettings",
    "Severity",
    "analyze",
    "check_pool",
    "diff_pools",
    "explore",
    "lint_document",
    "lint_file",
    "lint_text",
    "load_accept",
    "load_ignore",
    "load_invariants",
]
