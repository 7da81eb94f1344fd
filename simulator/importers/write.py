"""`rolesim import`: an imported pool written as a pool file (YAML) a reviewer can read.

Every value the file did not hold as written is marked with a comment: placeholders for deploy-time
identifiers (IMPORT.md D4) and `<unresolved: ...>` markers for values no offline reading can know
(D5), each with the line of the native file it came from. Top-level sections say where they were
derived from. The output loads like any pool file.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from simulator.errors import Path
from simulator.importers.source import Imported
from simulator.importers.values import Placeholder
from simulator.model.document import Document, Origin
from simulator.unresolved import is_unresolved_text


def pool_file_text(imported: Imported) -> str:
    doc = imported.document
    root = _commented(doc.data, (), doc)
    if isinstance(root, CommentedMap):
        for key in root:
            origin = (doc.origins or {}).get((key,))
            if origin is not None and isinstance(root[key], dict | list):
                root.yaml_add_eol_comment(f"from {_where(origin)}", key)
        root.yaml_set_start_comment(_header(imported))
    out = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump(root, out)
    return out.getvalue()


def _header(imported: Imported) -> str:
    lines = [
        f"Identity pool imported from {imported.document.source} ({imported.format}) by rolesim import.",
        "Marked values were derived: 'placeholder' is an id AWS assigns at deploy time, built from",
        "the logical id (give --parameter LogicalId=<deployed id> to use the real one); '<unresolved:",
        "...>' cannot be known offline and is an error only where a decision needs it.",
    ]
    lines += [f"note: {n}" for n in imported.notes]
    lines += [f"problem: {p.error}" for p in imported.problems]
    return "\n".join(lines)


def _where(origin: Origin) -> str:
    at = f"{origin.file}:{origin.line}" if origin.line else origin.file
    if origin.native_path:
        at += f" {origin.native_path}"
    if origin.construct and origin.construct not in (origin.native_path or ""):
        at += f" ({origin.construct})"
    return at


def _mark(value: Any, path: Path, doc: Document) -> str | None:
    origins = doc.origins or {}
    key = path
    while key and key not in origins:
        key = key[:-1]
    # The identity pool's own origin (the empty path) says nothing about a value below it.
    where = f" ({_where(origins[key])})" if key else ""
    if isinstance(value, Placeholder):
        if value.of.startswith("AWS::"):
            return f"built from the default {value.of}; give --parameter {value.of}=VALUE{where}"
        return f"placeholder: the {value.attribute} of {value.of}, assigned at deploy time{where}"
    if is_unresolved_text(value):
        return f"unresolved: cannot be known offline{where}"
    return None


def _commented(value: Any, path: Path, doc: Document) -> Any:
    """Plain data as ruamel's commented containers, with a comment on every marked scalar."""
    if isinstance(value, dict):
        out = CommentedMap()
        for key, child in value.items():
            out[str(key)] = _commented(child, (*path, key), doc)
            note = _mark(child, (*path, key), doc)
            if note is not None:
                out.yaml_add_eol_comment(note, str(key))
        return out
    if isinstance(value, list):
        seq = CommentedSeq()
        for i, child in enumerate(value):
            seq.append(_commented(child, (*path, i), doc))
            note = _mark(child, (*path, i), doc)
            if note is not None:
                seq.yaml_add_eol_comment(note, i)
        return seq
    if isinstance(value, str):
        return str(value)  # a Placeholder is a str subclass the YAML writer does not know
    return value
