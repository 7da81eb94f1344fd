"""The service models' shapes a pool file is held to: read from botocore's model files, or from
the snapshot shipped in simulator/data/ while the installed model files are the ones it was taken
from. After botocore is upgraded, `ROLESIM_UPDATE_SNAPSHOTS=1 python -m pytest
tests/core/test_service_shapes.py` rewrites the snapshot."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.model import shapes

UPDATE = os.environ.get("ROLESIM_UPDATE_SNAPSHOTS") == "1"
SERVICES = sorted(shapes.roots())


@pytest.fixture(autouse=True)
def _fresh_reads() -> Iterator[None]:
    shapes._shapes.cache_clear()
    shapes._snapshots.cache_clear()
    yield
    shapes._shapes.cache_clear()
    shapes._snapshots.cache_clear()


def _decoded(raw: Mapping[str, msgspec.Raw]) -> dict[str, Any]:
    return {name: msgspec.json.decode(text) for name, text in raw.items()}


def _fresh() -> dict[str, shapes.Snapshot]:
    found = {service: shapes.snapshot(service) for service in SERVICES}
    assert all(found.values()), "botocore's model files were not found"
    return {service: taken for service, taken in found.items() if taken is not None}


def _file_shapes(service: str) -> Any:
    found = shapes._model_file(service)
    assert found is not None
    return shapes._decoded(found[0], found[0].read_bytes())


def test_the_snapshot_is_current_for_the_installed_botocore() -> None:
    fresh = _fresh()
    if UPDATE:
        shapes.SNAPSHOT_FILE.write_bytes(msgspec.json.format(msgspec.json.encode(fresh)) + b"\n")
    shipped = shapes._snapshots()
    assert sorted(shipped) == SERVICES
    for service, now in fresh.items():
        taken = shipped[service]
        if (taken.model, taken.size, taken.crc32) == (now.model, now.size, now.crc32):
            # the same model file: the same shapes, or the check's roots moved since it was taken
            assert _decoded(taken.shapes) == _decoded(now.shapes), (
                f"the snapshot of {service} is stale: run with ROLESIM_UPDATE_SNAPSHOTS=1"
            )
            assert shapes._shapes(service)._raw is taken.shapes  # type: ignore[union-attr]
        else:  # another botocore: its own file is read
            assert shapes._shapes(service)._raw is not taken.shapes  # type: ignore[union-attr]


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_models_are_botocores_own(service: str) -> None:
    # read without importing botocore, one shape at a time: the same shapes botocore's loader gives
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model(service, "service-2")
    from_file = _file_shapes(service)
    assert all(from_file[name] == shape for name, shape in model["shapes"].items())
    read = shapes._shapes(service)
    reachable = shapes.reachable(model["shapes"], shapes.roots()[service])
    assert all(read[name] == model["shapes"][name] for name in reachable)


def test_a_model_file_other_than_the_snapshots_is_read_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = _fresh()
    changed = {
        service: msgspec.structs.replace(taken, crc32=taken.crc32 ^ 1)
        for service, taken in fresh.items()
    }
    monkeypatch.setattr(shapes, "_snapshots", lambda: changed)
    for service in SERVICES:
        read = shapes._shapes(service)._raw  # type: ignore[union-attr]
        assert read.keys() == _file_shapes(service)._raw.keys() > changed[service].shapes.keys()


def test_a_missing_or_damaged_snapshot_reads_the_model_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for text in (None, b"{not json", b'{"iam": 1}'):
        path = tmp_path / "service_shapes.json"
        if text is not None:
            path.write_bytes(text)
        monkeypatch.setattr(shapes, "SNAPSHOT_FILE", path)
        shapes._snapshots.cache_clear()
        shapes._shapes.cache_clear()
        assert shapes._snapshots() == {}
        assert shapes._shapes("iam")["roleNameType"]["type"] == "string"


def test_a_model_file_of_several_gzip_members_is_read_whole() -> None:
    # gzip's format allows members one after another; botocore's files have one
    one, two = b'{"shapes": {"a": {"type": "string"}', b', "b": {"type": "integer"}}}'
    assert shapes._gunzip(gzip.compress(one + two)) == one + two
    assert shapes._gunzip(gzip.compress(one) + gzip.compress(two)) == one + two
    with pytest.raises(EOFError):
        shapes._gunzip(gzip.compress(one)[:-9])


# Values for a shape, near its limits, so that both readings have problems to report.
_TEXT = st.text(alphabet=st.sampled_from("aZ09:-_./ \t*é\x00"), max_size=6) | st.sampled_from(
    ["", "x" * 129, "x" * 2049, "us-east-1:11111111-2222-3333-4444-555555555555", "arn:aws:iam::"]
)


def _value(model: Any, name: str, depth: int = 0) -> st.SearchStrategy[Any]:
    shape = model[name]
    kind = shape["type"]
    if depth > 4:
        return st.none()
    if kind == "string":
        return _TEXT
    if kind == "structure":
        members = {
            m: _value(model, spec["shape"], depth + 1) for m, spec in shape["members"].items()
        }
        return st.fixed_dictionaries({}, optional=members)
    if kind == "list":
        return st.lists(_value(model, shape["member"]["shape"], depth + 1), max_size=2)
    if kind == "map":
        return st.dictionaries(_TEXT, _value(model, shape["value"]["shape"], depth + 1), max_size=2)
    return st.integers(-1, 3) | st.booleans()


@cache
def _documents() -> st.SearchStrategy[dict[str, Any]]:
    models = {service: _file_shapes(service) for service in SERVICES}

    def value(spec: shapes.Shape) -> st.SearchStrategy[Any]:
        return _value(models[spec[0]], spec[1])

    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field, spec in shapes._ROOT.items():
        element = (
            st.fixed_dictionaries({}, optional={m: value(s) for m, s in spec.items()})
            if isinstance(spec, dict)
            else value(spec)
        )
        fields[field] = st.lists(element, max_size=2) if field in shapes._LISTS else element
    root = st.fixed_dictionaries({}, optional=fields)
    structures = [_value(models[shapes._COGNITO], s) for s in shapes._ROOT_STRUCTURES]
    return st.tuples(root, *structures).map(
        lambda parts: {k: v for p in parts for k, v in p.items()}
    )


@cache
def _readings() -> tuple[dict[str, Any], dict[str, Any]]:
    fresh = _fresh()
    return (
        {s: shapes._Shapes(fresh[s].shapes) for s in SERVICES},
        {s: _file_shapes(s) for s in SERVICES},
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_snapshot_finds_the_problems_the_model_files_find(data: st.DataObject) -> None:
    doc = data.draw(_documents())
    from_snapshot, from_files = _readings()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shapes, "_shapes", from_snapshot.__getitem__)
        found = list(shapes.problems(doc))
        patch.setattr(shapes, "_shapes", from_files.__getitem__)
        assert found == list(shapes.problems(doc))
