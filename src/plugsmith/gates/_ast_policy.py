"""Our own static policy for plugin code: pure standard-library computation, nothing else.

bandit knows common mistakes; this knows what a plugin may do at all. It rejects imports outside an
allow-list of pure modules, every road to dynamic code (``eval``/``exec``/``compile``/``__import__``,
``getattr`` & co with computed or dunder names, ``operator.attrgetter`` with computed names, string
annotations that would be evaluated), dunder attribute access (``__class__``, ``__subclasses__``,
``__globals__``, ``__builtins__``, ``__code__`` …), frame and generator internals (``gi_frame``,
``f_globals``, ``tb_frame`` …), and attributes of imported modules that lead back to ``sys``/``os``
(``typing.sys``) or into private helpers. A permission the policy grants may unlock specific names
(``fs_read`` → ``open`` for reading).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from plugsmith.gates._reach import allowed_module, module_of, reached_module

ALLOWED_MODULES = frozenset({
    "json", "math", "statistics", "datetime", "re", "collections", "itertools", "functools", "decimal",
    "fractions", "dataclasses", "typing", "heapq", "bisect", "operator", "string", "enum", "copy",
    "__future__", "abc", "numbers", "textwrap", "calendar",
})
FORBIDDEN_CALLS = frozenset({
    "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "open", "input", "breakpoint",
    "exit", "quit", "help", "memoryview", "get_type_hints", "ForwardRef", "_eval_type",
})
DYNAMIC_ATTR_CALLS = frozenset({"getattr", "setattr", "delattr", "hasattr", "attrgetter", "methodcaller"})
FORBIDDEN_ATTRS = frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code",
    "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "tb_frame", "tb_next", "co_code",
    "func_globals", "mro", "modules", "sys", "os", "builtins", "_os", "_sys", "system", "popen",
    "subprocess", "importlib", "get_type_hints", "ForwardRef", "_eval_type", "load_module", "get_field",
    "vformat", "Formatter", "singledispatch", "singledispatchmethod",
})
ALLOWED_DUNDER_ATTRS = frozenset({"__init__", "__post_init__", "__name__", "__doc__"})
ALLOWED_DUNDER_NAMES = frozenset({"__name__", "__doc__", "__all__", "__main__"})
PERMISSION_GRANTS: dict[str, frozenset[str]] = {"fs_read": frozenset({"open"})}
_DUNDER = re.compile(r"__[A-Za-z_][A-Za-z0-9_]*__")
_FORMAT_ATTR = re.compile(r"\{\w*(\.\w|\[)")
_TYPE_TEXT = re.compile(r"[\w.\[\], |]*")  # what a string annotation may hold: type names, not code


@dataclass(frozen=True)
class Finding:
    """One policy violation: where, what rule, what was seen."""

    line: int
    rule: str
    message: str

    def as_evidence(self) -> dict[str, object]:
        return {"tool": "policy", "line": self.line, "rule": self.rule, "message": self.message}


class _Checker(ast.NodeVisitor):
    def __init__(self, granted: frozenset[str]) -> None:
        self.findings: list[Finding] = []
        self.modules: dict[str, str] = {}  # local name -> module it is bound to
        self.imported: set[str] = set()  # names bound by `from allowed_module import name`
        self.called: set[int] = set()  # ids of Name nodes that are the function of a call
        self.unlocked = frozenset().union(*(PERMISSION_GRANTS.get(p, frozenset()) for p in granted))

    def flag(self, node: ast.AST, rule: str, message: str) -> None:
        self.findings.append(Finding(getattr(node, "lineno", 0), rule, message))

    def _module_ok(self, node: ast.AST, name: str | None, level: int = 0) -> bool:
        if level or not name:
            self.flag(node, "import", "relative imports are not allowed")
            return False
        if not allowed_module(name, ALLOWED_MODULES):
            self.flag(node, "import", f"import of {name!r} is not allowed (pure standard library only)")
            return False
        return True

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if self._module_ok(node, alias.name):
                bound = alias.asname or alias.name.split(".")[0]
                self.modules[bound] = alias.name if alias.asname else bound

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self._module_ok(node, node.module, node.level):
            for alias in node.names:
                if alias.name == "*":
                    self.flag(node, "import", "star imports are not allowed")
                elif alias.name in FORBIDDEN_ATTRS or alias.name.startswith("_"):
                    self.flag(node, "import", f"importing {alias.name!r} from {node.module} is not allowed")
                elif (sub := module_of(str(node.module), alias.name)) is not None:
                    if allowed_module(sub.__name__, ALLOWED_MODULES):
                        self.modules[alias.asname or alias.name] = sub.__name__
                    else:
                        self.flag(node, "import", f"{node.module}.{alias.name} is module {sub.__name__!r}")
                else:
                    self.imported.add(alias.asname or alias.name)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in FORBIDDEN_CALLS and node.id not in self.unlocked | self.imported:
            self.flag(node, "dynamic", f"use of {node.id!r} is not allowed")
        elif node.id in DYNAMIC_ATTR_CALLS and id(node) not in self.called:
            self.flag(node, "dynamic", f"{node.id} may only be called directly, with a literal name")
        elif _DUNDER.fullmatch(node.id) and node.id not in ALLOWED_DUNDER_NAMES:
            self.flag(node, "dunder", f"name {node.id!r} is not allowed")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if _DUNDER.fullmatch(attr) and attr not in ALLOWED_DUNDER_ATTRS:
            self.flag(node, "dunder", f"attribute {attr!r} is not allowed")
        elif attr in FORBIDDEN_ATTRS:
            self.flag(node, "attribute", f"attribute {attr!r} is not allowed")
        elif attr in DYNAMIC_ATTR_CALLS and id(node) not in self.called:
            self.flag(node, "dynamic", f"{attr} may only be called directly, with a literal name")
        else:
            self._check_module_chain(node)
        self.generic_visit(node)

    def _check_module_chain(self, node: ast.Attribute) -> None:
        """``mod.a.b`` on an imported module: no private steps, no step onto a forbidden module."""
        chain: list[str] = []
        root: ast.expr = node
        while isinstance(root, ast.Attribute):
            chain.insert(0, root.attr)
            root = root.value
        if not isinstance(root, ast.Name) or root.id not in self.modules:
            return
        dotted = ".".join([root.id, *chain])
        if any(step.startswith("_") for step in chain):
            self.flag(node, "attribute", f"private module attribute {dotted} is not allowed")
        elif (target := reached_module(self.modules[root.id], chain, ALLOWED_MODULES)) is not None:
            self.flag(node, "attribute", f"{dotted} reaches the module {target!r}")

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        """``case object(__class__=c)`` reads attributes too."""
        for attr in node.kwd_attrs:
            if attr.startswith("_") or attr in FORBIDDEN_ATTRS:
                self.flag(node, "dunder", f"class pattern reads attribute {attr!r}")
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
        self._check_annotation(node.returns)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_annotation(node.annotation)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        self.called.add(id(func))
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in DYNAMIC_ATTR_CALLS:
            args = node.args[1:2] if name in {"getattr", "setattr", "delattr", "hasattr"} else node.args
            for arg in args:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    self.flag(node, "dynamic", f"{name}() with a computed attribute name is not allowed")
                elif arg.value.startswith("_"):
                    self.flag(node, "dunder", f"{name}() of private name {arg.value!r} is not allowed")
            if name in {"getattr", "setattr", "delattr", "hasattr"} and len(node.args) < 2:
                self.flag(node, "dynamic", f"{name}() without a literal name is not allowed")
        if name == "open" and "open" in self.unlocked:
            self._check_read_only(node)
        literal = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant)
        if name in {"format", "format_map", "vformat"} and not literal:
            self.flag(node, "dynamic", f"{name}() on a computed template can reach attributes; use f-strings")
        self.generic_visit(node)

    def _check_read_only(self, node: ast.Call) -> None:
        mode = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "mode"), None)
        if mode is not None and not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)
                                     and set(mode.value) <= {"r", "b", "t"}):
            self.flag(node, "permission", "open() may only read (fs_read): use a literal 'r' mode")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            bad = [d for d in _DUNDER.findall(node.value) if d not in ALLOWED_DUNDER_NAMES]
            if bad:
                self.flag(node, "dunder", f"string mentions {bad[0]!r}")
            elif _FORMAT_ATTR.search(node.value):
                self.flag(node, "dynamic", "format fields with attribute or index access are not allowed")


def check_source(source: str, *, granted: frozenset[str] = frozenset(), filename: str = "plugin.py"
                 ) -> list[Finding]:
    """Every policy violation in ``source`` (a syntax error is one finding)."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return [Finding(exc.lineno or 0, "syntax", f"syntax error: {exc.msg}")]
    checker = _Checker(granted)
    checker.visit(tree)
    return checker.findings


def has_entry_point(source: str) -> bool:
    """Whether the module defines a top-level ``run`` taking one argument."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.FunctionDef) and n.name == "run" and len(n.args.args) >= 1
               for n in tree.body)


__all__ = ["ALLOWED_MODULES", "Finding", "check_source", "has_entry_point"]
