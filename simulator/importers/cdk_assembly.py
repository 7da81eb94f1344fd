"""A CDK cloud assembly (`cdk.out`, what `cdk synth` writes): the stack that holds the pool.

The folder's `manifest.json` lists its artifacts (@aws-cdk/cloud-assembly-schema): each
`aws:cloudformation:stack` names its template (`properties.templateFile`, relative to the
assembly), the parameter values it deploys with (`properties.parameters`) and its environment
(`aws://ACCOUNT/REGION`, `unknown-account` and `unknown-region` when the app leaves them open);
a `cdk:cloud-assembly` (a Stage) is a nested assembly in `properties.directoryName`. The one stack
whose template defines an identity pool is read as a template (simulator.importers.cloudformation),
with the stack's environment and parameters as the values `--parameter` would give, which still
win. Files are read only inside the assembly's folder. Nested stacks
(`AWS::CloudFormation::Stack`) are not followed: point `--config` at their template.
"""

from __future__ import annotations

import os
from pathlib import Path as FsPath
from typing import Any

import msgspec

from simulator import inputs
from simulator.errors import ConfigError
from simulator.importers import cloudformation
from simulator.importers.source import Imported, ImportOptions, Source
from simulator.model.document import read_text

MANIFEST = "manifest.json"
MAX_ASSEMBLIES = 5  # Stages inside Stages: deeper nesting is refused, not followed
MAX_STACKS = 200
_POOL = "AWS::Cognito::IdentityPool"


class _StackArtifact(msgspec.Struct, frozen=True):
    id: str
    template: FsPath
    name: str  # the template as messages name it
    environment: str | None
    parameters: dict[str, str]


def read(source: Source, options: ImportOptions) -> Imported:
    stacks = _stacks(source.path, source.name, 0)
    if not stacks:
        raise ConfigError("the cloud assembly holds no CloudFormation stack", file=source.name)
    holding: list[_StackArtifact] = []
    text = ""
    for candidate in stacks:  # one template held at a time, and the pool's
        body = read_text(candidate.template)
        if _POOL in body:
            holding.append(candidate)
            text = text or body
    if not holding:
        listed = ", ".join(s.id for s in stacks)
        raise ConfigError(
            f"no stack of the cloud assembly defines an identity pool ({_POOL}); stacks: {listed}",
            file=source.name,
        )
    if len(holding) > 1:
        listed = ", ".join(f"{s.id} ({s.name})" for s in holding)
        raise ConfigError(
            f"{len(holding)} stacks define an identity pool: {listed}",
            file=source.name,
            hint=f"give the stack's template, e.g. --config {holding[0].name}",
        )
    stack = holding[0]
    given = {**_environment(stack), **stack.parameters, **options.parameters}
    chosen = Source(stack.template, stack.name, text, on_disk=True)
    imported = cloudformation.read(chosen, ImportOptions(given, options.pool))
    where = f", environment {stack.environment}" if stack.environment else ""
    note = f"stack {stack.id} of the cloud assembly {source.name}{where}"
    return msgspec.structs.replace(imported, notes=(note, *imported.notes))


def _stacks(folder: FsPath, name: str, depth: int) -> list[_StackArtifact]:
    if depth > MAX_ASSEMBLIES:
        raise ConfigError(f"cloud assemblies nested more than {MAX_ASSEMBLIES} deep", file=name)
    manifest_name = os.path.join(name, MANIFEST)
    manifest = inputs.parse_json(read_text(folder / MANIFEST), manifest_name, inputs.DOCUMENT)
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise ConfigError("a cloud assembly's manifest has an artifacts object", file=manifest_name,
                          native_path="artifacts")  # fmt: skip
    out: list[_StackArtifact] = []
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, dict):
            continue
        properties = artifact.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        kind = artifact.get("type")
        at = f"artifacts[{artifact_id!r}].properties"
        if kind == "aws:cloudformation:stack":
            template = _inside(folder, name, properties.get("templateFile"), f"{at}.templateFile")
            parameters = properties.get("parameters") or {}
            if not isinstance(parameters, dict) or not all(
                isinstance(v, str) for v in parameters.values()
            ):
                raise ConfigError("stack parameters are a map of strings", file=manifest_name,
                                  native_path=f"{at}.parameters")  # fmt: skip
            environment = artifact.get("environment")
            out.append(_StackArtifact(
                str(artifact_id), template, os.path.join(name, str(properties["templateFile"])),
                environment if isinstance(environment, str) else None, dict(parameters),
            ))  # fmt: skip
        elif kind == "cdk:cloud-assembly":
            directory = properties.get("directoryName")
            nested = _inside(folder, name, directory, f"{at}.directoryName")
            out.extend(_stacks(nested, os.path.join(name, str(directory)), depth + 1))
        if len(out) > MAX_STACKS:
            raise ConfigError(f"more than {MAX_STACKS} stacks in the cloud assembly", file=name)
    return out


def _inside(folder: FsPath, name: str, relative: Any, native_path: str) -> FsPath:
    """`relative` within the assembly's folder: a path out of it may name any file of the machine."""
    manifest_name = os.path.join(name, MANIFEST)
    if not isinstance(relative, str) or not relative:
        raise ConfigError("a file name relative to the assembly is needed here",
                          file=manifest_name, native_path=native_path)  # fmt: skip
    try:
        target = inputs.within(folder, relative)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ConfigError(f"{relative!r} names no file rolesim can read ({exc})",
                          file=manifest_name, native_path=native_path) from None  # fmt: skip
    if target is None:
        raise ConfigError(f"{relative!r} is outside the cloud assembly's folder (not read)",
                          file=manifest_name, native_path=native_path)  # fmt: skip
    return target


def _environment(stack: _StackArtifact) -> dict[str, str]:
    """The account and region `aws://ACCOUNT/REGION` fixes (D3 defaults for the unknown ones)."""
    env = stack.environment or ""
    if not env.startswith("aws://"):
        return {}
    account, _, region = env.removeprefix("aws://").partition("/")
    out = {}
    if account and account != "unknown-account":
        out["AWS::AccountId"] = account
    if region and region != "unknown-region":
        out["AWS::Region"] = region
    return out
