"""Our own static policy for plugin code: pure standard-library computation, nothing else.

bandit knows common mistakes; this knows what a plugin may do at all, by allow-list (``_allowlist``):
modules it may import, the attributes it may name on each, the builtins and special methods it may use.
A module object may only appear as ``module.NAME`` — never as a value (``m = dataclasses``, an argument,
a container element), so nothing can carry it past the checks. Names are never built at run time:
``getattr``/``setattr``/``hasattr``/``delattr``/``attrgetter``/``methodcaller`` take only literal names
that pass the same rules as ``obj.name`` and may only be called directly (not passed around or aliased),
templates given to ``format`` are literal, ``type()`` does not make classes, and a string or bytes
literal may not spell a dunder. On any value, the policy refuses dunder attributes (but ``__init__``,
``__name__`` …), frame/code/generator/traceback internals, other objects' private attributes and the
standard library's private methods (``ForwardRef._evaluate``, ``Enum._convert_``); a class may not
define such names either (they would become ``__match_args__``), nor special methods outside an
allow-list (``__instancecheck__``, ``__reduce__`` …). A permission the policy grants may unlock specific
names (``fs_read`` → ``open`` for reading).
"""

from __future__ import annotations

import _string
import ast
import builtins
import re
import string
from dataclasses import dataclass

from plugsmith.gates._allowlist import (
    ALLOWED_BUILTINS,
    ALLOWED_DUNDER_METHODS,
    ALLOWED_MODULES,
    DOCUMENTED_PRIVATE,
    INTROSPECTION_ATTRS,
    MODULE_ATTRS,
    stdlib_private,
    submodule,
)
from plugsmith.gates._ast_shapes import FORMAT_METHODS, SHAPED_BUILTINS, Shapes, _rebound_names

FORBIDDEN_CALLS = frozenset({
    "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "open", "input", "breakpoint",
    "exit", "quit", "help", "memoryview", "get_type_hints", "ForwardRef", "_eval_type",
})
DYNAMIC_ATTR_CALLS = frozenset({"getattr", "setattr", "delattr", "hasattr", "attrgetter", "methodcaller"})
_NAMED_BY_SECOND_ARG = frozenset({"getattr", "setattr", "delattr", "hasattr"})
FORBIDDEN_ATTRS = frozenset({
    "func_globals", "mro", "modules", "sys", "os", "builtins", "_os", "_sys", "system", "popen",
    "subprocess", "importlib", "get_type_hints", "ForwardRef", "_eval_type", "load_module", "get_field",
    "vformat", "Formatter", "singledispatch", "singledispatchmethod", "make_dataclass", "inspect",
}) | INTROSPECTION_ATTRS
ALLOWED_DUNDER_ATTRS = frozenset({"__init__", "__post_init__", "__name__", "__doc__"})
ALLOWED_DUNDER_NAMES = frozenset({"__name__", "__doc__", "__all__", "__main__", "__slots__"})
PERMISSION_GRANTS: dict[str, frozenset[str]] = {"fs_read": frozenset({"open"})}
_BUILTIN_NAMES = frozenset(dir(builtins))
_OWN = frozenset({"self", "cls"})
_DUNDER = re.compile(r"__[A-Za-z_][A-Za-z0-9_]*__")
_FORMAT = string.Formatter()
_TYPE_TEXT = re.compile(r"[\w.\[\], |]*")  # what a string annotation may hold: type names, not code
TOO_DEEP = "the code is nested too deeply to check (expressions thousands of levels deep)"


@dataclass(frozen=True)
class Finding:
    """One policy violation: where, what rule, what was seen."""

    line: int
    rule: str
    message: str

    def as_evidence(self) -> dict[str, object]:
        return {"tool": "policy", "line": self.line, "rule": self.rule, "message": self.message}


def attr_problem(attr: str, base: ast.expr | None = None) -> tuple[str, str] | None:
    """(rule, message) when plugin code may not name attribute ``attr`` (of ``base``), else None."""
    if _DUNDER.fullmatch(attr):
        return None if attr in ALLOWED_DUNDER_ATTRS else ("dunder", f"attribute {attr!r} is not allowed")
    if attr in FORBIDDEN_ATTRS:
        return "attribute", f"attribute {attr!r} is not allowed"
    if attr.startswith("_") and attr not in DOCUMENTED_PRIVATE:
        if attr in stdlib_private():
            return "attribute", f"{attr!r} is a private method of the standard library"
        if not (isinstance(base, ast.Name) and base.id in _OWN):
            return "attribute", f"private attribute {attr!r} of another object (only self.{attr} is allowed)"
    return None


def reads_attributes(template: str, depth: int = 0) -> bool:
    """Whether ``template``, given to ``str.format``, would read an attribute or an index of an argument.

    Parsed exactly as ``str.format`` parses it (the same C parser), so no spelling escapes: ``{0.x}``,
    ``{0[k]}``, a field named by a key that does not start with a word character (``{ g.gi_frame}``
    given to ``format_map``) and fields nested in a format spec. A template ``str.format`` would refuse
    reads nothing anyone gets to see.
    """
    try:
        for _text, field, spec, _conversion in _FORMAT.parse(template):
            if field is not None and any(True for _ in _string.formatter_field_name_split(field)[1]):
                return True
            if spec and "{" in spec and depth < 2 and reads_attributes(spec, depth + 1):
                return True
    except ValueError:  # not a template at all: str.format raises before it returns anything
        return False
    return False


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the module binds anywhere (so a builtin's name used as a variable is not a builtin):
    what binds other than an import (``_rebound_names``), and the names imports bind."""
    imported = {node.asname or node.name.split(".")[0]
                for node in ast.walk(tree) if isinstance(node, ast.alias)}
    return _rebound_names(tree) | imported


class _Checker(ast.NodeVisitor):
    def __init__(self, granted: frozenset[str], tree: ast.AST) -> None:
        self.findings: list[Finding] = []
        self.modules: dict[str, str] = {}  # local name -> allowed module it is bound to
        self.origin: dict[str, str] = {}  # local name -> the name it was imported as (from-imports)
        self.imported: dict[str, str] = {}  # local name -> module.NAME it was imported from
        self.called: set[int] = set()  # ids of nodes that are the function of a call
        self.unlocked = frozenset().union(*(PERMISSION_GRANTS.get(p, frozenset()) for p in granted))
        self.bound = _bound_names(tree)
        self.parent = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):  # bindings first: a module imported below its use is still a module
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._bind(node)
        self.shapes = Shapes(tree, self.parent, self.bound, self.qualified)

    def flag(self, node: ast.AST, rule: str, message: str) -> None:
        self.findings.append(Finding(getattr(node, "lineno", 0), rule, message))

    # -- imports ---------------------------------------------------------------------------------------
    def _bind(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ALLOWED_MODULES:
                    bound = alias.asname or alias.name.split(".")[0]
                    self.modules[bound] = alias.name if alias.asname else bound
        elif node.module in ALLOWED_MODULES and not node.level:
            for alias in node.names:
                local = alias.asname or alias.name
                sub = submodule(node.module, alias.name)
                if sub is not None:
                    self.modules[local] = sub
                else:
                    self.origin[local] = alias.name
                    self.imported[local] = f"{node.module}.{alias.name}"

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name not in ALLOWED_MODULES:
                self.flag(node, "import", f"import of {alias.name!r} is not allowed (pure standard library "
                                          "only)")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            self.flag(node, "import", "relative imports are not allowed")
        elif node.module not in ALLOWED_MODULES:
            self.flag(node, "import", f"import of {node.module!r} is not allowed (pure standard library "
                                      "only)")
        else:
            for alias in node.names:
                if alias.name == "*":
                    self.flag(node, "import", "star imports are not allowed")
                elif alias.name not in MODULE_ATTRS[node.module]:
                    self.flag(node, "import", f"importing {alias.name!r} from {node.module} is not allowed")

    # -- names -----------------------------------------------------------------------------------------
    def _is_attribute_base(self, node: ast.expr) -> bool:
        parent = self.parent.get(id(node))
        return isinstance(parent, ast.Attribute) and parent.value is node

    def visit_Name(self, node: ast.Name) -> None:
        name = self.origin.get(node.id, node.id)
        load = isinstance(node.ctx, ast.Load)
        if node.id in FORBIDDEN_CALLS and node.id not in self.unlocked and node.id not in self.origin:
            self.flag(node, "dynamic", f"use of {node.id!r} is not allowed")
        elif name in DYNAMIC_ATTR_CALLS and id(node) not in self.called:
            self.flag(node, "dynamic", f"{node.id} may only be called directly, with a literal name")
        elif _DUNDER.fullmatch(node.id) and node.id not in ALLOWED_DUNDER_NAMES:
            self.flag(node, "dunder", f"name {node.id!r} is not allowed")
        elif load and node.id in self.modules and not self._is_attribute_base(node):
            self.flag(node, "module", f"module {self.modules[node.id]!r} may only be used as "
                                      f"{node.id}.NAME, not as a value")
        elif (load and node.id in _BUILTIN_NAMES and node.id not in self.bound
              and node.id not in ALLOWED_BUILTINS | self.unlocked and not _DUNDER.fullmatch(node.id)):
            self.flag(node, "builtin", f"builtin {node.id!r} is not on the allow-list")
        elif load and (problem := self.shapes.check_name(node)) is not None:
            self.flag(node, *problem)
        self.generic_visit(node)

    def qualified(self, node: ast.expr) -> str | None:
        """``module.NAME`` for an imported name or a module attribute, ``builtins.NAME`` for an
        unshadowed builtin, else None."""
        if isinstance(node, ast.Name):
            if node.id in self.imported:
                return self.imported[node.id]
            if node.id in SHAPED_BUILTINS:  # a parameter named ``type`` in one function must not
                return f"builtins.{node.id}"  # make ``type`` in every other scope look like a local
            return f"builtins.{node.id}" if node.id in _BUILTIN_NAMES and node.id not in self.bound else None
        if isinstance(node, ast.Attribute):
            module = self._module_of(node.value)
            return f"{module}.{node.attr}" if module else None
        return None

    def _module_of(self, node: ast.expr) -> str | None:
        """The allowed module an expression denotes (``json``, ``collections.abc``), or None."""
        if isinstance(node, ast.Name):
            return self.modules.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._module_of(node.value)
            return submodule(base, node.attr) if base else None
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        module = self._module_of(node.value)
        if module is not None:
            if node.attr not in MODULE_ATTRS[module]:
                self.flag(node, "attribute", f"{module}.{node.attr} is not on the allow-list")
            elif submodule(module, node.attr) and not self._is_attribute_base(node):
                self.flag(node, "module", f"module {module}.{node.attr} may only be used as a prefix")
            elif node.attr in DYNAMIC_ATTR_CALLS and id(node) not in self.called:
                self.flag(node, "dynamic", f"{module}.{node.attr} may only be called directly, with a "
                                           "literal name")
            elif (problem := self.shapes.check_name(node)) is not None:
                self.flag(node, *problem)
        elif (problem := attr_problem(node.attr, node.value)) is not None:
            self.flag(node, *problem)
        elif node.attr in DYNAMIC_ATTR_CALLS and id(node) not in self.called:
            self.flag(node, "dynamic", f"{node.attr} may only be called directly, with a literal name")
        elif (problem := self.shapes.check_format(node, id(node) in self.called)) is not None:
            self.flag(node, *problem)
        self.generic_visit(node)

    # -- definitions -----------------------------------------------------------------------------------
    def _check_defined(self, node: ast.AST, name: str) -> None:
        """Names a class defines become attributes (and dataclass fields become ``__match_args__``)."""
        if name in INTROSPECTION_ATTRS:
            self.flag(node, "attribute", f"a class may not define {name!r} (an interpreter internal)")
        elif name in stdlib_private():
            self.flag(node, "attribute", f"a class may not define {name!r} (a private method of the "
                                         "standard library)")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for stmt in node.body:
            targets: list[ast.expr] = []
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            elif isinstance(stmt, ast.AnnAssign):
                targets = [stmt.target]
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self._check_defined(stmt, stmt.name)
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        self._check_defined(stmt, sub.id)
        self.generic_visit(node)

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        """``case object(__class__=c)`` reads attributes too."""
        for attr in node.kwd_attrs:
            if (problem := attr_problem(attr)) is not None:
                self.flag(node, problem[0], f"class pattern reads attribute {attr!r}")
        if (problem := self.shapes.check_match_class(node)) is not None:
            self.flag(node, *problem)
        self.generic_visit(node)

    def _check_annotation(self, annotation: ast.expr | None) -> None:
        """String annotations may be evaluated later (get_type_hints): type names only, never code."""
        for sub in ast.walk(annotation) if annotation is not None else ():
            text = sub.value if isinstance(sub, ast.Constant) and isinstance(sub.value, str) else None
            if text is not None and not _TYPE_TEXT.fullmatch(text):
                self.flag(sub, "dynamic", f"annotation string {text[:40]!r} is not a type name")

    def visit_arg(self, node: ast.arg) -> None:
        self._check_annotation(node.annotation)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if _DUNDER.fullmatch(node.name) and node.name not in ALLOWED_DUNDER_METHODS:
            self.flag(node, "dunder", f"special method {node.name!r} is not allowed")
        self._check_annotation(node.returns)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_annotation(node.annotation)
        self.generic_visit(node)

    # -- calls -----------------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        self.called.add(id(func))
        name = (self.origin.get(func.id, func.id) if isinstance(func, ast.Name)
                else func.attr if isinstance(func, ast.Attribute) else "")
        if name in DYNAMIC_ATTR_CALLS:
            self._check_dynamic(node, name)
        if name == "open" and "open" in self.unlocked:
            self._check_read_only(node)
        self.generic_visit(node)

    def _check_dynamic(self, node: ast.Call, name: str) -> None:
        """getattr & co.: a literal name, checked exactly like ``obj.name``."""
        by_second = name in _NAMED_BY_SECOND_ARG
        args = node.args[1:2] if by_second else node.args[:1] if name == "methodcaller" else node.args
        if by_second and len(node.args) < 2 or node.keywords and not by_second:
            self.flag(node, "dynamic", f"{name}() without a literal name is not allowed")
        base = node.args[0] if by_second and node.args else None
        for arg in args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                self.flag(node, "dynamic", f"{name}() with a computed attribute name is not allowed")
                continue
            for part in arg.value.split(".") if name == "attrgetter" else [arg.value]:
                problem = attr_problem(part, base) or (
                    ("dynamic", "a template method read by name takes computed templates")
                    if part in FORMAT_METHODS else None)
                if problem is not None:
                    rule = "dunder" if part.startswith("_") else problem[0]
                    self.flag(node, rule, f"{name}() of {part!r}: {problem[1]}")

    def _check_read_only(self, node: ast.Call) -> None:
        mode = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "mode"), None)
        if mode is not None and not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)
                                     and set(mode.value) <= {"r", "b", "t"}):
            self.flag(node, "permission", "open() may only read (fs_read): use a literal 'r' mode")

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if isinstance(text, str):
            bad = [d for d in _DUNDER.findall(text) if d not in ALLOWED_DUNDER_NAMES]
            if bad:
                self.flag(node, "dunder", f"{'bytes' if isinstance(value, bytes) else 'string'} mentions "
                                          f"{bad[0]!r}")
            elif reads_attributes(text):
                self.flag(node, "dynamic", "format fields with attribute or index access are not allowed")


def check_source(source: str, *, granted: frozenset[str] = frozenset(), filename: str = "plugin.py"
                 ) -> list[Finding]:
    """Every policy violation in ``source`` (a syntax error is one finding)."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return [Finding(exc.lineno or 0, "syntax", f"syntax error: {exc.msg}")]
    except ValueError as exc:  # e.g. a null byte
        return [Finding(0, "syntax", f"not parseable: {exc}")]
    except (MemoryError, RecursionError):  # 20,000 nested `not`s or lambdas: CPython's parser gives up
        return [Finding(0, "nesting", TOO_DEEP)]
    try:
        checker = _Checker(granted, tree)
        checker.visit(tree)
    except (MemoryError, RecursionError):  # parsed, but nested deeper than a checker can walk
        return [Finding(0, "nesting", TOO_DEEP)]
    return checker.findings


def has_entry_point(source: str) -> bool:
    """Whether the module defines a top-level ``run`` taking one argument."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return any(isinstance(n, ast.FunctionDef) and n.name == "run" and len(n.args.args) >= 1
               for n in tree.body)


__all__ = ["ALLOWED_MODULES", "Finding", "attr_problem", "check_source", "has_entry_point"]
