"""A Terraform plan (`terraform show -json PLANFILE`) as neutral resources (IMPORT.md D9).

Values come from `planned_values.root_module` and its `child_modules` (`resources[].values`); a
state (`terraform show -json` without a plan) is read from `values` the same way. What
`resource_changes[].change.after_unknown` marks is unknown until apply: it gets no placeholder but
an `Unresolved` naming the address and attribute, with the references the configuration gives for
it, so that only a decision that needs it fails. A computed attribute the configuration does not set
(the provider fills it at apply time) is left out, as the configuration reader leaves it out. The
account is the one the plan's own ARNs name, unless `--parameter AWS::AccountId` gives it.
Values the plan marks sensitive are not read (they may be secrets). The plan has no line numbers:
origins name the plan file and the resource address.
Format: https://developer.hashicorp.com/terraform/internals/json-format
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path as FsPath
from typing import Any

import msgspec

from simulator import inputs
from simulator.errors import ConfigError, Path, format_path
from simulator.importers.detect import PLANS, is_terraform_plan
from simulator.importers.source import Imported, ImportOptions, Source
from simulator.importers.terraform import (
    ACCOUNT_PARAMETER,
    AWS_PARAMETERS,
    PARTITION_PARAMETER,
    REGION_PARAMETER,
    TerraformImport,
    assembled,
)
from simulator.importers.terraform_aws import (
    CFN_TYPES,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    AwsContext,
    Instance,
    partition_of,
    translate,
)
from simulator.importers.values import Unresolved
from simulator.model.document import Origin

MAX_DEPTH = 64  # nesting of attribute values


def read(source: Source, options: ImportOptions) -> Imported:
    """The pool document of the plan (or state) `source` holds."""
    assert source.text is not None
    data = inputs.parse_json(source.text, source.name, PLANS)
    found = plan_resources(data, source.name, options.parameters)
    return assembled(found, options, "terraform-plan")


def read_plan(path: str | FsPath, parameters: Mapping[str, str] | None = None) -> TerraformImport:
    """The neutral resources of the plan (or state) JSON file `path`."""
    source = str(path)
    text = inputs.read_text(path, PLANS)
    return plan_resources(inputs.parse_json(text, source, PLANS), source, parameters)


def plan_resources(
    data: Any, source: str, parameters: Mapping[str, str] | None = None
) -> TerraformImport:
    """The neutral resources of a parsed plan or state object read from `source`."""
    if not is_terraform_plan(data):
        raise ConfigError("not a `terraform show -json` plan or state", file=source)
    version = str(data.get("format_version", ""))
    if version.split(".", maxsplit=1)[0] != "1":
        raise ConfigError(
            f"format_version {version!r} is not supported (rolesim reads 1.x)",
            file=source,
            path=("format_version",),
        )
    given = dict(parameters or {})
    plan = _Plan(data, source)
    instances = list(plan.instances())
    region = given.get(REGION_PARAMETER) or plan.provider_region()
    aws = AwsContext(
        region=region,
        account=given.get(ACCOUNT_PARAMETER) or _account(instances) or DEFAULT_ACCOUNT,
        partition=given.get(PARTITION_PARAMETER, partition_of(region)),
    )
    resources = [r for r in map(translate, instances) if r is not None]
    ignored = sorted(set(given) - AWS_PARAMETERS)
    if ignored:
        plan.notes.append(
            f"{source}: --parameter {', '.join(ignored)} ignored: a plan's variables are fixed when "
            "it is made (give them to terraform plan with -var)"
        )
    return TerraformImport(tuple(resources), aws, tuple(plan.notes), source, AWS_PARAMETERS)


class _Configured(msgspec.Struct, frozen=True):
    """What the configuration says about one resource's attributes (for names of unknowns)."""

    expressions: Mapping[str, Any]


class _Plan:
    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        self.notes: list[str] = []
        self.unknown = self._after_unknown()
        self.configured = self._configuration()

    def fail(self, message: str, path: Path) -> ConfigError:
        return ConfigError(message, file=self.source, path=path)

    # where the values are ----------------------------------------------------------------------

    def _root_module(self) -> tuple[Any, Path]:
        planned = self.data.get("planned_values")
        if planned is not None:
            return _mapping(planned, ("planned_values",), self).get("root_module"), (
                "planned_values",
                "root_module",
            )
        values = self.data.get("values")
        if values is not None:
            return _mapping(values, ("values",), self).get("root_module"), ("values", "root_module")
        raise self.fail("the plan has no planned_values (and the state no values)", ())

    def _modules(self) -> Iterator[tuple[Mapping[str, Any], Path]]:
        module, path = self._root_module()
        stack: list[tuple[Any, Path]] = [(module, path)]
        while stack:
            module, path = stack.pop()
            if module is None:
                continue
            m = _mapping(module, path, self)
            yield m, path
            children = _list(m.get("child_modules", []), (*path, "child_modules"), self)
            for i, child in reversed(list(enumerate(children))):
                stack.append((child, (*path, "child_modules", i)))

    def instances(self) -> Iterator[Instance]:
        for module, path in self._modules():
            resources = _list(module.get("resources", []), (*path, "resources"), self)
            for i, resource in enumerate(resources):
                at: Path = (*path, "resources", i)
                r = _mapping(resource, at, self)
                if r.get("mode", "managed") != "managed" or r.get("type") not in CFN_TYPES:
                    continue
                address = r.get("address")
                if not isinstance(address, str):
                    raise self.fail("a resource without an address", at)
                values = _mapping(r.get("values") or {}, (*at, "values"), self)
                sensitive = r.get("sensitive_values") or {}
                yield self._instance(str(r["type"]), address, values, sensitive)

    # unknown and sensitive values --------------------------------------------------------------

    def _after_unknown(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        changes = _list(self.data.get("resource_changes", []), ("resource_changes",), self)
        for i, change in enumerate(changes):
            c = _mapping(change, ("resource_changes", i), self)
            address = c.get("address")
            body = c.get("change")
            if isinstance(address, str) and isinstance(body, dict):
                out[address] = body.get("after_unknown") or {}
        return out

    def _configuration(self) -> dict[str, _Configured]:
        out: dict[str, _Configured] = {}
        configuration = self.data.get("configuration")
        if not isinstance(configuration, dict):
            return out
        stack: list[tuple[Any, str]] = [(configuration.get("root_module"), "")]
        while stack:
            module, prefix = stack.pop()
            if not isinstance(module, dict):
                continue
            for resource in module.get("resources") or []:
                if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                    expressions = resource.get("expressions")
                    out[prefix + resource["address"]] = _Configured(
                        expressions if isinstance(expressions, dict) else {}
                    )
            calls = module.get("module_calls") or {}
            if isinstance(calls, dict):
                for name, call in calls.items():
                    if isinstance(call, dict):
                        stack.append((call.get("module"), f"{prefix}module.{name}."))
        return out

    def _configured(self, address: str) -> _Configured | None:
        # The configuration names resources, not instances: drop a trailing [index].
        base = address
        if base.endswith("]") and "[" in base:
            base = base[: base.rindex("[")]
        return self.configured.get(base)

    def _instance(
        self, tf_type: str, address: str, values: Mapping[str, Any], sensitive: Any
    ) -> Instance:
        unknown = self.unknown.get(address, {})
        reading = _Reading(self.source, address, self._configured(address))
        out: dict[str, Any] = {}
        names = set(values) | (set(unknown) if isinstance(unknown, dict) else set())
        for name in sorted(names):
            marked = unknown.get(name) if isinstance(unknown, dict) else None
            configured = reading.configured
            if marked is True and configured is not None and name not in configured.expressions:
                continue  # computed by the provider and not configured: absent, as in the .tf
            value = reading.value(values.get(name), marked, _child(sensitive, name), (name,))
            if value is not None:
                out[name] = value
        origin = Origin(self.source, None, native_path=address, construct=address)
        return Instance(tf_type, address, out, origin, reading.origins)

    # the provider's region ---------------------------------------------------------------------

    def provider_region(self) -> str:
        """The default `provider "aws"` region from the configuration (D3), else us-east-1."""
        configuration = self.data.get("configuration")
        providers = (
            configuration.get("provider_config") if isinstance(configuration, dict) else None
        )
        aws = providers.get("aws") if isinstance(providers, dict) else None
        expressions = aws.get("expressions") if isinstance(aws, dict) else None
        region = expressions.get("region") if isinstance(expressions, dict) else None
        if not isinstance(region, dict):
            return DEFAULT_REGION
        if isinstance(region.get("constant_value"), str):
            return str(region["constant_value"])
        variables = self.data.get("variables")
        for reference in region.get("references") or []:
            if (
                isinstance(reference, str)
                and reference.startswith("var.")
                and isinstance(variables, dict)
            ):
                entry = variables.get(reference[4:])
                if isinstance(entry, dict) and isinstance(entry.get("value"), str):
                    return str(entry["value"])
        self.notes.append(
            f'{self.source}: the region of provider "aws" is not in the plan; using {DEFAULT_REGION}'
        )
        return DEFAULT_REGION


class _Reading(msgspec.Struct):
    """One instance's values being read: unknown and sensitive marks applied, origins recorded."""

    source: str
    address: str
    configured: _Configured | None
    origins: dict[Path, Origin] = msgspec.field(default_factory=dict)

    def value(self, value: Any, unknown: Any, sensitive: Any, path: Path) -> Any:
        if len(path) > MAX_DEPTH:
            raise ConfigError(
                "attribute values nested too deeply",
                file=self.source,
                native_path=self.address,
            )
        where = f"{self.address}.{format_path(path)}"
        origin = Origin(self.source, None, native_path=where, construct=self.address)
        self.origins[path] = origin
        if unknown is True:
            references = _references(self.configured, path)
            because = f"; from {', '.join(references)}" if references else ""
            return Unresolved(f"{where} (known only after apply{because})", origin)
        if sensitive is True:
            return Unresolved(f"{where} (sensitive in the plan: not read)", origin)
        if isinstance(value, dict):
            marks = unknown if isinstance(unknown, dict) else {}
            out = {
                k: self.value(v, _child(unknown, k), _child(sensitive, k), (*path, k))
                for k, v in value.items()
            }
            for k in marks:
                if k not in value and marks[k] is True:
                    out[k] = self.value(None, True, None, (*path, k))
            return out
        if isinstance(value, list):
            return [
                self.value(v, _child(unknown, i), _child(sensitive, i), (*path, i))
                for i, v in enumerate(value)
            ]
        return value


_ARN_ACCOUNT = re.compile(r"^arn:[^:]+:[^:]+:[^:]*:(\d{12}):")


def _account(instances: list[Instance]) -> str | None:
    """The account the plan's own ARNs name (D3's default applies only when none does)."""
    for instance in instances:
        arn = instance.values.get("arn")
        match = _ARN_ACCOUNT.match(arn) if isinstance(arn, str) else None
        if match:
            return match.group(1)
    return None


def _child(marks: Any, key: str | int) -> Any:
    if isinstance(marks, dict) and isinstance(key, str):
        return marks.get(key)
    if isinstance(marks, list) and isinstance(key, int) and key < len(marks):
        return marks[key]
    return None


def _references(configured: _Configured | None, path: Path) -> list[str]:
    """The configuration's references for the attribute at `path` (the longest that is known)."""
    if configured is None:
        return []
    node: Any = configured.expressions
    found: list[str] = []
    for part in path:
        node = _child(node, part)
        if isinstance(node, dict) and isinstance(node.get("references"), list):
            found = [str(r) for r in node["references"]]
    # Terraform lists each reference with its prefixes (a.b.c, a.b, a): the first is the fullest.
    return found[:1]


def _mapping(value: Any, path: Path, plan: _Plan) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise plan.fail("expected a JSON object", path)
    return value


def _list(value: Any, path: Path, plan: _Plan) -> list[Any]:
    if not isinstance(value, list):
        raise plan.fail("expected a JSON list", path)
    return value
