"""The action catalogue's index of policyuniverse's data file: shipped in simulator/data/ for the
data file pip's RECORD names, built by scanning the file otherwise. After policyuniverse is
upgraded, `ROLESIM_UPDATE_SNAPSHOTS=1 python -m pytest tests/iam/test_catalogue_index.py` rewrites
the shipped index."""

from __future__ import annotations

import base64
import hashlib
import mmap
import os
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from simulator.iam import catalogue

UPDATE = os.environ.get("ROLESIM_UPDATE_SNAPSHOTS") == "1"


@pytest.fixture(autouse=True)
def _fresh_reads() -> Iterator[None]:
    catalogue._services.cache_clear()
    yield
    catalogue._services.cache_clear()


def _mapped(path: Path) -> mmap.mmap:
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _data() -> Path:
    data = catalogue._data_file()
    assert data is not None, "policyuniverse's data file was not found"
    return data


def _sha256(path: Path) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
    )


def test_the_shipped_index_is_current_for_the_installed_policyuniverse() -> None:
    data = _data()
    mapped = _mapped(data)
    scanned = catalogue._Index.of(mapped)
    assert scanned is not None
    now = catalogue.IndexSnapshot(len(mapped), _sha256(data), scanned._at)
    assert catalogue.recorded_sha256(data, len(mapped)) == now.sha256  # pip's RECORD is the file's
    if UPDATE:
        catalogue.INDEX_FILE.write_bytes(msgspec.json.format(msgspec.json.encode(now)) + b"\n")
    taken = msgspec.json.decode(catalogue.INDEX_FILE.read_bytes(), type=catalogue.IndexSnapshot)
    index = catalogue._services()
    assert isinstance(index, catalogue._Index)
    if (taken.size, taken.sha256) == (now.size, now.sha256):
        assert taken.at == now.at, "the shipped index is stale: run with ROLESIM_UPDATE_SNAPSHOTS=1"
        assert index._at == taken.at
        assert catalogue._Index.shipped(mapped, data) is not None
    else:  # another policyuniverse: its file is scanned
        assert catalogue._Index.shipped(mapped, data) is None


def _site(tmp_path: Path, record: str | None) -> Path:
    """A copy of an installed policyuniverse whose dist-info RECORD says `record`."""
    package = tmp_path / "policyuniverse"
    package.mkdir(parents=True)
    (package / "data.json").write_bytes(_data().read_bytes())
    if record is not None:
        info = tmp_path / "policyuniverse-1.0.dist-info"
        info.mkdir()
        (info / "RECORD").write_text(f"policyuniverse/__init__.py,,\n{record}\n")
    return package / "data.json"


def test_the_shipped_index_is_used_only_for_the_file_the_record_names(tmp_path: Path) -> None:
    size = _data().stat().st_size
    digest = _sha256(_data())
    cases = {
        f"policyuniverse/data.json,sha256={digest},{size}": True,
        f"policyuniverse/data.json,sha256={digest[:-1]}A,{size}": False,  # another file's hash
        f"policyuniverse/data.json,sha256={digest},{size + 1}": False,  # another size
        "policyuniverse/data.json,,": False,  # listed without a hash
        None: False,  # no dist-info (installed otherwise)
    }
    for n, (record, shipped) in enumerate(cases.items()):
        data = _site(tmp_path / str(n), record)
        taken = catalogue._Index.shipped(_mapped(data), data)
        assert (taken is not None) == shipped, record


def test_two_records_that_disagree_are_not_trusted(tmp_path: Path) -> None:
    size = _data().stat().st_size
    digest = _sha256(_data())
    data = _site(tmp_path, f"policyuniverse/data.json,sha256={digest},{size}")
    other = tmp_path / "policyuniverse-0.9.dist-info"
    other.mkdir()
    (other / "RECORD").write_text(f"policyuniverse/data.json,sha256=x{digest[1:]},{size}\n")
    assert catalogue.recorded_sha256(data, size) is None


def test_a_changed_file_under_a_stale_record_reads_every_service_as_the_whole_file_does(
    tmp_path: Path,
) -> None:
    # The RECORD still names the original, but the file was rewritten in place at the same size
    # (indents dropped early on, spaces added at the end): the shipped offsets point into other
    # services, each lookup checks the prefix it finds, and the file is decoded whole.
    original = _data().read_bytes()
    digest = _sha256(_data())
    data = _site(tmp_path, f"policyuniverse/data.json,sha256={digest},{len(original)}")
    edited = original.replace(b"\n        ", b"\n", 5000)
    edited += b" " * (len(original) - len(edited))
    assert len(edited) == len(original)
    assert edited != original
    data.write_bytes(edited)
    index = catalogue._Index.shipped(_mapped(data), data)
    assert index is not None  # the RECORD cannot tell
    whole = catalogue._decoded(edited)
    assert sorted(index) == sorted(whole)
    assert all(
        [bytes(part) for part in index[prefix]] == [bytes(part) for part in parts]
        for prefix, parts in whole.items()
    )
    assert index._whole is not None  # the offsets were found wrong
