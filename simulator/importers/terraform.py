"""Terraform configuration (`.tf`) as neutral resources (IMPORT.md D1-D5, D8).

The module is the folder of the named file, every `*.tf` in it read as `terraform` does (D1); files
are parsed with python-hcl2 (simulator.importers.hcl_syntax) and evaluated here: input variables
from `--parameter` or their defaults, `locals`, resource and data-source references, `count` and
`for_each` (a count of 0 removes the resource), `dynamic` blocks, the default `provider "aws"`
region, and the data sources that need no AWS call (`aws_caller_identity`, `aws_region`,
`aws_partition`, `aws_iam_policy_document`). What the provider computes at deploy time becomes a
D4 placeholder; other data sources, module outputs and variables without a value are unknown (D5),
which only a decision that needs them turns into an error. Evaluation is lazy: a resource rolesim
does not translate is evaluated only if something it translates refers to it.
Sources: https://developer.hashicorp.com/terraform/language (Files and Directories, Resources,
Data Sources, Meta-Arguments, Expressions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path as FsPath
from typing import Any

import msgspec

from simulator import inputs
from simulator.errors import ConfigError, Path, RolesimError, format_path
from simulator.importers.assemble import Stack, assemble
from simulator.importers.detect import is_module_file
from simulator.importers.hcl_blocks import RawBlock, TopLevelAttribute, split_blocks
from simulator.importers.hcl_eval import (
    NO_SHORTCUT,
    REFERENCE_WEIGHT,
    Evaluator,
    LimitError,
    Namespace,
    ResourceObject,
)
from simulator.importers.hcl_syntax import (
    Attr,
    Attribute,
    Block,
    Body,
    Expr,
    Name,
    Pos,
    Traversal,
    parse_template,
)
from simulator.importers.hcl_values import (
    EvalError,
    HclSet,
    as_mapping,
    deploy_time,
    iterate,
    unsourced,
    written_at,
)
from simulator.importers.resources import Resource
from simulator.importers.source import Imported, ImportOptions, Source
from simulator.importers.terraform_aws import (
    CFN_TYPES,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    DEPLOYED_IDS,
    AwsContext,
    Instance,
    computed_attributes,
    computes,
    partition_of,
    translate,
)
from simulator.importers.terraform_calls import check_call, check_named_roles
from simulator.importers.terraform_policy import policy_document
from simulator.importers.terraform_variables import (
    Variable,
    convert,
    declare,
    literal_evaluator,
    parameter_value,
    validate,
)
from simulator.importers.values import Placeholder, Unresolved
from simulator.inputs import InputKind, MiB
from simulator.model.document import Origin

MAX_INSTANCES = 1000  # per resource (count or for_each)
MAX_FILES = 500
MAX_MODULE_BYTES = 16 * MiB
TERRAFORM_FILES = InputKind(
    "Terraform .tf files", 2 * MiB, "a module's file of Cognito and IAM resources is far smaller"
)
MODULE_FILES = InputKind(
    "files that file() and templatefile() read", 1 * MiB, "a policy or template is far smaller"
)

ACCOUNT_PARAMETER = "AWS::AccountId"
REGION_PARAMETER = "AWS::Region"
PARTITION_PARAMETER = "AWS::Partition"

_META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on"})
_META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
_TOP_LEVEL = frozenset(
    {"terraform", "provider", "variable", "locals", "resource", "data", "module", "output",
     "moved", "import", "check", "removed", "ephemeral"}
)  # fmt: skip


class TerraformImport(msgspec.Struct, frozen=True):
    """What a Terraform reader found: the neutral resources and where they deploy."""

    resources: tuple[Resource, ...]
    aws: AwsContext
    notes: tuple[str, ...]  # what the reader should know (a region fallback, ignored parameters)
    source: str  # the module folder, or the plan file
    # The names --parameter can set: the module's variables and the AWS:: pseudo parameters (a
    # name nothing declares is the caller's to refuse: `diff` reads two sources).
    parameters: frozenset[str] = frozenset()
    skipped: tuple[tuple[str, str, str], ...] = ()  # (address, type, why it has no instance)
    unread: tuple[str, ...] = ()  # what the configuration uses but rolesim does not read


AWS_PARAMETERS = frozenset({"AWS::AccountId", "AWS::Region", "AWS::Partition"})


# The importer registry's entry point (simulator.importers.source) ------------------------------


def read(source: Source, options: ImportOptions) -> Imported:
    """The pool document of the Terraform module `source` names (or is in)."""
    return assembled(read_terraform(source.path, options.parameters), options, "terraform")


def assembled(found: TerraformImport, options: ImportOptions, fmt: str) -> Imported:
    """The neutral resources a Terraform reader found as one pool document (shared with the plan
    reader), with what the reader noted and the names --parameter can set."""
    stack = Stack(
        found.source,
        region=found.aws.region,
        account=found.aws.account,
        pool=options.pool,
        skipped=found.skipped,
        format=fmt,
        unread=found.unread,
    )
    result = assemble(found.resources, stack)
    return Imported(
        result.document,
        fmt,
        result.problems,
        (*found.notes, *result.notes),
        found.parameters,
    )


# Content detection (the registry's own test is simulator.importers.detect) -----------------------


def looks_like_terraform(text: str) -> bool:
    """True when `text` is HCL made of Terraform's top-level blocks (scanned, not parsed)."""
    try:
        items = split_blocks(text, "<text>")
    except ConfigError:
        return False
    return bool(items) and all(isinstance(i, RawBlock) and i.type in _TOP_LEVEL for i in items)


# Reading the module -------------------------------------------------------------------------------


def read_terraform(
    path: str | FsPath, parameters: Mapping[str, str] | None = None
) -> TerraformImport:
    """The neutral resources of the Terraform module `path` is in (or is)."""
    folder, files = _module_files(FsPath(path))
    items = [split_blocks(inputs.read_text(f, TERRAFORM_FILES), str(f)) for f in files]
    module = _Module(folder, items, dict(parameters or {}))
    return module.result()


def _module_files(path: FsPath) -> tuple[FsPath, list[FsPath]]:
    if path.is_dir():
        folder = path
    elif path.exists():
        folder = path.parent
    else:
        raise ConfigError("file not found", file=str(path))
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise ConfigError(f"cannot read the folder: {exc.strerror}", file=str(folder)) from None
    for entry in entries:
        name = entry.name
        if name.endswith(".tf.json"):
            raise ConfigError(
                "Terraform JSON configuration is not supported; rolesim reads .tf files",
                file=str(entry),
            )
        if name in ("override.tf",) or name.endswith("_override.tf"):
            raise ConfigError(
                "override files are not supported (they merge into other files' blocks)",
                file=str(entry),
                hint="merge the override into the block it overrides",
            )
    files = [e for e in entries if is_module_file(e)]
    inside = folder.resolve()
    for file in files:
        if file.resolve().parent != inside:
            # A link out of the module may name any file of the machine rolesim runs on.
            raise ConfigError(
                "a .tf file that links outside the module's folder is not read", file=str(file)
            )
    if not files:
        raise ConfigError("no .tf files in this folder", file=str(folder))
    if len(files) > MAX_FILES:
        raise ConfigError(f"more than {MAX_FILES} .tf files in one module", file=str(folder))
    total = sum(f.stat().st_size for f in files)
    if total > MAX_MODULE_BYTES:
        raise ConfigError(
            f"the module's .tf files hold {total} bytes, more than rolesim reads",
            file=str(folder),
        )
    return folder, files


class _Declared(msgspec.Struct, frozen=True):
    kind: str  # resource, data
    type: str
    name: str
    raw: RawBlock

    @property
    def block(self) -> Block:
        return self.raw.parse()

    @property
    def address(self) -> str:
        prefix = "data." if self.kind == "data" else ""
        return f"{prefix}{self.type}.{self.name}"


class _Evaluated(msgspec.Struct, frozen=True):
    """The instances of one resource or data source, and the value a reference to it sees."""

    instances: tuple[tuple[Instance, str], ...]  # with the D4 name of each
    value: Any


def _describe_key(key: tuple[str, ...]) -> str:
    """How Terraform writes what a memo key stands for: local.x, var.x, aws_x.y, data.aws_x.y."""
    return ".".join(key[1:]) if key[0] == "resource" else ".".join(key)


def _fail_at(err: ConfigError, where: str, construct: str | None = None) -> ConfigError:
    """Name the Terraform path (and address) of an error raised without one."""
    if err.native_path is None and not err.path:
        err.native_path = where
        err.construct = construct
        err.args = (str(err),)
    return err


def _native(address: str, path: Path) -> str:
    return f"{address}.{format_path(path)}" if path else address


class _Module:
    """One Terraform module being evaluated: the Resolver and FunctionContext of its expressions."""

    def __init__(
        self,
        folder: FsPath,
        files: list[list[RawBlock | TopLevelAttribute]],
        parameters: dict[str, str],
    ) -> None:
        self.folder = folder
        self.parameters = parameters
        self.evaluator = Evaluator(self, self)
        self.literal = literal_evaluator(self, self.evaluator)
        self.variables: dict[str, Variable] = {}
        self.locals: dict[str, Attribute] = {}
        self.declared: dict[tuple[str, str, str], _Declared] = {}
        self.resource_types: set[str] = set()
        self.modules: dict[str, Block] = {}
        self.module_texts: dict[str, str] = {}  # each call as written, for names it holds
        self.providers: dict[str | None, Block] = {}
        self.notes: list[str] = []
        self.cache: dict[tuple[str, ...], Any] = {}
        self.active: list[tuple[str, ...]] = []
        self.in_template = False
        self.deployable: list[str] = []  # addresses --parameter can give a deployed id for
        self.aws = AwsContext()
        for items in files:
            self._declare(items)
        self.aws = self._aws()

    # declarations ------------------------------------------------------------------------------

    def _declare(self, items: list[RawBlock | TopLevelAttribute]) -> None:
        for item in items:
            if isinstance(item, TopLevelAttribute):
                raise ConfigError(
                    f"argument {item.name!r} outside a block: not a Terraform configuration",
                    file=item.pos.file,
                    line=item.pos.line,
                )
            kind = item.type
            if kind in ("resource", "data"):
                self._declare_resource(item)  # its body is parsed when it is read
                continue
            if kind not in ("variable", "locals", "module", "provider"):
                continue  # terraform, output, moved, import, check...: nothing a pool needs
            block = item.parse()
            if kind == "variable":
                self._unique_labels(block, 1)
                self._once(self.variables, block.labels[0], block, "variable")
                self.variables[block.labels[0]] = declare(block)
            elif kind == "locals":
                for attribute in block.body.attributes:
                    if attribute.name in self.locals:
                        first = self.locals[attribute.name].pos
                        raise ConfigError(
                            f"local.{attribute.name} is defined twice "
                            f"(first at {first.file}:{first.line})",
                            file=attribute.pos.file,
                            line=attribute.pos.line,
                        )
                    self.locals[attribute.name] = attribute
            elif kind == "module":
                self._unique_labels(block, 1)
                self._once(self.modules, block.labels[0], block, "module")
                self.modules[block.labels[0]] = block
                self.module_texts[block.labels[0]] = item.text
            elif block.labels[:1] == ("aws",):
                alias = self._literal_string(block.body.attribute("alias"))
                if alias in self.providers:
                    first = self.providers[alias].pos
                    what = f'provider "aws" with alias {alias!r}' if alias else 'provider "aws"'
                    raise ConfigError(
                        f"{what} is configured twice (first at {first.file}:{first.line})",
                        file=block.pos.file,
                        line=block.pos.line,
                    )
                self.providers[alias] = block

    def _declare_resource(self, raw: RawBlock) -> None:
        if len(raw.labels) != 2:
            raise ConfigError(
                f"a {raw.type} block needs 2 labels", file=raw.pos.file, line=raw.pos.line
            )
        key = (raw.type, raw.labels[0], raw.labels[1])
        if key in self.declared:
            first = self.declared[key].raw.pos
            raise ConfigError(
                f"{self._address(key)} is declared twice (first at {first.file}:{first.line})",
                file=raw.pos.file,
                line=raw.pos.line,
            )
        self.declared[key] = _Declared(raw.type, raw.labels[0], raw.labels[1], raw)
        if raw.type == "resource":
            self.resource_types.add(raw.labels[0])

    @staticmethod
    def _address(key: tuple[str, str, str]) -> str:
        return ("data." if key[0] == "data" else "") + f"{key[1]}.{key[2]}"

    @staticmethod
    def _unique_labels(block: Block, count: int) -> None:
        if len(block.labels) != count:
            raise ConfigError(
                f"a {block.type} block needs {count} label{'s' if count > 1 else ''}",
                file=block.pos.file,
                line=block.pos.line,
            )

    @staticmethod
    def _once(seen: Mapping[str, Any], name: str, block: Block, what: str) -> None:
        if name in seen:
            raise ConfigError(
                f"{what} {name!r} is declared twice", file=block.pos.file, line=block.pos.line
            )

    def _module_source(self, block: Block) -> str | None:
        """A module call's `source`, which Terraform requires to be a literal string."""
        attribute = block.body.attribute("source")
        if attribute is None:
            return None
        try:
            value = self.literal.evaluate(attribute.expr)
        except (ConfigError, EvalError):
            return None
        return value if isinstance(value, str) else None

    def _literal_string(self, attribute: Attribute | None) -> str | None:
        if attribute is None:
            return None
        value = self.literal.evaluate(attribute.expr)
        if not isinstance(value, str):
            raise ConfigError(
                "a literal string is required", file=attribute.pos.file, line=attribute.pos.line
            )
        return value

    def _aws(self) -> AwsContext:
        account = self.parameters.get(ACCOUNT_PARAMETER, DEFAULT_ACCOUNT)
        region = self.parameters.get(REGION_PARAMETER)
        if region is None:
            region = self._provider_region(None)
        partition = self.parameters.get(PARTITION_PARAMETER, partition_of(region))
        return AwsContext(region=region, account=account, partition=partition)

    def _provider_region(self, alias: str | None) -> str:
        """The region of `provider "aws"` (D3: literal, variable default or local; else us-east-1)."""
        block = self.providers.get(alias)
        attribute = block.body.attribute("region") if block is not None else None
        if attribute is None:
            if alias is not None and block is None:
                raise ConfigError(f'no provider "aws" with alias {alias!r} is configured')
            return self.aws.region if alias is not None else DEFAULT_REGION
        value = self._evaluate(attribute.expr, {}, 'provider "aws" region')
        if isinstance(value, str) and not isinstance(value, Placeholder) and value:
            return value
        self.notes.append(
            f'{attribute.pos.file}:{attribute.pos.line}: the region of provider "aws" cannot be '
            f"known offline; using {DEFAULT_REGION} (give it with --parameter {REGION_PARAMETER}=...)"
        )
        return DEFAULT_REGION

    # evaluation ----------------------------------------------------------------------------------

    def _evaluate(
        self, expr: Expr, scope: Mapping[str, Any], where: str, construct: str | None = None
    ) -> Any:
        try:
            return self.evaluator.evaluate(expr, scope)
        except ConfigError as exc:
            raise _fail_at(exc, where, construct) from None

    def _memo(self, key: tuple[str, ...], pos: Pos, compute: Callable[[], Any]) -> Any:
        """`compute()` once per `key`; a reference back to a key being computed is a cycle."""
        if key in self.cache:
            return self.cache[key]
        if key in self.active:
            cycle = [*self.active[self.active.index(key) :], key]
            raise ConfigError(
                "reference cycle: " + " -> ".join(_describe_key(k) for k in cycle),
                file=pos.file,
                line=pos.line,
            )
        self.evaluator.enter(pos, REFERENCE_WEIGHT)
        self.active.append(key)
        try:
            value = compute()
        finally:
            self.active.pop()
            self.evaluator.leave(REFERENCE_WEIGHT)
        self.cache[key] = value
        return value

    def _origin(self, pos: Pos, address: str, path: Path) -> Origin:
        return Origin(pos.file, pos.line, native_path=_native(address, path), construct=address)

    # the Resolver ------------------------------------------------------------------------------

    def root(self, name: str, pos: Pos) -> Any:
        if self.in_template:
            raise EvalError(f"{name!r} is not a variable passed to the template")
        if name == "var":
            return Namespace("var", self._variable)
        if name == "local":
            return Namespace("local", self._local)
        if name == "data":
            return Namespace("data", self._data_type)
        if name == "module":
            return Namespace("module", self._module_call)
        if name == "path":
            return Namespace("path", self._path)
        if name == "terraform":
            return Namespace("terraform", self._terraform)
        if name in ("count", "each", "self"):
            raise ConfigError(
                f"{name!r} can only be used inside a resource that sets "
                + {"count": "count", "each": "for_each", "self": "a provisioner"}[name],
                file=pos.file,
                line=pos.line,
            )
        if name in self.resource_types:
            return Namespace(
                name,
                lambda n, p: self._resource_value("resource", name, n, p),
                lambda n, a, p: self._unread_attribute(name, n, a, p),
            )
        raise ConfigError(f"reference to undeclared {name!r}", file=pos.file, line=pos.line)

    def _variable(self, name: str, pos: Pos) -> Any:
        variable = self.variables.get(name)
        if variable is None:
            raise ConfigError(
                f"reference to undeclared input variable var.{name}", file=pos.file, line=pos.line
            )
        return self._memo(("var", name), pos, lambda: self._variable_value(variable))

    def _variable_value(self, variable: Variable) -> Any:
        where = f"var.{variable.name}"
        if variable.name in self.parameters and variable.sensitive:
            # A value given for a sensitive variable may be a secret of the CI run: not read, so
            # that no output or message can show it.
            return Unresolved(
                f"var.{variable.name} (sensitive: a value given for it is not read)",
                Origin(variable.pos.file, variable.pos.line, construct=f"var.{variable.name}"),
            )
        if variable.name in self.parameters:
            value = parameter_value(self.parameters[variable.name], variable, self.literal)
        elif variable.has_default and variable.default is not None:
            raw = self.literal.evaluate(variable.default)
            try:
                value = convert(raw, variable.type, self.literal)
            except EvalError as exc:
                raise ConfigError(
                    f"the default does not fit the variable's type: {exc}",
                    file=variable.pos.file,
                    line=variable.pos.line,
                    native_path=where,
                ) from None
        else:
            return Unresolved(
                f"var.{variable.name} (no default; give it with --parameter {variable.name}=...)",
                Origin(variable.pos.file, variable.pos.line, construct=f"var.{variable.name}"),
            )
        if value is None and not variable.nullable:
            raise ConfigError(
                "the variable is not nullable and has no value",
                file=variable.pos.file,
                line=variable.pos.line,
                native_path=where,
            )
        validate(variable, self.evaluator, Namespace("var", self._validation_var(variable, value)))
        return value

    def _validation_var(self, variable: Variable, value: Any) -> Any:
        def get(name: str, pos: Pos) -> Any:
            return value if name == variable.name else self._variable(name, pos)

        return get

    def _local(self, name: str, pos: Pos) -> Any:
        attribute = self.locals.get(name)
        if attribute is None:
            raise ConfigError(
                f"reference to undeclared local value local.{name}", file=pos.file, line=pos.line
            )
        return self._memo(
            ("local", name), pos, lambda: self._evaluate(attribute.expr, {}, f"local.{name}")
        )

    def _data_type(self, type_: str, pos: Pos) -> Any:
        if not any(k[0] == "data" and k[1] == type_ for k in self.declared):
            raise ConfigError(
                f"reference to undeclared data source type data.{type_}",
                file=pos.file,
                line=pos.line,
            )
        return Namespace(f"data.{type_}", lambda n, p: self._resource_value("data", type_, n, p))

    def _module_call(self, name: str, pos: Pos) -> Any:
        block = self.modules.get(name)
        if block is None:
            raise ConfigError(
                f"reference to undeclared module.{name}", file=pos.file, line=pos.line
            )

        def output(attribute: str, at: Pos) -> Unresolved:
            return Unresolved(
                f"module.{name}.{attribute} (module outputs are not evaluated)",
                Origin(at.file, at.line, construct=f"module.{name}"),
            )

        return Namespace(f"module.{name}", output)

    def _path(self, name: str, pos: Pos) -> Any:
        if name in ("module", "root"):
            return "."
        return Unresolved(f"path.{name}", Origin(pos.file, pos.line))

    def _terraform(self, name: str, pos: Pos) -> Any:
        if name == "workspace":
            return "default"
        raise ConfigError(
            f"terraform.{name} is not a known attribute", file=pos.file, line=pos.line
        )

    # resources and data sources ----------------------------------------------------------------

    def _resource_value(self, kind: str, type_: str, name: str, pos: Pos) -> Any:
        declared = self.declared.get((kind, type_, name))
        if declared is None:
            prefix = "data." if kind == "data" else ""
            raise ConfigError(
                f"reference to undeclared {kind} {prefix}{type_}.{name}",
                file=pos.file,
                line=pos.line,
            )
        return self._evaluated(declared, pos).value

    def _unread_attribute(self, type_: str, name: str, attribute: str, pos: Pos) -> Any:
        """`TYPE.NAME.ATTRIBUTE` without reading the block, when the block cannot hold it: a
        resource rolesim does not translate, read by an attribute its body does not set, is an
        attribute the provider computes at apply time."""
        declared = self.declared.get(("resource", type_, name))
        if (
            declared is None
            or type_ in CFN_TYPES
            or computes(type_)
            or ("resource", type_, name) in self.cache
            or attribute in declared.raw.names
            or {"count", "for_each"} & declared.raw.names
        ):
            return NO_SHORTCUT
        return Unresolved(
            f"{declared.address}.{attribute} (known only after apply)", Origin(pos.file, pos.line)
        )

    def _evaluated(self, declared: _Declared, pos: Pos) -> _Evaluated:
        key = (declared.kind, declared.type, declared.name)
        result: _Evaluated = self._memo(key, pos, lambda: self._evaluate_declared(declared))
        return result

    def _evaluate_declared(self, declared: _Declared) -> _Evaluated:
        body = declared.block.body
        keys = self._instance_keys(declared)
        region = self._resource_region(declared)
        aws = (
            self.aws
            if region == self.aws.region
            else AwsContext(region, self.aws.account, self.aws.partition)
        )
        instances: list[tuple[Instance, str]] = []
        objects: list[ResourceObject] = []
        for key, scope in keys:
            address, d4_name = self._instance_names(declared, key, len(keys))
            origins: dict[Path, Origin] = {}
            values = self._body(body, scope, address, (), origins, top=True)
            values = self._computed(declared, d4_name, address, values, aws)
            origin = self._origin(declared.block.pos, address, ())
            written: dict[Path, Pos] = {}
            plain = unsourced(values, written)
            for path, pos in written.items():
                # A literal that a local, a variable or a map passed along: the line that wrote it.
                origins[path] = self._origin(pos, address, path)
            instances.append((Instance(declared.type, address, plain, origin, origins), d4_name))
            reason = (
                "data sources are not read offline"
                if declared.kind == "data"
                else "known only after apply"
            )
            objects.append(ResourceObject(address, values, reason))
        count_attr = body.attribute("count")
        value: Any
        if count_attr is not None:
            value = objects
        elif body.attribute("for_each") is not None:
            value = {k: obj for (k, _), obj in zip(keys, objects, strict=True)}
        else:
            value = objects[0]
        return _Evaluated(tuple(instances), value)

    def _computed(
        self,
        declared: _Declared,
        d4_name: str,
        address: str,
        values: dict[str, Any],
        aws: AwsContext,
    ) -> dict[str, Any]:
        if declared.kind == "resource":
            deployed = self.parameters.get(address)  # --parameter ADDRESS=<deployed id>
            computed = computed_attributes(declared.type, d4_name, address, values, aws, deployed)
            return {**values, **computed}
        if declared.type == "aws_caller_identity":
            return {**values, "account_id": aws.account, "id": aws.account}
        if declared.type == "aws_region":
            region = values.get("region") or values.get("name") or aws.region
            return {**values, "name": region, "region": region, "id": region}
        if declared.type == "aws_partition":
            cn = aws.partition == "aws-cn"
            return {
                **values,
                "partition": aws.partition,
                "id": aws.partition,
                "dns_suffix": "amazonaws.com.cn" if cn else "amazonaws.com",
                "reverse_dns_prefix": "cn.com.amazonaws" if cn else "com.amazonaws",
            }
        if declared.type == "aws_iam_policy_document":
            block = declared.block

            def fail(path: Path, message: str) -> ConfigError:
                return ConfigError(
                    message,
                    file=block.pos.file,
                    line=block.pos.line,
                    native_path=_native(address, path),
                    construct=address,
                )

            return {**values, **policy_document(values, address, fail)}
        return values

    def _resource_region(self, declared: _Declared) -> str:
        attribute = declared.block.body.attribute("provider")
        if attribute is None:
            return self.aws.region
        expr = attribute.expr
        if (
            isinstance(expr, Traversal)
            and isinstance(expr.root, Name)
            and expr.root.name == "aws"
            and len(expr.steps) == 1
            and isinstance(expr.steps[0], Attr)
        ):
            alias = expr.steps[0].name
            try:
                return self._provider_region(alias)
            except ConfigError as exc:
                raise exc.locate(attribute.pos.file, attribute.pos.line) from None
        if isinstance(expr, Name) and expr.name == "aws":
            return self.aws.region
        return self.aws.region  # another provider's resource: its region does not matter here

    def _instance_keys(self, declared: _Declared) -> list[tuple[Any, dict[str, Any]]]:
        body = declared.block.body
        count, for_each = body.attribute("count"), body.attribute("for_each")
        address = declared.address
        if count is not None and for_each is not None:
            raise ConfigError(
                "count and for_each cannot both be set",
                file=count.pos.file,
                line=count.pos.line,
                native_path=address,
            )
        if count is not None:
            n = self._evaluate(count.expr, {}, f"{address}.count", address)
            if isinstance(n, Unresolved):
                raise ConfigError(
                    f"cannot be known offline: it depends on {n.construct}",
                    file=count.pos.file,
                    line=count.pos.line,
                    native_path=f"{address}.count",
                    hint="give the variables it uses with --parameter",
                )
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ConfigError(
                    "count must be a whole number of 0 or more",
                    file=count.pos.file,
                    line=count.pos.line,
                    native_path=f"{address}.count",
                )
            self._check_instances(n, address, count.pos)
            return [(i, {"count": {"index": i}}) for i in range(n)]
        if for_each is not None:
            return self._for_each_keys(for_each, address)
        return [(None, {})]

    def _for_each_keys(self, for_each: Attribute, address: str) -> list[tuple[Any, dict[str, Any]]]:
        pos = for_each.pos
        value = self._evaluate(for_each.expr, {}, f"{address}.for_each", address)
        if isinstance(value, Unresolved):
            raise ConfigError(
                f"cannot be known offline: it depends on {value.construct}",
                file=pos.file,
                line=pos.line,
                native_path=f"{address}.for_each",
                hint="give the variables it uses with --parameter",
            )
        if isinstance(value, dict):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, HclSet) and all(isinstance(v, str) for v in value):
            items = [(v, v) for v in value]
        else:
            raise ConfigError(
                "for_each must be a map or a set of strings, found a "
                f"{'list' if isinstance(value, list) else type(value).__name__}",
                file=pos.file,
                line=pos.line,
                native_path=f"{address}.for_each",
                hint="convert a list with toset(...)",
            )
        for k, _ in items:
            if deploy_time(k):
                raise ConfigError(
                    f"for_each keys include {k.of}.{k.attribute}, which is known only "
                    "after apply (Terraform refuses to plan this)",
                    file=pos.file,
                    line=pos.line,
                    native_path=f"{address}.for_each",
                )
        self._check_instances(len(items), address, pos)
        return [(k, {"each": {"key": k, "value": v}}) for k, v in items]

    @staticmethod
    def _check_instances(n: int, address: str, pos: Pos) -> None:
        if n > MAX_INSTANCES:
            raise LimitError(
                f"{n} instances, more than rolesim evaluates ({MAX_INSTANCES})",
                file=pos.file,
                line=pos.line,
                native_path=address,
            )

    @staticmethod
    def _instance_names(declared: _Declared, key: Any, total: int) -> tuple[str, str]:
        """The instance's address and its D4 name (the `[0]` of a count = 1 instance dropped)."""
        if key is None:
            return declared.address, declared.name
        suffix = f"[{key}]" if isinstance(key, int) else '["' + str(key).replace('"', '\\"') + '"]'
        d4 = declared.name if isinstance(key, int) and total == 1 else declared.name + suffix
        return declared.address + suffix, d4

    def _body(
        self,
        body: Body,
        scope: Mapping[str, Any],
        address: str,
        prefix: Path,
        origins: dict[Path, Origin],
        *,
        top: bool,
    ) -> dict[str, Any]:
        """A block's arguments and nested blocks in Terraform's shapes (blocks as lists)."""
        out: dict[str, Any] = {}
        for attribute in body.attributes:
            if top and attribute.name in _META_ARGUMENTS:
                continue
            path = (*prefix, attribute.name)
            origins[path] = self._origin(attribute.pos, address, path)
            value = self._evaluate(attribute.expr, scope, _native(address, path), address)
            if value is not None:  # null leaves the argument unset
                out[attribute.name] = value
        for block in body.blocks:
            if top and block.type in _META_BLOCKS:
                continue
            if block.type == "dynamic":
                self._dynamic(block, scope, address, prefix, origins, out)
                continue
            listed = out.setdefault(block.type, [])
            if not isinstance(listed, list):
                continue  # an unknown dynamic expansion of the same block type
            path = (*prefix, block.type, len(listed))
            origins[path] = self._origin(block.pos, address, path)
            self.evaluator.enter(block.pos)
            try:
                listed.append(self._body(block.body, scope, address, path, origins, top=False))
            finally:
                self.evaluator.leave()
        return out

    def _dynamic(
        self,
        block: Block,
        scope: Mapping[str, Any],
        address: str,
        prefix: Path,
        origins: dict[Path, Origin],
        out: dict[str, Any],
    ) -> None:
        if len(block.labels) != 1:
            raise ConfigError(
                "a dynamic block needs one label: the block type it generates",
                file=block.pos.file,
                line=block.pos.line,
            )
        label = block.labels[0]
        for_each = block.body.attribute("for_each")
        content = next(block.body.blocks_of("content"), None)
        if for_each is None or content is None:
            raise ConfigError(
                f'dynamic "{label}" needs for_each and a content block',
                file=block.pos.file,
                line=block.pos.line,
            )
        iterator = label
        iterator_attr = block.body.attribute("iterator")
        if iterator_attr is not None:
            expr = iterator_attr.expr
            if isinstance(expr, Traversal) and not expr.steps:
                expr = expr.root
            if not isinstance(expr, Name):
                raise ConfigError(
                    "iterator must be a name",
                    file=iterator_attr.pos.file,
                    line=iterator_attr.pos.line,
                )
            iterator = expr.name
        where = _native(address, (*prefix, label))
        collection = self._evaluate(for_each.expr, scope, f"{where}.for_each", address)
        if isinstance(collection, Unresolved):
            out[label] = collection  # how many blocks there will be is not known offline
            return
        try:
            pairs = list(iterate(collection))
        except EvalError as exc:
            raise ConfigError(
                f'dynamic "{label}" for_each: {exc}', file=for_each.pos.file, line=for_each.pos.line
            ) from None
        self.evaluator.count(len(pairs), for_each.pos)
        listed = out.setdefault(label, [])
        if not isinstance(listed, list):
            return
        for key, value in pairs:
            inner = {**scope, iterator: {"key": key, "value": value}}
            path = (*prefix, label, len(listed))
            # A block made from a literal element (a rule in a local list) points at the element.
            origins[path] = self._origin(written_at(value) or content.pos, address, path)
            self.evaluator.enter(content.pos)
            try:
                listed.append(self._body(content.body, inner, address, path, origins, top=False))
            finally:
                self.evaluator.leave()

    # the FunctionContext -----------------------------------------------------------------------

    def read_module_file(self, path: str) -> Any:
        target = (self.folder / path).resolve()
        folder = self.folder.resolve()
        if folder not in (target, *target.parents):
            # Only the module's own files are read: a file outside it may hold anything.
            return Unresolved(f"file({path!r}) outside the module's folder (not read)")
        if not target.is_file():
            raise EvalError(f"no file {path!r} in the module's folder")
        try:
            return inputs.read_text(target, MODULE_FILES)
        except RolesimError as exc:
            raise EvalError(f"the file {path!r} cannot be read: {exc}") from None

    def render_template(self, text: str, variables: Mapping[str, Any], path: str) -> Any:
        if self.in_template:
            raise EvalError("templatefile() cannot be called from a template")
        if isinstance(text, Unresolved):
            return text
        template = parse_template(text, Pos(str(self.folder / path), 1))
        self.in_template = True
        try:
            return self.evaluator.eval(template, dict(as_mapping(variables)))
        finally:
            self.in_template = False

    # the result --------------------------------------------------------------------------------

    def result(self) -> TerraformImport:
        for name, block in self.modules.items():
            check_call(name, block, self.locals, self._module_source(block), self.folder)
        resources: list[Resource] = []
        skipped: list[tuple[str, str, str]] = []
        for declared in self._translated():
            evaluated = self._evaluated(declared, declared.raw.pos)
            if not evaluated.instances:
                why = "count = 0" if declared.block.body.attribute("count") else "for_each is empty"
                skipped.append((declared.address, CFN_TYPES[declared.type], why))
            for instance, _ in evaluated.instances:
                if declared.type in DEPLOYED_IDS:
                    self.deployable.append(instance.address)
                resource = translate(instance)
                if resource is not None:
                    resources.append(resource)
        roles = [r.properties.get("RoleName") for r in resources if r.type == "AWS::IAM::Role"]
        for name, block in self.modules.items():
            check_named_roles(
                name, block, self.module_texts[name], self._module_source(block), self.folder,
                # A name the provider generates (a placeholder) is no name a module can write.
                (r for r in roles if isinstance(r, str) and r and not isinstance(r, Placeholder)),
            )  # fmt: skip
        unread = tuple(
            f"module.{name} ({block.pos.file}:{block.pos.line}) is not read: resources inside "
            "modules are not imported, and its outputs stay unknown"
            for name, block in self.modules.items()
        )
        return TerraformImport(
            tuple(resources),
            self.aws,
            (*self.notes, *unread),
            str(self.folder),
            frozenset(self.variables) | AWS_PARAMETERS | frozenset(self.deployable),
            tuple(skipped),
            unread,
        )

    def _translated(self) -> Iterator[_Declared]:
        for declared in self.declared.values():
            if declared.kind == "resource" and declared.type in CFN_TYPES:
                yield declared
