"""HCL native syntax as a small typed tree, built from python-hcl2's parse tree.

python-hcl2 parses the text (its Lark grammar, with line numbers); this module turns that tree into
frozen nodes the evaluator can walk: expressions, templates with their `%{ if }`/`%{ for }`
directives folded into structure, attributes and blocks. Chains that the grammar nests to the left
(`a.b.c[0]`, `a + b + c`) become flat sequences, so that only real nesting (parentheses,
collections, calls) deepens the tree, and that nesting is bounded: a file cannot make the importer
recurse without limit. Heredocs, which python-hcl2 keeps as opaque text, are parsed as templates
too, so `${...}` inside a heredoc policy is evaluated like anywhere else.
Syntax: https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec

from simulator.errors import ConfigError

MAX_NESTING = 100  # expression nesting (parentheses, collections, calls) per expression
MAX_FILE_CHARS = 2_000_000


class Pos(msgspec.Struct, frozen=True):
    file: str
    line: int


# Expressions -------------------------------------------------------------------------------------


class Literal(msgspec.Struct, frozen=True):
    pos: Pos
    value: bool | int | float | str | None


class Interp(msgspec.Struct, frozen=True):
    """`${expr}` inside a template."""

    expr: Expr


class TemplateIf(msgspec.Struct, frozen=True):
    cond: Expr
    then: tuple[TemplatePart, ...]
    otherwise: tuple[TemplatePart, ...]


class TemplateFor(msgspec.Struct, frozen=True):
    key_var: str | None
    value_var: str
    collection: Expr
    body: tuple[TemplatePart, ...]


TemplatePart = str | Interp | TemplateIf | TemplateFor


class Template(msgspec.Struct, frozen=True):
    pos: Pos
    parts: tuple[TemplatePart, ...]


class Attr(msgspec.Struct, frozen=True):
    """`.name` step of a traversal."""

    name: str


class Key(msgspec.Struct, frozen=True):
    """`[expr]` step of a traversal."""

    key: Expr


class Splat(msgspec.Struct, frozen=True):
    """`[*]` (full) or `.*` (attribute-only) step; `each` applies to every element."""

    each: tuple[Attr | Key, ...]
    full: bool


Step = Attr | Key | Splat


class Traversal(msgspec.Struct, frozen=True):
    """A root expression followed by attribute, index and splat steps (`var.x`, `a.b[0].c`)."""

    pos: Pos
    root: Expr
    steps: tuple[Step, ...]


class Name(msgspec.Struct, frozen=True):
    """A bare identifier: a for-expression variable, `each`, `count`, `var`, a resource type..."""

    pos: Pos
    name: str


class TupleExpr(msgspec.Struct, frozen=True):
    pos: Pos
    items: tuple[Expr, ...]


class ObjectExpr(msgspec.Struct, frozen=True):
    pos: Pos
    items: tuple[tuple[Expr, Expr], ...]  # a bare identifier key is a string Literal


class Call(msgspec.Struct, frozen=True):
    pos: Pos
    name: str
    args: tuple[Expr, ...]
    expand_last: bool  # f(a, list...)


class Conditional(msgspec.Struct, frozen=True):
    pos: Pos
    cond: Expr
    then: Expr
    otherwise: Expr


class Operation(msgspec.Struct, frozen=True):
    """A left-associative chain `first op1 e1 op2 e2 ...` as the grammar grouped it."""

    pos: Pos
    first: Expr
    rest: tuple[tuple[str, Expr], ...]


class Unary(msgspec.Struct, frozen=True):
    pos: Pos
    op: str
    operand: Expr


class ForExpr(msgspec.Struct, frozen=True):
    pos: Pos
    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None  # None: a tuple `[for ...]`; else an object `{for ... : k => v}`
    value: Expr
    cond: Expr | None
    group: bool  # `...` after the value: group values by key


Expr = (
    Literal
    | Template
    | Traversal
    | Name
    | TupleExpr
    | ObjectExpr
    | Call
    | Conditional
    | Operation
    | Unary
    | ForExpr
)


def expr_pos(expr: Expr) -> Pos:
    return expr.pos


# Bodies ------------------------------------------------------------------------------------------


class Attribute(msgspec.Struct, frozen=True):
    pos: Pos
    name: str
    expr: Expr


class Block(msgspec.Struct, frozen=True):
    pos: Pos
    type: str
    labels: tuple[str, ...]
    body: Body


class Body(msgspec.Struct, frozen=True):
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]

    def attribute(self, name: str) -> Attribute | None:
        for attr in self.attributes:
            if attr.name == name:
                return attr
        return None

    def blocks_of(self, type_: str) -> Iterator[Block]:
        return (b for b in self.blocks if b.type == type_)


# Parsing -----------------------------------------------------------------------------------------


def parse_body(text: str, file: str, *, line_offset: int = 0) -> Body:
    """Parse one HCL file (or a part of one that starts `line_offset` lines into it); ConfigError
    (file, line) when it is not valid HCL."""
    if len(text) > MAX_FILE_CHARS:
        raise ConfigError(
            f"the file has {len(text)} characters, more than rolesim reads ({MAX_FILE_CHARS})",
            file=file,
        )
    tree = _parse_tree(text, file, line_offset=line_offset)
    return _Builder(file, line_offset).body(_only_tree(tree, "body"))


def parse_template(text: str, pos: Pos) -> Template:
    """A heredoc body or a `templatefile` file: literal text with `${}` and `%{}` sequences."""
    parts: list[str] = []
    for literal, sequence in _template_segments(text, pos):
        parts.append(_quote_literal(literal))
        parts.append(sequence)
    source = 'x = "' + "".join(parts) + '"\n'
    tree = _parse_tree(source, pos.file, line_offset=pos.line - 1)
    body = _only_tree(tree, "body")
    attribute = _only_tree(body, "attribute")
    value = _children(attribute)[-1]
    builder = _Builder(pos.file, pos.line - 1)
    string = _only_tree(value, "string")
    return builder.template(string, Pos(pos.file, pos.line))


def _parse_tree(text: str, file: str, *, line_offset: int) -> Any:
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        return _lark_tree(text)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", None)
        where = line + line_offset if isinstance(line, int) and line > 0 else None
        raise ConfigError(
            f"not valid HCL: {_describe_unexpected(exc)}", file=file, line=where
        ) from None
    except LarkError as exc:
        raise ConfigError(f"not valid HCL: {exc}", file=file) from None


@functools.lru_cache(maxsize=2048)
def _lark_tree(text: str) -> Any:
    """python-hcl2's parse tree of `text`, kept for text read again: `diff` reads two versions of
    one module, whose unchanged blocks are parsed once (the tree is not changed by its readers;
    its lines are relative to `text`)."""
    import hcl2

    return hcl2.parses_to_tree(text)


def _describe_unexpected(exc: Any) -> str:
    token = getattr(exc, "token", None)
    if token is not None:
        text = str(token).strip() or repr(str(token))
        return f"unexpected {text[:40]!r}"
    char = getattr(exc, "char", None)
    if char is not None:
        return f"unexpected character {char!r}"
    return "unexpected input"


def _quote_literal(text: str) -> str:
    # Heredoc text is literal: escape what a quoted template would read as syntax.
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _template_segments(text: str, pos: Pos) -> Iterator[tuple[str, str]]:
    """Split template text into (literal, `${...}` or `%{...}`) pairs; the last sequence is ''.

    Only the extent of each sequence is found here (braces and quoted strings balanced); the
    sequence itself is parsed by python-hcl2. `$${` and `%%{` stay literal escapes.
    """
    i, start, n = 0, 0, len(text)
    while i < n:
        two = text[i : i + 2]
        if two in ("$$", "%%") and text[i + 2 : i + 3] == "{":
            i += 3
            continue
        if two in ("${", "%{"):
            end = _sequence_end(text, i + 2, pos)
            yield text[start:i], text[i:end]
            i = start = end
            continue
        i += 1
    yield text[start:], ""


def _sequence_end(text: str, i: int, pos: Pos, depth: int = 0) -> int:
    if depth > MAX_NESTING:
        raise ConfigError(
            f"template sequences nested more than {MAX_NESTING} levels deep",
            file=pos.file,
            line=pos.line,
        )
    braces, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _string_end(text, i + 1, pos, depth + 1)
            continue
        if c == "{":
            braces += 1
        elif c == "}":
            braces -= 1
            if braces == 0:
                return i + 1
        i += 1
    raise ConfigError(
        "template sequence '${' or '%{' is never closed", file=pos.file, line=pos.line
    )


def _string_end(text: str, i: int, pos: Pos, depth: int) -> int:
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if text.startswith("${", i) or text.startswith("%{", i):
            i = _sequence_end(text, i + 2, pos, depth + 1)
            continue
        i += 1
    raise ConfigError("a quoted string in a template is never closed", file=pos.file, line=pos.line)


# A Lark Tree has `.data`; a Token is a `str` (so neither needs lark imported here).


def _children(tree: Any) -> list[Any]:
    """Children that carry meaning (comments and newlines dropped)."""
    return [c for c in tree.children if getattr(c, "data", None) != "new_line_or_comment"]


def _subtrees(tree: Any) -> list[Any]:
    return [c for c in tree.children if hasattr(c, "data") and c.data != "new_line_or_comment"]


def _only_tree(tree: Any, data: str) -> Any:
    for child in _subtrees(tree):
        if child.data == data:
            return child
    raise AssertionError(f"no {data} in {tree.data}")  # the grammar guarantees one


def _tokens(tree: Any) -> list[Any]:
    return [c for c in tree.children if isinstance(c, str)]


_KEYWORD_TREES = ("identifier", "keyword", "literal_value")
_OPERATORS = {"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||"}


class _Builder:
    def __init__(self, file: str, line_offset: int) -> None:
        self.file = file
        self.line_offset = line_offset
        self.depth = 0

    def pos(self, tree: Any) -> Pos:
        line = getattr(getattr(tree, "meta", None), "line", None)
        if not isinstance(line, int):
            line = getattr(tree, "line", None)
        return Pos(self.file, (line if isinstance(line, int) else 1) + self.line_offset)

    def fail(self, message: str, tree: Any) -> ConfigError:
        pos = self.pos(tree)
        return ConfigError(message, file=pos.file, line=pos.line)

    # bodies

    def body(self, tree: Any) -> Body:
        attributes: list[Attribute] = []
        blocks: list[Block] = []
        seen: dict[str, Pos] = {}
        for child in _subtrees(tree):
            if child.data == "attribute":
                attribute = self.attribute(child)
                if attribute.name in seen:
                    first = seen[attribute.name]
                    raise ConfigError(
                        f"attribute {attribute.name!r} is defined twice (first on line {first.line})",
                        file=attribute.pos.file,
                        line=attribute.pos.line,
                    )
                seen[attribute.name] = attribute.pos
                attributes.append(attribute)
            elif child.data == "block":
                blocks.append(self.block(child))
        return Body(tuple(attributes), tuple(blocks))

    def attribute(self, tree: Any) -> Attribute:
        parts = _subtrees(tree)
        return Attribute(self.pos(tree), self.word(parts[0]), self.expr(parts[-1]))

    def block(self, tree: Any) -> Block:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise self.fail(f"blocks nested more than {MAX_NESTING} levels deep", tree)
            return self._block(tree)
        finally:
            self.depth -= 1

    def _block(self, tree: Any) -> Block:
        parts = _subtrees(tree)
        body_tree = parts[-1]
        words = parts[:-1]
        labels = tuple(self.label(w) if w.data == "string" else self.word(w) for w in words[1:])
        return Block(self.pos(tree), self.word(words[0]), labels, self.body(body_tree))

    def word(self, tree: Any) -> str:
        if tree.data not in _KEYWORD_TREES:
            raise self.fail("expected a name", tree)
        return str(_tokens(tree)[0])

    def label(self, tree: Any) -> str:
        template = self.template(tree, self.pos(tree))
        if len(template.parts) == 1 and isinstance(template.parts[0], str):
            return template.parts[0]
        if not template.parts:
            return ""
        raise self.fail("a block label must be a literal string", tree)

    # expressions

    def expr(self, tree: Any) -> Expr:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise self.fail(f"expression nested more than {MAX_NESTING} levels deep", tree)
            return self._expr(tree)
        finally:
            self.depth -= 1

    def _expr(self, tree: Any) -> Expr:
        data = tree.data
        pos = self.pos(tree)
        if data == "expr_term":
            return self.term(tree)
        if data == "conditional":
            cond, then, otherwise = _subtrees(tree)
            return Conditional(pos, self.expr(cond), self.expr(then), self.expr(otherwise))
        if data == "binary_op":
            return self.operation(tree)
        if data == "unary_op":
            op = str(_tokens(tree)[0]).strip()
            return Unary(pos, op, self.expr(_subtrees(tree)[0]))
        return self.term(tree)

    def operation(self, tree: Any) -> Operation:
        # binary_op(left, binary_term(op, right)); walk the left spine without recursion.
        spine: list[Any] = []
        node = tree
        while node.data == "binary_op":
            spine.append(node)
            node = _subtrees(node)[0]
        first = self.expr(node)
        rest: list[tuple[str, Expr]] = []
        for op_node in reversed(spine):
            term = _subtrees(op_node)[1]
            operator_tree, operand = _subtrees(term)
            op = str(_tokens(operator_tree)[0]).strip()
            if op not in _OPERATORS:
                raise self.fail(f"unknown operator {op!r}", op_node)
            rest.append((op, self.expr(operand)))
        return Operation(self.pos(tree), first, tuple(rest))

    def term(self, tree: Any) -> Expr:
        if tree.data == "expr_term":
            inner = _subtrees(tree)
            if not inner:
                raise self.fail("empty expression", tree)
            if len(inner) == 1 and _is_parenthesised(tree):
                return self.expr(inner[0])
            tree = inner[0]
        data = tree.data
        if data in ("expr_term", "conditional", "binary_op", "unary_op"):
            return self.expr(tree)
        if data in _TRAVERSALS:
            return self.traversal(tree)
        build = _TERMS.get(data)
        if build is None:
            raise self.fail(f"unsupported expression ({data})", tree)
        return build(self, tree, self.pos(tree))

    def literal(self, tree: Any, pos: Pos) -> Literal:
        token = str(_tokens(tree)[0])
        kind = tree.data
        if kind == "int_lit":
            return Literal(pos, int(token))
        if kind == "float_lit":
            return Literal(pos, float(token))
        if kind == "template_string":
            return Literal(pos, unescape(token[2:-2]))
        return Literal(pos, {"true": True, "false": False, "null": None}[token])

    def object(self, tree: Any) -> ObjectExpr:
        items: list[tuple[Expr, Expr]] = []
        for elem in _subtrees(tree):
            key_tree, value_tree = _subtrees(elem)
            items.append((self.object_key(key_tree), self.expr(value_tree)))
        return ObjectExpr(self.pos(tree), tuple(items))

    def object_key(self, tree: Any) -> Expr:
        # A bare identifier (or keyword) key is its own name; `(expr)` and strings are evaluated.
        inner = _subtrees(tree)
        if inner and inner[0].data == "keyword":
            return Literal(self.pos(tree), str(_tokens(inner[0])[0]))
        expr_tree = inner[0]
        if expr_tree.data == "expr_term" and not _is_parenthesised(expr_tree):
            sub = _subtrees(expr_tree)
            if len(sub) == 1 and sub[0].data in ("identifier", "literal_value"):
                return Literal(self.pos(tree), str(_tokens(sub[0])[0]))
        return self.expr(expr_tree)

    def call(self, tree: Any) -> Call:
        parts = _subtrees(tree)
        names = [str(_tokens(p)[0]) for p in parts if p.data == "identifier"]
        arguments = next((p for p in parts if p.data == "arguments"), None)
        args: tuple[Expr, ...] = ()
        expand = False
        if arguments is not None:
            args = tuple(self.expr(a) for a in _subtrees(arguments))
            expand = any(t.type == "ELLIPSIS" for t in _tokens(arguments))
        return Call(self.pos(tree), "::".join(names), args, expand)

    def traversal(self, tree: Any) -> Expr:
        steps_rev: list[Step] = []
        node = tree
        while True:
            if node.data == "expr_term" and not _is_parenthesised(node):
                sub = _subtrees(node)
                if len(sub) == 1 and sub[0].data in _TRAVERSALS:
                    node = sub[0]
                    continue
            if node.data == "get_attr_expr_term":
                target, step = _subtrees(node)
                steps_rev.append(self.get_attr(step))
            elif node.data == "index_expr_term":
                target, step = _subtrees(node)
                steps_rev.append(self.index(step))
            elif node.data in ("attr_splat_expr_term", "full_splat_expr_term"):
                target, step = _subtrees(node)
                each = tuple(
                    self.get_attr(s) if s.data == "get_attr" else self.index(s)
                    for s in _subtrees(step)
                )
                steps_rev.append(Splat(each, full=node.data == "full_splat_expr_term"))
            else:
                break
            node = target
        root = self.expr(node)
        return Traversal(self.pos(tree), root, tuple(reversed(steps_rev)))

    def get_attr(self, tree: Any) -> Attr:
        return Attr(self.word(_subtrees(tree)[0]))

    def index(self, tree: Any) -> Key:
        if tree.data == "short_index":
            number = next(t for t in _tokens(tree) if t.type == "INT_LITERAL")
            return Key(Literal(self.pos(tree), int(str(number))))
        return Key(self.expr(_subtrees(tree)[0]))

    def for_expr(self, tree: Any, *, is_object: bool) -> ForExpr:
        parts = _subtrees(tree)
        intro = parts[0]
        intro_parts = _subtrees(intro)
        names = [str(_tokens(p)[0]) for p in intro_parts if p.data == "identifier"]
        collection = self.expr(intro_parts[-1])
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        cond_tree = next((p for p in parts if p.data == "for_cond"), None)
        cond = self.expr(_subtrees(cond_tree)[0]) if cond_tree is not None else None
        body = [p for p in parts[1:] if p.data != "for_cond"]
        group = any(t.type == "ELLIPSIS" for t in _tokens(tree))
        if is_object:
            key_tree, value_tree = body
            return ForExpr(
                self.pos(tree), key_var, value_var, collection,
                self.expr(key_tree), self.expr(value_tree), cond, group,
            )  # fmt: skip
        return ForExpr(
            self.pos(tree), key_var, value_var, collection, None, self.expr(body[0]), cond, False
        )

    # templates

    def heredoc(self, tree: Any, *, trim: bool) -> Expr:
        pos = self.pos(tree)
        raw = str(_tokens(tree)[0])
        text = _heredoc_text(raw, trim=trim)
        if "${" not in text and "%{" not in text:
            return Literal(pos, text)
        return parse_template(text, Pos(pos.file, pos.line + 1))

    def template(self, tree: Any, pos: Pos) -> Template:
        flat: list[Any] = []
        for part in _subtrees(tree):
            content = part.children[0]
            flat.append(self.template_item(content))
        return Template(pos, _fold(_strip(flat), self, tree))

    def template_item(self, content: Any) -> Any:
        if isinstance(content, str):
            text = str(content)
            if getattr(content, "type", None) == "STRING_CHARS":
                return unescape(text)
            # ESCAPED_INTERPOLATION `$${` / ESCAPED_DIRECTIVE `%%{`: the text, one sign fewer.
            return text[1:]
        kind = content.data
        if kind == "interpolation":
            return Interp(self.expr(_subtrees(content)[0]))
        strip_left, strip_right = _strip_markers(content)
        if kind == "template_if_start":
            return ("if", self.expr(_subtrees(content)[0]), strip_left, strip_right)
        if kind == "template_for_start":
            sub = _subtrees(content)
            names = [str(_tokens(p)[0]) for p in sub if p.data == "identifier"]
            return ("for", names, self.expr(sub[-1]), strip_left, strip_right)
        return (kind.removeprefix("template_"), None, strip_left, strip_right)


_TRAVERSALS = frozenset(
    {"index_expr_term", "get_attr_expr_term", "attr_splat_expr_term", "full_splat_expr_term"}
)
_TERMS: dict[str, Callable[[_Builder, Any, Pos], Expr]] = {
    "int_lit": _Builder.literal,
    "float_lit": _Builder.literal,
    "literal_value": _Builder.literal,
    "template_string": _Builder.literal,
    "string": _Builder.template,
    "heredoc_template": lambda b, tree, _pos: b.heredoc(tree, trim=False),
    "heredoc_template_trim": lambda b, tree, _pos: b.heredoc(tree, trim=True),
    "identifier": lambda _b, tree, pos: Name(pos, str(_tokens(tree)[0])),
    "tuple": lambda b, tree, pos: TupleExpr(pos, tuple(b.expr(t) for t in _subtrees(tree))),
    "object": lambda b, tree, _pos: b.object(tree),
    "function_call": lambda b, tree, _pos: b.call(tree),
    "for_tuple_expr": lambda b, tree, _pos: b.for_expr(tree, is_object=False),
    "for_object_expr": lambda b, tree, _pos: b.for_expr(tree, is_object=True),
}


def _is_parenthesised(tree: Any) -> bool:
    return any(t.type == "LPAR" for t in _tokens(tree))


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """A quoted template's literal text: `\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN` (HCL spec,
    template literals). An unknown escape is kept as written."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = text[i + 1]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
            continue
        width = {"u": 4, "U": 8}.get(e)
        digits = text[i + 2 : i + 2 + width] if width else ""
        if width and len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits):
            code = int(digits, 16)
            if code <= 0x10FFFF and not 0xD800 <= code < 0xE000:
                out.append(chr(code))
                i += 2 + width
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _strip_markers(directive: Any) -> tuple[bool, bool]:
    strip_left = strip_right = False
    seen_keyword = False
    for child in directive.children:
        kind = getattr(child, "type", None)
        if kind == "STRIP_MARKER":
            if seen_keyword:
                strip_right = True
            else:
                strip_left = True
        elif kind in ("IF", "ELSE", "ENDIF", "FOR", "ENDFOR"):
            seen_keyword = True
    return strip_left, strip_right


def _strip(flat: list[Any]) -> list[Any]:
    """Apply `~` strip markers to the literal text beside each directive."""
    out = list(flat)
    for i, item in enumerate(out):
        if not isinstance(item, tuple):
            continue
        _, _, strip_left, strip_right = item[0], item[1], item[-2], item[-1]
        if strip_left and i > 0 and isinstance(out[i - 1], str):
            out[i - 1] = out[i - 1].rstrip(" \t\r\n")
        if strip_right and i + 1 < len(out) and isinstance(out[i + 1], str):
            out[i + 1] = out[i + 1].lstrip(" \t\r\n")
    return out


def _fold(flat: Sequence[Any], builder: _Builder, tree: Any) -> tuple[TemplatePart, ...]:
    """Nest the flat `%{ if }`/`%{ else }`/`%{ endif }`/`%{ for }`/`%{ endfor }` markers."""
    # Each frame: (kind, data, parts so far, else-parts or None)
    stack: list[tuple[str, Any, list[TemplatePart], list[TemplatePart] | None]] = [
        ("root", None, [], None)
    ]

    def current() -> list[TemplatePart]:
        _, _, parts, otherwise = stack[-1]
        return otherwise if otherwise is not None else parts

    for item in flat:
        if isinstance(item, str):
            if item:
                current().append(item)
        elif isinstance(item, Interp):
            current().append(item)
        else:
            kind = item[0]
            if kind in ("if", "for"):
                stack.append((kind, item, [], None))
            elif kind == "else":
                top = stack[-1]
                if top[0] != "if" or top[3] is not None:
                    raise builder.fail("%{ else } without a matching %{ if }", tree)
                stack[-1] = (top[0], top[1], top[2], [])
            elif kind == "endif":
                top = stack.pop()
                if top[0] != "if":
                    raise builder.fail("%{ endif } without a matching %{ if }", tree)
                current().append(TemplateIf(top[1][1], tuple(top[2]), tuple(top[3] or ())))
            elif kind == "endfor":
                top = stack.pop()
                if top[0] != "for":
                    raise builder.fail("%{ endfor } without a matching %{ for }", tree)
                names, collection = top[1][1], top[1][2]
                key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
                current().append(TemplateFor(key_var, value_var, collection, tuple(top[2])))
    if len(stack) != 1:
        raise builder.fail(f"%{{ {stack[-1][0]} }} is never closed", tree)
    return tuple(stack[0][2])


def _heredoc_text(raw: str, *, trim: bool) -> str:
    """The value of `<<EOT` / `<<-EOT` heredoc text: the lines between the markers, each with its
    newline; `<<-` removes the smallest indentation of the non-blank lines (HCL spec, heredocs)."""
    lines = raw.split("\n")
    body = lines[1:-2]  # opener line; closing marker line and the empty string after its newline
    body = [line.removesuffix("\r") for line in body]
    if trim:
        indents = [len(line) - len(line.lstrip(" \t")) for line in body if line.strip()]
        cut = min(indents, default=0)
        body = [line[cut:] for line in body]
    return "".join(line + "\n" for line in body)
