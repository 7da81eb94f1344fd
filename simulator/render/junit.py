"""JUnit XML, the test-report format CI systems read: a small generic writer.

The de-facto schema (Jenkins/Ant `testsuites > testsuite > testcase`, with `failure`, `error`
and `skipped` children and `tests`/`failures`/`errors`/`skipped` counts on each suite).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import IO

import msgspec

from simulator.render.terminal import xml_safe


class JUnitCase(msgspec.Struct, frozen=True):
    name: str
    classname: str
    failure: str | None = None  # the failure text; None: passed
    failure_message: str | None = None  # one line for the `message` attribute
    skipped: str | None = None
    error: str | None = None
    time: float = 0.0
    properties: Sequence[tuple[str, str]] = ()


class JUnitSuite(msgspec.Struct, frozen=True):
    name: str
    cases: Sequence[JUnitCase] = msgspec.field(default_factory=tuple)
    properties: Sequence[tuple[str, str]] = ()

    @property
    def failures(self) -> int:
        return sum(c.failure is not None for c in self.cases)

    @property
    def errors(self) -> int:
        return sum(c.error is not None for c in self.cases)

    @property
    def skipped(self) -> int:
        return sum(c.skipped is not None for c in self.cases)


def _props(parent: ET.Element, props: Sequence[tuple[str, str]]) -> None:
    if props:
        el = ET.SubElement(parent, "properties")
        for k, v in props:
            ET.SubElement(el, "property", name=k, value=v)


def junit_element(suites: Sequence[JUnitSuite], name: str = "rolesim") -> ET.Element:
    root = ET.Element("testsuites", name=name)
    totals = [0, 0, 0, 0]
    for s in suites:
        el = ET.SubElement(
            root,
            "testsuite",
            name=s.name,
            tests=str(len(s.cases)),
            failures=str(s.failures),
            errors=str(s.errors),
            skipped=str(s.skipped),
            time=f"{sum(c.time for c in s.cases):.3f}",
        )
        _props(el, s.properties)
        for c in s.cases:
            ce = ET.SubElement(el, "testcase", name=c.name, classname=c.classname,
                               time=f"{c.time:.3f}")  # fmt: skip
            _props(ce, c.properties)
            if c.failure is not None:
                fe = ET.SubElement(
                    ce, "failure", message=c.failure_message or c.failure.split("\n")[0]
                )
                fe.text = c.failure
            if c.error is not None:
                ee = ET.SubElement(ce, "error", message=c.error.split("\n")[0])
                ee.text = c.error
            if c.skipped is not None:
                ET.SubElement(ce, "skipped", message=c.skipped)
        for i, n in enumerate((len(s.cases), s.failures, s.errors, s.skipped)):
            totals[i] += n
    for key, n in zip(("tests", "failures", "errors", "skipped"), totals, strict=True):
        root.set(key, str(n))
    return root


def write_junit(suites: Sequence[JUnitSuite], stream: IO[str], name: str = "rolesim") -> None:
    root = junit_element(suites, name)
    for el in root.iter():  # claim values and messages may hold what XML 1.0 cannot
        el.text = xml_safe(el.text) if el.text else el.text
        for key, value in el.attrib.items():
            el.set(key, xml_safe(value))
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
