"""Evaluating HCL expressions (simulator.importers.hcl_syntax) as Terraform does.

The evaluator knows the expression language: operators, conditionals, templates with directives,
`for` expressions, splat, indexes and function calls. What names mean at the top of a traversal
(`var`, `local`, a resource type, `data`, `each`...) comes from a `Resolver` the Terraform module
provides. Unknown values (`Unresolved`) propagate as in Terraform. Work and nesting are bounded:
a configuration cannot make the evaluation run without end, recurse without limit or build values
without limit. Sources: https://developer.hashicorp.com/terraform/language/expressions
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import msgspec

from simulator.errors import ConfigError
from simulator.importers import hcl_functions
from simulator.importers.hcl_syntax import (
    Attr,
    Call,
    Conditional,
    Expr,
    ForExpr,
    Interp,
    Key,
    Literal,
    Name,
    ObjectExpr,
    Operation,
    Pos,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TemplatePart,
    Traversal,
    TupleExpr,
    Unary,
)
from simulator.importers.hcl_values import (
    MAX_STRING,
    EvalError,
    HclSet,
    Sourced,
    SourcedDict,
    SourcedList,
    deploy_time,
    derived_string,
    equal,
    iterate,
    number,
    to_bool,
    to_number,
    to_string,
    type_name,
)
from simulator.importers.values import Unresolved

# Nested evaluations across references and blocks, in expression levels: a reference to a local or
# a resource costs several, as it goes through more of the Python stack. The bound keeps the
# evaluation well inside Python's default recursion limit, whatever the file says.
MAX_DEPTH = 200
REFERENCE_WEIGHT = 5
MAX_STEPS = 500_000  # expression nodes and collection elements evaluated per import


class LimitError(ConfigError):
    """The configuration asks for more work than rolesim does (not catchable by `try`)."""


class LocatedError(EvalError):
    """An EvalError with the position of the innermost expression that raised it."""

    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


NO_SHORTCUT = object()


class Namespace:
    """A name that is not a value by itself (`var`, `local`, `aws_iam_role`, `data.x`...).

    `attribute(name, attr, pos)` may answer `NAMESPACE.name.attr` without building the whole of
    `NAMESPACE.name` (a resource's attribute), or give NO_SHORTCUT."""

    def __init__(
        self,
        describe: str,
        get: Callable[[str, Pos], Any],
        attribute: Callable[[str, str, Pos], Any] | None = None,
    ) -> None:
        self.describe = describe
        self.get = get
        self.attribute = attribute


class ResourceObject(dict[str, Any]):
    """A resource instance's attributes. One the file does not set is computed by the provider
    (or, for a data source, read from AWS): reading it is unknown rather than an error."""

    address: str
    reason: str

    def __init__(
        self, address: str, values: Mapping[str, Any], reason: str = "known only after apply"
    ) -> None:
        super().__init__(values)
        self.address = address
        self.reason = reason

    def missing(self, name: str, pos: Pos) -> Unresolved:
        from simulator.model.document import Origin

        return Unresolved(f"{self.address}.{name} ({self.reason})", Origin(pos.file, pos.line))


class Resolver(Protocol):
    def root(self, name: str, pos: Pos) -> Any:
        """The value or Namespace a top-level name stands for; ConfigError if undeclared."""
        ...


Scope = Mapping[str, Any]


class Budget(msgspec.Struct):
    steps: int = 0
    depth: int = 0


class Evaluator:
    def __init__(
        self,
        resolver: Resolver,
        context: hcl_functions.FunctionContext,
        budget: Budget | None = None,
    ) -> None:
        self.resolver = resolver
        self.context = context
        self.budget = budget or Budget()

    # entry point ---------------------------------------------------------------------------------

    def evaluate(self, expr: Expr, scope: Scope | None = None) -> Any:
        """The value of `expr`; ConfigError with the file and line of what went wrong."""
        try:
            return self.eval(expr, scope or {})
        except LocatedError as exc:
            raise ConfigError(exc.message, file=exc.pos.file, line=exc.pos.line) from None

    def enter(self, pos: Pos, weight: int = 1) -> None:
        """Go one level deeper (`weight`: how many expression levels of stack it costs); the
        caller calls `leave` with the same weight."""
        budget = self.budget
        budget.depth += weight
        if budget.depth > MAX_DEPTH:
            budget.depth -= weight
            raise LimitError(
                "expressions, references and blocks nested too deeply "
                f"(more than {MAX_DEPTH} levels, a reference counting as {REFERENCE_WEIGHT})",
                file=pos.file,
                line=pos.line,
            )
        try:
            self.count(1, pos)
        except LimitError:
            budget.depth -= weight
            raise

    def leave(self, weight: int = 1) -> None:
        self.budget.depth -= weight

    def count(self, n: int, pos: Pos) -> None:
        self.budget.steps += n
        if self.budget.steps > MAX_STEPS:
            raise LimitError(
                f"the configuration takes more than {MAX_STEPS} evaluation steps",
                file=pos.file,
                line=pos.line,
            )

    def eval(self, expr: Expr, scope: Scope) -> Any:
        self.enter(expr.pos)
        try:
            return self._dispatch(expr, scope)
        except LocatedError:
            raise
        except EvalError as exc:
            raise LocatedError(str(exc), expr.pos) from None
        finally:
            self.leave()

    def _dispatch(self, expr: Expr, scope: Scope) -> Any:
        if isinstance(expr, Literal):
            return Sourced(expr.value, expr.pos) if isinstance(expr.value, str) else expr.value
        if isinstance(expr, Template):
            return self.template(expr.parts, scope, expr.pos)
        if isinstance(expr, Traversal):
            return self.traversal(expr, scope)
        if isinstance(expr, Name):
            return self.name(expr, scope)
        if isinstance(expr, TupleExpr):
            self.count(len(expr.items), expr.pos)
            return SourcedList([self.eval(item, scope) for item in expr.items], expr.pos)
        if isinstance(expr, ObjectExpr):
            return self.object(expr, scope)
        if isinstance(expr, Call):
            return self.call(expr, scope)
        if isinstance(expr, Conditional):
            return self.conditional(expr, scope)
        if isinstance(expr, Operation):
            return self.operation(expr, scope)
        if isinstance(expr, Unary):
            return self.unary(expr, scope)
        return self.for_expr(expr, scope)

    # names and traversals ------------------------------------------------------------------------

    def name(self, expr: Name, scope: Scope) -> Any:
        if expr.name in scope:
            return scope[expr.name]
        value = self.resolver.root(expr.name, expr.pos)
        if isinstance(value, Namespace):
            raise EvalError(f"{value.describe} must be followed by an attribute name")
        return value

    def traversal(self, expr: Traversal, scope: Scope) -> Any:
        root = expr.root
        if isinstance(root, Name) and root.name not in scope:
            value = self.resolver.root(root.name, root.pos)
        else:
            value = self.eval(root, scope)
        steps = expr.steps
        if isinstance(value, Namespace) and value.attribute is not None and len(steps) >= 2:
            first, second = steps[0], steps[1]
            if isinstance(first, Attr) and isinstance(second, Attr):
                shortcut = value.attribute(first.name, second.name, expr.pos)
                if shortcut is not NO_SHORTCUT:
                    value, steps = shortcut, steps[2:]
        for step in steps:
            if isinstance(value, Unresolved):
                return value
            value = self.step(value, step, scope, expr.pos)
        if isinstance(value, Namespace):
            raise EvalError(f"{value.describe} must be followed by an attribute name")
        return value

    def step(self, value: Any, step: Attr | Key | Splat, scope: Scope, pos: Pos) -> Any:
        if isinstance(step, Attr):
            return self.get_attr(value, step.name, pos)
        if isinstance(step, Key):
            key = self.eval(step.key, scope)
            return self.index(value, key)
        return self.splat(value, step, scope, pos)

    def get_attr(self, value: Any, name: str, pos: Pos) -> Any:
        if isinstance(value, Namespace):
            return value.get(name, pos)
        if isinstance(value, dict):
            if name in value:
                return value[name]
            if isinstance(value, ResourceObject):
                return value.missing(name, pos)
            raise EvalError(f"this object has no attribute {name!r}")
        if value is None:
            raise EvalError(f"cannot read attribute {name!r} of a null value")
        if isinstance(value, list | tuple):
            raise EvalError(
                f"cannot read attribute {name!r} of a {type_name(value)}: pick an element "
                f'([0], ["key"]) or use a splat ([*].{name})'
            )
        raise EvalError(f"a {type_name(value)} has no attribute {name!r}")

    def index(self, value: Any, key: Any) -> Any:
        if isinstance(key, Unresolved):
            return key
        if isinstance(value, Namespace):
            raise EvalError(f"{value.describe} cannot be indexed")
        if isinstance(value, dict):
            k = to_string(key)
            if k in value:
                return value[k]
            if isinstance(value, ResourceObject):
                raise EvalError(f"{value.address} has no attribute {k!r}")
            raise EvalError(f"the map has no key {k!r}")
        if isinstance(value, HclSet):
            raise EvalError("a set cannot be indexed: convert it with tolist()")
        if isinstance(value, list | tuple):
            i = to_number(key)
            if isinstance(i, float) or i < 0 or i >= len(value):
                raise EvalError(f"index {key} is outside a list of {len(value)} elements")
            return value[i]
        if value is None:
            raise EvalError("cannot index a null value")
        raise EvalError(f"a {type_name(value)} cannot be indexed")

    def splat(self, value: Any, step: Splat, scope: Scope, pos: Pos) -> Any:
        if isinstance(value, Namespace):
            raise EvalError(f"{value.describe} cannot be splatted")
        if value is None:
            items: list[Any] = []
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            items = [value]  # a single value splats to a one-element list
        each: tuple[Attr | Key, ...] = step.each
        after: tuple[Attr | Key, ...] = ()
        if not step.full:
            # `.*` applies only attribute steps to each element; an index applies to the result.
            for i, s in enumerate(each):
                if isinstance(s, Key):
                    each, after = each[:i], each[i:]
                    break
        self.count(len(items), pos)
        out = []
        for item in items:
            element = item
            for s in each:
                if isinstance(element, Unresolved):
                    break
                element = self.step(element, s, scope, pos)
            out.append(element)
        result: Any = out
        for s in after:
            if isinstance(result, Unresolved):
                break
            result = self.step(result, s, scope, pos)
        return result

    # collections ---------------------------------------------------------------------------------

    def object(self, expr: ObjectExpr, scope: Scope) -> Any:
        self.count(len(expr.items), expr.pos)
        out: dict[str, Any] = {}
        pending: Unresolved | None = None
        for key_expr, value_expr in expr.items:
            key = self.eval(key_expr, scope)
            value = self.eval(value_expr, scope)
            if isinstance(key, Unresolved):
                pending = pending or key
                continue
            if key is None:
                raise LocatedError("an object key must not be null", key_expr.pos)
            k = to_string(key)
            if k in out:
                raise LocatedError(f"the object key {k!r} is given twice", key_expr.pos)
            out[k] = value
        return pending if pending is not None else SourcedDict(out, expr.pos)

    def for_expr(self, expr: ForExpr, scope: Scope) -> Any:
        collection = self.eval(expr.collection, scope)
        if isinstance(collection, Unresolved):
            return collection
        pairs = list(iterate(collection))
        self.count(len(pairs), expr.pos)
        items: list[Any] = []
        grouped: dict[str, Any] = {}
        for key, value in pairs:
            inner = dict(scope)
            if expr.key_var is not None:
                inner[expr.key_var] = key
            inner[expr.value_var] = value
            if expr.cond is not None:
                keep = self.eval(expr.cond, inner)
                if isinstance(keep, Unresolved):
                    return keep
                if not to_bool(keep):
                    continue
            if expr.key is None:
                items.append(self.eval(expr.value, inner))
                continue
            k = self.eval(expr.key, inner)
            if isinstance(k, Unresolved):
                return k
            k = to_string(k)
            v = self.eval(expr.value, inner)
            if expr.group:
                grouped.setdefault(k, []).append(v)
            elif k in grouped:
                raise EvalError(
                    f"two elements have the key {k!r}: add `...` after the value to group them"
                )
            else:
                grouped[k] = v
        if expr.key is None:
            return items
        return grouped

    # operators -----------------------------------------------------------------------------------

    def conditional(self, expr: Conditional, scope: Scope) -> Any:
        cond = self.eval(expr.cond, scope)
        if isinstance(cond, Unresolved):
            return cond
        if cond is None:
            raise LocatedError("the condition is null", expr.cond.pos)
        return self.eval(expr.then if to_bool(cond) else expr.otherwise, scope)

    def operation(self, expr: Operation, scope: Scope) -> Any:
        acc = self.eval(expr.first, scope)
        for op, operand in expr.rest:
            if op in ("&&", "||") and not isinstance(acc, Unresolved):
                left = _logical(acc)
                if (op == "&&" and not left) or (op == "||" and left):
                    acc = left  # the right side cannot change the answer
                    continue
            right = self.eval(operand, scope)
            acc = binary(op, acc, right)
        return acc

    def unary(self, expr: Unary, scope: Scope) -> Any:
        value = self.eval(expr.operand, scope)
        if isinstance(value, Unresolved):
            return value
        if expr.op == "!":
            return not _logical(value)
        return number(-to_number(value))

    # calls and templates -------------------------------------------------------------------------

    def call(self, expr: Call, scope: Scope) -> Any:
        function = hcl_functions.FUNCTIONS.get(expr.name)
        if function is not None and function.unknowns == "lazy":
            if expr.expand_last:
                raise EvalError(f"{expr.name}() does not take an expanded list")
            thunks = [self._thunk(a, scope) for a in expr.args]
            return self._run(expr, function, thunks)
        args = [self.eval(a, scope) for a in expr.args]
        if expr.expand_last and args:
            last = args.pop()
            if isinstance(last, Unresolved):
                return last
            if not isinstance(last, list | tuple):
                raise EvalError("only a list, tuple or set can be expanded with `...`")
            args.extend(last)
        if function is None:
            return hcl_functions.call(expr.name, args, self.context)
        return self._run(expr, function, args)

    def _run(self, expr: Call, function: hcl_functions.Function, args: list[Any]) -> Any:
        signature_args = [self.context, *args] if function.needs_context else args
        try:
            _signature(function.run).bind(*signature_args)
        except TypeError:
            raise EvalError(f"{expr.name}() does not take {len(args)} arguments") from None
        try:
            return hcl_functions.call(expr.name, args, self.context)
        except (ValueError, OverflowError, ZeroDivisionError) as exc:
            raise EvalError(f"{expr.name}(): {exc}") from None

    def _thunk(self, arg: Expr, scope: Scope) -> Callable[[], Any]:
        def run() -> Any:
            return self.eval(arg, scope)

        return run

    def template(self, parts: tuple[TemplatePart, ...], scope: Scope, pos: Pos) -> Any:
        if len(parts) == 1 and isinstance(parts[0], Interp):
            # A template that is one interpolation is that value, unconverted (HCL spec).
            return self.eval(parts[0].expr, scope)
        if all(isinstance(p, str) for p in parts):
            return Sourced("".join(p for p in parts if isinstance(p, str)), pos)
        out = _Rendered()
        unknown = self._render(parts, scope, pos, out)
        if unknown is not None:
            return unknown
        return derived_string("".join(out.pieces), out.sources)

    def _render(
        self, parts: tuple[TemplatePart, ...], scope: Scope, pos: Pos, out: _Rendered
    ) -> Unresolved | None:
        for part in parts:
            unknown: Unresolved | None = None
            if isinstance(part, str):
                out.add(part)
            elif isinstance(part, Interp):
                value = self.eval(part.expr, scope)
                if isinstance(value, Unresolved):
                    return value
                if value is None:
                    raise LocatedError("a null value cannot be interpolated", part.expr.pos)
                if isinstance(value, dict | list | tuple):
                    raise LocatedError(
                        f"a {type_name(value)} cannot be interpolated: use jsonencode() or join()",
                        part.expr.pos,
                    )
                out.add(to_string(value), value)
            elif isinstance(part, TemplateIf):
                cond = self.eval(part.cond, scope)
                if isinstance(cond, Unresolved):
                    return cond
                chosen = part.then if to_bool(cond) else part.otherwise
                unknown = self._render(chosen, scope, pos, out)
            else:
                unknown = self._render_for(part, scope, pos, out)
            if unknown is not None:
                return unknown
        return None

    def _render_for(
        self, part: TemplateFor, scope: Scope, pos: Pos, out: _Rendered
    ) -> Unresolved | None:
        collection = self.eval(part.collection, scope)
        if isinstance(collection, Unresolved):
            return collection
        pairs = list(iterate(collection))
        self.count(len(pairs), pos)
        for key, value in pairs:
            inner = dict(scope)
            if part.key_var is not None:
                inner[part.key_var] = key
            inner[part.value_var] = value
            unknown = self._render(part.body, inner, pos, out)
            if unknown is not None:
                return unknown
        return None


@functools.cache
def _signature(run: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(run)


class _Rendered:
    """Template output so far, bounded in length as it grows."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.sources: list[Any] = []
        self.size = 0

    def add(self, text: str, source: Any = None) -> None:
        self.size += len(text)
        if self.size > MAX_STRING:
            raise EvalError(f"a string longer than {MAX_STRING} characters")
        self.pieces.append(text)
        if source is not None:
            self.sources.append(source)


def _logical(value: Any) -> bool:
    if value is None:
        raise EvalError("a null value is not true or false")
    return to_bool(value)


def binary(op: str, left: Any, right: Any) -> Any:
    """One binary operator, with Terraform's conversions (numbers from strings for arithmetic)."""
    if op in ("==", "!="):
        result = equal(left, right)
        if isinstance(result, Unresolved):
            return result
        return result if op == "==" else not result
    for side in (left, right):
        if isinstance(side, Unresolved):
            return side
    if op in ("&&", "||"):
        p, q = _logical(left), _logical(right)
        return (p and q) if op == "&&" else (p or q)
    if left is None or right is None:
        raise EvalError(f"a null value cannot be used with {op!r}")
    if deploy_time(left) or deploy_time(right):
        return Unresolved(f"arithmetic on a deploy-time identifier ({op!r})")
    a, b = to_number(left), to_number(right)
    if op in _COMPARISONS:
        return _COMPARISONS[op](a, b)
    if op in ("/", "%") and b == 0:
        raise EvalError("division by zero" if op == "/" else "modulo by zero")
    return number(_ARITHMETIC[op](a, b))


def _modulo(a: float, b: float) -> float:
    # The remainder takes the dividend's sign, as Go's (and cty's) truncated division gives it.
    if isinstance(a, float) or isinstance(b, float):
        return math.fmod(a, b)
    r = abs(a) % abs(b)
    return -r if a < 0 else r


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": _modulo,
}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}
