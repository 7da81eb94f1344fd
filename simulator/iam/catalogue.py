"""The action catalogue (policyuniverse's permission list), used only to warn about unknown actions."""

from __future__ import annotations

import contextlib
import importlib.util
import mmap
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path

import msgspec

from simulator.iam import patterns


class _Service(msgspec.Struct):
    """One service of policyuniverse's data as the catalogue reads it: its prefix, and its actions
    kept as unparsed text until an action of that service is looked up."""

    prefix: str
    actions: msgspec.Raw


def _data_file() -> Path | None:
    spec = importlib.util.find_spec("policyuniverse")
    for root in spec.submodule_search_locations or () if spec is not None else ():
        data = Path(root) / "data.json"
        if data.is_file():
            return data
    return None


@cache
def _services() -> Mapping[str, tuple[msgspec.Raw, ...] | frozenset[str]]:
    """Each service prefix (lower-case) with its actions: unparsed, or, from policyuniverse's own
    import, already as names. Importing policyuniverse builds far more than this from its data
    file (about a fifth of a second); the file is read directly where policyuniverse keeps it,
    through its index (`_Index`) where the file has the layout that index reads."""
    data = _data_file()
    if data is not None:
        with data.open("rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        index = _Index.shipped(mapped, data) or _Index.of(mapped)
        return index if index is not None else _decoded(mapped)
    import policyuniverse

    names: defaultdict[str, set[str]] = defaultdict(set)
    for action in policyuniverse.all_permissions:
        names[action.partition(":")[0].lower()].add(action.lower())
    return {prefix: frozenset(found) for prefix, found in names.items()}


class IndexSnapshot(msgspec.Struct, frozen=True):
    """The index of one data file (`_Index.of`), shipped so that start-up need not scan the file
    (7 ms of a `simulate` run): the file's size and SHA-256 as pip's RECORD of the installed
    policyuniverse states them, and where each prefix's services begin."""

    size: int
    sha256: str
    at: dict[str, list[int]]


# tests/iam/test_catalogue_index.py fails when this is stale for the installed policyuniverse
# (and rewrites it with ROLESIM_UPDATE_SNAPSHOTS=1).
INDEX_FILE = Path(__file__).resolve().parent.parent / "data" / "catalogue_index.json"


def recorded_sha256(data: Path, size: int) -> str | None:
    """The data file's hash in the RECORD of the one installed policyuniverse that lists it at
    `size` bytes (None: no such record, or records that disagree). pip writes the RECORD as it
    installs the files; hashing the file here would cost what the index saves."""
    package = data.parent.name
    entry = f"{package}/{data.name},sha256="
    found: set[str] = set()
    for line in _record_lines(data.parent.parent, package):
        if line.startswith(entry):
            digest, _, listed = line[len(entry) :].partition(",")
            if listed == str(size):
                found.add(digest)
    return found.pop() if len(found) == 1 else None


def _record_lines(site: Path, package: str) -> Iterator[str]:
    """The lines of every RECORD of `package`'s dist-info folders in `site`; unreadable: none."""
    with contextlib.suppress(OSError):
        folders = [
            n for n in os.listdir(site) if n.startswith(f"{package}-") and n.endswith(".dist-info")
        ]
        for name in folders:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                yield from (site / name / "RECORD").read_text("utf-8").splitlines()


def _decoded(data: bytes | mmap.mmap) -> dict[str, tuple[msgspec.Raw, ...]]:
    """Every service of the data file, decoded: the reference the index is held to."""
    raw: defaultdict[str, list[msgspec.Raw]] = defaultdict(list)
    for s in msgspec.json.decode(data, type=dict[str, _Service]).values():
        raw[s.prefix.lower()].append(s.actions)
    return {prefix: tuple(parts) for prefix, parts in raw.items()}


class _Index(Mapping[str, tuple[msgspec.Raw, ...]]):
    """Where in the data file each service is written, found without decoding the file (8 MB, of
    which a pool's policies name a few services): the file is JSON written with two-space indents,
    so a service begins at a line `  "Name": {` and states its prefix on a line `    "prefix": ...`
    (a JSON string holds no line break). A service is decoded when looked up, and must state the
    prefix it was found under; a file of another layout is decoded whole (`_decoded`)."""

    _KEY = b'\n    "prefix": "'
    _SERVICE = b'\n  "'

    def __init__(self, data: mmap.mmap, at: dict[str, list[int]]) -> None:
        self._data = data
        self._at = at
        self._read: dict[str, tuple[msgspec.Raw, ...]] = {}
        self._whole: dict[str, tuple[msgspec.Raw, ...]] | None = None  # once the layout surprised

    @classmethod
    def shipped(cls, data: mmap.mmap, path: Path) -> _Index | None:
        """The shipped index, where the installed data file is the one it was made from. Each
        service is still checked, when it is looked up, to state the prefix it is found under."""
        try:
            taken = msgspec.json.decode(INDEX_FILE.read_bytes(), type=IndexSnapshot)
        except (OSError, msgspec.DecodeError):  # not shipped, or damaged: the file is scanned
            return None
        if taken.size != len(data) or taken.sha256 != recorded_sha256(path, len(data)):
            return None
        return cls(data, taken.at)

    @classmethod
    def of(cls, data: mmap.mmap) -> _Index | None:
        if data[:5] != b'{\n  "':
            return None
        at: defaultdict[str, list[int]] = defaultdict(list)
        pos = data.find(cls._KEY)
        while pos >= 0:
            start = pos + len(cls._KEY)
            end = data.find(b'"', start)
            at[data[start:end].decode("utf-8", "replace").lower()].append(pos)
            pos = data.find(cls._KEY, end)
        return cls(data, dict(at)) if at else None

    def __getitem__(self, prefix: str) -> tuple[msgspec.Raw, ...]:
        found = self._read.get(prefix)
        if found is None:
            found = self._read[prefix] = self._look_up(prefix)
        return found

    def _look_up(self, prefix: str) -> tuple[msgspec.Raw, ...]:
        if self._whole is None:
            try:
                return tuple(self._service(prefix, at) for at in self._at[prefix])
            except (ValueError, msgspec.DecodeError):  # not the layout read here after all
                self._whole = _decoded(self._data)
        return self._whole[prefix]

    def _service(self, prefix: str, at: int) -> msgspec.Raw:
        start = self._data.rfind(self._SERVICE, 0, at)
        end = self._data.find(self._SERVICE, at)
        if end < 0:
            end = self._data.rfind(b"\n}")
        text = b"{" + self._data[start:end].rstrip().rstrip(b",") + b"}"
        (service,) = msgspec.json.decode(text, type=dict[str, _Service]).values()
        if service.prefix.lower() != prefix:
            raise ValueError(f"the service at byte {at} states another prefix")
        return service.actions

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __contains__(self, prefix: object) -> bool:
        return prefix in self._at


@cache
def _actions(service: str) -> frozenset[str]:
    """Every action of one service prefix, lower-case `prefix:action`; empty for an unknown one."""
    found = _services().get(service)
    if found is None or isinstance(found, frozenset):
        return found or frozenset()
    return frozenset(
        f"{service}:{name.lower()}"
        for part in found
        for name in msgspec.json.decode(part, type=dict[str, msgspec.Raw])
    )


_known: dict[str, bool] = {}


def is_known(action_key: str) -> bool:
    """Whether a lower-case action is in the catalogue (looked up on every decision)."""
    found = _known.get(action_key)
    if found is None:
        if len(_known) >= 4096:
            _known.clear()
        found = _known[action_key] = action_key in _actions(action_key.partition(":")[0])
    return found


@lru_cache(maxsize=4096)  # a requests file repeats its actions in every line's policies
def unknown_action_warning(pattern: str) -> str | None:
    """A warning when an Action entry names nothing in the catalogue, else None."""
    if pattern == "*":
        return None
    lowered = pattern.lower()
    service, _, name = lowered.partition(":")
    if "*" in service or "?" in service:
        return None  # a wildcard service prefix cannot be checked
    if service not in _services():
        return f"action {pattern!r}: unknown service prefix {service!r} in the action catalogue"
    actions = _actions(service)
    if "*" not in name and "?" not in name:
        if lowered in actions:
            return None
        return f"action {pattern!r} is not in the action catalogue (misspelt, or newer than it)"
    regex = patterns.compile_glob((patterns.Glob(lowered),), ignore_case=True)
    if any(regex.matches(action) for action in actions):
        return None
    return f"action pattern {pattern!r} matches no action in the action catalogue"
