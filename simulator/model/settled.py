"""settled.yaml: what `rolesim probe` saw AWS do, per named assumption, and how it is read back.

The file has three sections. `assumptions` holds the settled ones: the choice observed, where and
when, and the evidence (each call made and what AWS answered; never a secret). `inconclusive` holds
experiments whose answer matched neither choice, or could not be read; they settle nothing.
`not_probed` says why the others cannot be probed. Each `assumptions` entry is also accepted, as it
is, under a pool file's `Assumptions:` (the pool loader calls `observed_setting`), so a team can paste
the results into the pool file instead of passing `--assume-from`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

import msgspec
from ruamel.yaml import YAML

from simulator.assumptions import REGISTRY, Name, Observation, Setting
from simulator.errors import ConfigError
from simulator.model.document import Document, read_file
from simulator.node import Node

FORMAT = "rolesim-settled/1"
RUN_ID = re.compile(r"[0-9a-f]{8}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_ENTRY_KEYS = ("observed", "region", "date", "run_id", "evidence")
_INCONCLUSIVE_KEYS = ("region", "date", "run_id", "reason", "evidence")
_EVIDENCE_KEYS = ("call", "request", "answer")
_MAX_TEXT = 2_000  # an evidence line is a sentence; anything longer is not from a probe


class Evidence(msgspec.Struct, frozen=True):
    """One call of an experiment and what AWS answered (names and codes, never a secret)."""

    call: str
    request: str
    answer: str

    def to_json(self) -> dict[str, str]:
        return {"call": self.call, "request": self.request, "answer": self.answer}


class Settled(msgspec.Struct, frozen=True):
    """One assumption settled by observation."""

    name: Name
    choice: str  # the label of the choice AWS took
    observation: Observation
    evidence: tuple[Evidence, ...] = ()

    def setting(self) -> Setting:
        return Setting(str(self.name), self.choice, self.observation)

    def to_json(self) -> dict[str, Any]:
        return {
            "observed": self.choice,
            **self.observation.to_json(),
            "evidence": [e.to_json() for e in self.evidence],
        }


class Inconclusive(msgspec.Struct, frozen=True):
    """An experiment that ran but settled nothing: AWS's answer matched neither choice."""

    name: Name
    reason: str
    observation: Observation
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            **self.observation.to_json(),
            "reason": self.reason,
            "evidence": [e.to_json() for e in self.evidence],
        }


class SettledFile(msgspec.Struct, frozen=True):
    settled: tuple[Settled, ...] = ()
    inconclusive: tuple[Inconclusive, ...] = ()
    not_probed: Mapping[str, str] = msgspec.field(default_factory=dict)
    run_id: str | None = None
    region: str | None = None
    date: str | None = None

    def settings(self) -> tuple[Setting, ...]:
        """The observed choices, for `AssumptionSet.parse` (after the pool file's, before --assume)."""
        return tuple(s.setting() for s in self.settled)

    def merged(self, newer: SettledFile) -> SettledFile:
        """`newer`'s results replace this file's for the assumptions it probed; the rest stay."""
        probed = {s.name for s in newer.settled} | {i.name for i in newer.inconclusive}
        return SettledFile(
            tuple(s for s in self.settled if s.name not in probed) + newer.settled,
            tuple(i for i in self.inconclusive if i.name not in probed) + newer.inconclusive,
            {**self.not_probed, **newer.not_probed},
            newer.run_id,
            newer.region,
            newer.date,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "run_id": self.run_id,
            "region": self.region,
            "date": self.date,
            "assumptions": {str(s.name): s.to_json() for s in sorted(self.settled, key=_name)},
            "inconclusive": {
                str(i.name): i.to_json() for i in sorted(self.inconclusive, key=_name)
            },
            "not_probed": dict(sorted(self.not_probed.items())),
        }


def _name(entry: Settled | Inconclusive) -> str:
    return str(entry.name)


_HEADER = """\
# Written by `rolesim probe`: which choice AWS took for each named assumption, observed in a
# throwaway set-up in this account. Use it with `--assume-from settled.yaml`, or paste entries of
# `assumptions:` under a pool file's `Assumptions:`; results are then reported as observed.
"""


def dump_settled(settled: SettledFile) -> str:
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096  # an evidence line stays on one line
    stream = io.StringIO()
    yaml.dump(settled.to_json(), stream)
    return _HEADER + stream.getvalue()


# --- reading ------------------------------------------------------------------------------------


def load_settled(path: FsPath | str) -> SettledFile:
    """`--assume-from FILE`: a settled.yaml; errors name the file, the line and the path."""
    doc = read_file(path)
    try:
        return settled_from_document(doc)
    except ConfigError as err:
        raise doc.error(err) from None


def settled_from_document(doc: Document) -> SettledFile:
    root = Node(doc.data)
    if root.value is None:
        root.fail("the file is empty", hint="run `rolesim probe` to write one")
    root.check_keys(
        ("format", "run_id", "region", "date", "assumptions", "inconclusive", "not_probed"),
        required=("format",),
    )
    fmt = root.require("format").string()
    if fmt != FORMAT:
        root.child("format").fail(
            f"{fmt!r} is not a format rolesim reads", hint=f"expected {FORMAT}"
        )
    settled = tuple(_settled_entry(name, node) for name, node in _entries(root, "assumptions"))
    inconclusive = tuple(
        _inconclusive_entry(name, node) for name, node in _entries(root, "inconclusive")
    )
    not_probed: dict[str, str] = {}
    node = root.get("not_probed")
    if node is not None:
        for key, reason in node.items():
            _assumption_name(key, node)
            not_probed[key] = reason.string(length=(1, _MAX_TEXT))
    run = root.get("run_id")
    region = root.get("region")
    date = root.get("date")
    return SettledFile(
        settled,
        inconclusive,
        not_probed,
        _run_id(run) if run else None,
        _region(region) if region else None,
        _date(date) if date else None,
    )


def _entries(root: Node, key: str) -> list[tuple[Name, Node]]:
    node = root.get(key)
    if node is None:
        return []
    return [(_assumption_name(k, node), v) for k, v in node.items()]


def observed_setting(parent: Node, key: str) -> Setting:
    """A pool file's `Assumptions: {NAME: {observed: CHOICE, region, date, …}}` entry."""
    return _settled_entry(_assumption_name(key, parent), parent.child(key)).setting()


def _assumption_name(key: str, parent: Node) -> Name:
    try:
        return Name(key)
    except ValueError:
        parent.fail(
            f"unknown assumption {key!r}",
            at=(key,),
            hint="known: " + ", ".join(REGISTRY),
            code="unknown-assumption",
        )


def _settled_entry(name: Name, node: Node) -> Settled:
    node.check_keys(_ENTRY_KEYS, required=("observed", "region", "date"))
    a = REGISTRY[name]
    choices = [c for c in (a.default, a.alternative) if c is not None]
    choice = node.require("observed").string()
    if choice not in choices:
        node.child("observed").fail(
            f"{choice!r} is not a choice of {name}",
            hint="choose " + " or ".join(choices),
            code="unknown-assumption-choice",
        )
    return Settled(name, choice, _observation(node), _evidence(node))


def _inconclusive_entry(name: Name, node: Node) -> Inconclusive:
    node.check_keys(_INCONCLUSIVE_KEYS, required=("region", "date", "reason"))
    reason = node.require("reason").string(length=(1, _MAX_TEXT))
    return Inconclusive(name, reason, _observation(node), _evidence(node))


def _observation(node: Node) -> Observation:
    run = node.get("run_id")
    return Observation(
        _region(node.require("region")),
        _date(node.require("date")),
        _run_id(run) if run is not None else None,
    )


def _evidence(node: Node) -> tuple[Evidence, ...]:
    found = node.get("evidence")
    if found is None:
        return ()
    out = []
    for e in found.elements():
        e.check_keys(_EVIDENCE_KEYS, required=_EVIDENCE_KEYS)
        call, request, answer = (e.require(k).string(length=(1, _MAX_TEXT)) for k in _EVIDENCE_KEYS)
        out.append(Evidence(call, request, answer))
    return tuple(out)


def _region(node: Node) -> str:
    return node.string(check=REGION.fullmatch, what="a region name", hint="such as us-east-1")


def _run_id(node: Node) -> str:
    return node.string(check=RUN_ID.fullmatch, what="a probe run id", hint="8 hex digits")


def _date(node: Node) -> str:
    value = node.value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()  # an unquoted YAML date
    text = node.string(what="a date", hint="YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        node.fail(f"{text!r} is not a date", hint="YYYY-MM-DD")
