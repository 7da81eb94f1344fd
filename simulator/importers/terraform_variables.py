"""Terraform input variables: type constraints, values from `--parameter`, defaults, validation.

A value given with `--parameter NAME=VALUE` is taken like `terraform plan -var NAME=VALUE`: as a
literal string for a variable of a primitive type or without a type, and as an HCL expression for a
collection or structural type (IMPORT.md D2). Either way it, and a default, are converted to the
declared type as Terraform converts values.
https://developer.hashicorp.com/terraform/language/values/variables
https://developer.hashicorp.com/terraform/language/expressions/type-constraints
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from simulator.errors import ConfigError
from simulator.importers.hcl_eval import Evaluator, Namespace
from simulator.importers.hcl_functions import FunctionContext
from simulator.importers.hcl_syntax import (
    Block,
    Call,
    Expr,
    Literal,
    Name,
    ObjectExpr,
    Pos,
    Traversal,
    TupleExpr,
    parse_body,
)
from simulator.importers.hcl_values import (
    EvalError,
    HclSet,
    to_bool,
    to_number,
    to_string,
    type_name,
    unsourced,
)
from simulator.importers.values import Unresolved


class Primitive(msgspec.Struct, frozen=True):
    name: str  # string, number, bool, any


class Collection(msgspec.Struct, frozen=True):
    kind: str  # list, set, map
    element: TypeSpec


class TupleType(msgspec.Struct, frozen=True):
    elements: tuple[TypeSpec, ...]


class ObjectAttribute(msgspec.Struct, frozen=True):
    type: TypeSpec
    optional: bool
    default: Expr | None


class ObjectType(msgspec.Struct, frozen=True):
    attributes: Mapping[str, ObjectAttribute]


TypeSpec = Primitive | Collection | TupleType | ObjectType
ANY = Primitive("any")


class Variable(msgspec.Struct, frozen=True):
    name: str
    pos: Pos
    type: TypeSpec
    default: Expr | None
    has_default: bool
    nullable: bool
    validations: tuple[Block, ...]
    sensitive: bool = False


def declare(block: Block) -> Variable:
    """A `variable` block's declaration."""
    body = block.body
    type_attr = body.attribute("type")
    spec = parse_type(type_attr.expr) if type_attr is not None else ANY
    default = body.attribute("default")
    return Variable(
        name=block.labels[0],
        pos=block.pos,
        type=spec,
        default=default.expr if default is not None else None,
        has_default=default is not None,
        nullable=_flag(block, "nullable", default=True),
        validations=tuple(body.blocks_of("validation")),
        sensitive=_flag(block, "sensitive", default=False),
    )


def _flag(block: Block, name: str, *, default: bool) -> bool:
    attribute = block.body.attribute(name)
    if attribute is None:
        return default
    if not isinstance(attribute.expr, Literal) or not isinstance(attribute.expr.value, bool):
        raise ConfigError(
            f"{name} must be true or false", file=attribute.pos.file, line=attribute.pos.line
        )
    return attribute.expr.value


def parse_type(expr: Expr) -> TypeSpec:
    """A type constraint expression (`list(string)`, `object({a = optional(number, 1)})`)."""
    if isinstance(expr, Name) and expr.name in ("string", "number", "bool", "any"):
        return Primitive(expr.name)
    if isinstance(expr, Traversal) and isinstance(expr.root, Name) and not expr.steps:
        return parse_type(expr.root)
    if isinstance(expr, Call):
        if expr.name in ("list", "set", "map") and len(expr.args) == 1:
            return Collection(expr.name, parse_type(expr.args[0]))
        if expr.name == "tuple" and len(expr.args) == 1 and isinstance(expr.args[0], TupleExpr):
            return TupleType(tuple(parse_type(e) for e in expr.args[0].items))
        if expr.name == "object" and len(expr.args) == 1 and isinstance(expr.args[0], ObjectExpr):
            attributes: dict[str, ObjectAttribute] = {}
            for key, value in expr.args[0].items:
                if not isinstance(key, Literal) or not isinstance(key.value, str):
                    break
                attributes[key.value] = _object_attribute(value)
            else:
                return ObjectType(attributes)
    raise ConfigError(
        "not a type constraint Terraform knows", file=expr.pos.file, line=expr.pos.line
    )


def _object_attribute(expr: Expr) -> ObjectAttribute:
    if isinstance(expr, Call) and expr.name == "optional" and 1 <= len(expr.args) <= 2:
        default = expr.args[1] if len(expr.args) == 2 else None
        return ObjectAttribute(parse_type(expr.args[0]), optional=True, default=default)
    return ObjectAttribute(parse_type(expr), optional=False, default=None)


def convert(value: Any, spec: TypeSpec, literal: Evaluator | None = None) -> Any:
    """`value` converted to the type; EvalError when Terraform could not convert it."""
    if value is None or isinstance(value, Unresolved):
        return value
    if isinstance(spec, Primitive):
        return _primitive(value, spec.name)
    if isinstance(spec, Collection):
        if spec.kind == "map":
            if not isinstance(value, dict):
                raise EvalError(f"a map is required, found a {type_name(value)}")
            return {k: convert(v, spec.element, literal) for k, v in value.items()}
        if not isinstance(value, list | tuple):
            raise EvalError(f"a {spec.kind} is required, found a {type_name(value)}")
        items = [convert(v, spec.element, literal) for v in value]
        return HclSet.of(items) if spec.kind == "set" else items
    if isinstance(spec, TupleType):
        if not isinstance(value, list | tuple) or len(value) != len(spec.elements):
            raise EvalError(f"a tuple of {len(spec.elements)} elements is required")
        return [convert(v, t, literal) for v, t in zip(value, spec.elements, strict=True)]
    return _object(value, spec, literal)


def _primitive(value: Any, name: str) -> Any:
    if name == "any":
        return value
    if isinstance(value, dict | list | tuple):
        raise EvalError(f"a {name} is required, found a {type_name(value)}")
    if name == "string":
        return to_string(value)
    if name == "number":
        return to_number(value)
    return to_bool(value)


def _object(value: Any, spec: ObjectType, literal: Evaluator | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EvalError(f"an object is required, found a {type_name(value)}")
    out: dict[str, Any] = {}
    for name, attribute in spec.attributes.items():
        if name in value and value[name] is not None:
            out[name] = convert(value[name], attribute.type, literal)
        elif attribute.optional:
            default = (
                literal.evaluate(attribute.default)
                if attribute.default is not None and literal is not None
                else None
            )
            out[name] = convert(default, attribute.type, literal)
        elif name in value:
            out[name] = None
        else:
            raise EvalError(f"the object has no attribute {name!r}, which the type requires")
    return out


def parameter_value(text: str, variable: Variable, literal: Evaluator) -> Any:
    """A `--parameter NAME=VALUE` for `variable`, as `-var` gives it."""
    where = f"--parameter {variable.name}"
    if isinstance(variable.type, Primitive):
        raw: Any = text
    else:
        body = parse_body(f"value = {text}\n", where)
        attribute = body.attribute("value")
        if attribute is None or len(body.attributes) != 1 or body.blocks:
            raise ConfigError("expected one HCL value", file=where)
        # Written on the command line, not in a file: no line to point back at.
        raw = unsourced(literal.evaluate(attribute.expr), {})
    try:
        return convert(raw, variable.type, literal)
    except EvalError as exc:
        raise ConfigError(
            f"the value does not fit the variable's type: {exc}",
            file=where,
            hint=f"variable {variable.name!r} is declared on {variable.pos.file}:{variable.pos.line}",
        ) from None


class NoReferences:
    """The scope of a variable default or a `--parameter` value: literal values only."""

    def root(self, name: str, pos: Pos) -> Any:
        raise ConfigError(
            f"{name!r}: references are not allowed here (a literal value is required)",
            file=pos.file,
            line=pos.line,
        )


def literal_evaluator(context: FunctionContext, like: Evaluator) -> Evaluator:
    """An evaluator for literal values that shares `like`'s work budget."""
    return Evaluator(NoReferences(), context, like.budget)


def validate(variable: Variable, evaluator: Evaluator, scope_root: Namespace) -> None:
    """Run the variable's `validation` blocks; a false condition is Terraform's error."""
    for block in variable.validations:
        condition = block.body.attribute("condition")
        if condition is None:
            continue
        scope = {"var": scope_root}
        result = evaluator.evaluate(condition.expr, scope)
        if isinstance(result, Unresolved) or not isinstance(result, bool):
            continue  # cannot be decided offline: Terraform would decide at plan time
        if not result:
            message_attr = block.body.attribute("error_message")
            message = "the value does not pass the variable's validation"
            if message_attr is not None:
                text = evaluator.evaluate(message_attr.expr, scope)
                if isinstance(text, str):
                    message = text
            raise ConfigError(
                f"var.{variable.name}: {message}", file=condition.pos.file, line=condition.pos.line
            )
