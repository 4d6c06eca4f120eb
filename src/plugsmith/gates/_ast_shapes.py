"""Where some allowed names may appear: things that are harmless used as meant and a door used as values.

The allow-list says *which* names plugin code may use; this module says *how* a few of them may be
used, because each turns run-time strings into attribute names, class namespaces or compiled code when
used any other way:

* the builtin ``type``: ``type(x)`` names or compares a class (``type(x).__name__``, ``type(x) is C``,
  ``type(x) in (int, float)``, ``isinstance(y, type(x))``, a message) — where no code of the plugin's
  own gets the value. Called again or carried as a value
  (``type(type)``, ``t = type``) it is the metaclass, which builds a class from a run-time dict: any
  dunder, any ``__annotations__``, any ``__match_args__``;
* metaclasses (``abc.ABCMeta``, ``enum.EnumMeta``/``EnumType``) only as ``metaclass=``: a plugin that
  defines or calls one shapes class namespaces with computed names (``__new__``, ``__getattr__``);
* ``dataclass`` only as a class decorator: called on any class it compiles ``__init__``/``__eq__``
  source from that class's field names, and a computed name is code (``x if EXPR else 0``);
* ``field(...)`` only as ``name: type = field(...)`` in the body of a ``@dataclass`` class, the name
  never read in that class's scope, and ``Field`` only in annotations and ``isinstance``: a Field the
  plugin keeps (``KEPT = field()``, or read back in the class body) is processed by the decorator and
  its ``name``, renamed to an expression, is compiled into the methods of the next dataclass that
  inherits it;
* ``functools.wraps``/``update_wrapper`` copy attributes by name (``getattr``/``setattr`` inside), so
  they take no ``assigned``/``updated`` lists and only wrap a function the module defines with ``def``;
* positional class patterns (``case C(a, b)``) read whatever ``C.__match_args__`` names — computed for
  a ``namedtuple``, spoofable through ``ABC.register`` — so only the builtin types that match
  themselves (``case int(n)``) take them; other classes use keyword patterns (``case C(x=a)``);
* ``str.format``/``format_map`` read attributes named in the template (``{0.__class__}``): only a
  literal template, called at once (``"{:.2f}".format(x)``), never the method as a value.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable

METACLASSES = frozenset({"abc.ABCMeta", "enum.EnumMeta", "enum.EnumType"})
SHAPED_BUILTINS = frozenset({"type"})  # shaped wherever the name appears, even where a scope rebinds it
FORMAT_METHODS = frozenset({"format", "format_map"})
SELF_MATCHING = frozenset({"bool", "bytearray", "bytes", "dict", "float", "frozenset", "int", "list", "set",
                           "str", "tuple"})
_TYPE_TAKERS = frozenset({"isinstance", "issubclass", "str", "repr", "print", "id", "hash", "format"})
_CLASS_TESTS = frozenset({"isinstance", "issubclass"})
_BUILTIN_NAMES = frozenset(dir(builtins))

Problem = tuple[str, str]


class Shapes:
    """Context checks for one module. ``qualified`` resolves an expression to ``module.NAME`` (or
    ``builtins.NAME`` for an unshadowed builtin); ``parent`` maps a node's id to its parent."""

    def __init__(self, tree: ast.AST, parent: dict[int, ast.AST], bound: set[str],
                 qualified: Callable[[ast.expr], str | None]) -> None:
        self.parent = parent
        self.bound = bound
        self.qualified = qualified
        self.annotations = {id(sub) for node in ast.walk(tree) for ann in _annotations(node)
                            for sub in ast.walk(ann)}
        self.defs = _def_only_names(tree)
        self.rebound = _rebound_names(tree)
        defined = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        names = [node.name for node in defined]
        non_class = _rebound_names(tree, classes=False)
        # classes a base name surely denotes: defined once, never bound any other way
        self.classes = {c.name: c for c in defined if names.count(c.name) == 1 and c.name not in non_class}

    def check_name(self, node: ast.expr) -> Problem | None:
        """A reference (Name or module attribute) to one of the shaped names, in its context."""
        if id(node) in self.annotations:
            return None
        name = self.qualified(node)
        if name == "builtins.type":
            return self._type(node)
        if name in METACLASSES:
            return self._metaclass(node, name)
        if name == "dataclasses.dataclass":
            return self._dataclass(node)
        if name in ("dataclasses.field", "dataclasses.Field"):
            return self._field(node, name)
        if name in ("functools.wraps", "functools.update_wrapper"):
            return self._wrapper(node, name)
        return None

    def check_format(self, node: ast.Attribute, called: bool) -> Problem | None:
        if node.attr not in FORMAT_METHODS:
            return None
        literal = isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        if literal and called:
            return None
        return "dynamic", (f".{node.attr} only on a literal template, called at once (a template's "
                           "fields read attributes); use f-strings")

    def check_match_class(self, node: ast.MatchClass) -> Problem | None:
        if not node.patterns:
            return None
        cls = node.cls
        if isinstance(cls, ast.Name) and cls.id in SELF_MATCHING and cls.id not in self.bound:
            return None
        return "dynamic", ("positional class patterns read the attributes __match_args__ names (which "
                           "can be computed); use keyword patterns: case C(x=a)")

    # -- the shapes ----------------------------------------------------------------------------------
    def _type(self, node: ast.expr) -> Problem | None:
        up = self.parent.get(id(node))
        if isinstance(up, ast.Call) and up.func is node:
            if len(up.args) != 1 or up.keywords or isinstance(up.args[0], ast.Starred):
                return "dynamic", "type() takes one argument here: it does not make classes"
            return None if self._names_a_class(up) else (
                "dynamic", "type(x) may only be compared, named (type(x).__name__), looked up or "
                           "passed to isinstance/str/repr; call the class itself")
        if self._class_test_arg(node) or isinstance(up, ast.Compare):
            return None
        return "dynamic", "type may only be called with one argument or used in isinstance()"

    def _names_a_class(self, call: ast.Call) -> bool:
        """Whether ``type(x)`` sits where its value is only looked at — never called, kept, or handed to
        the plugin's own special methods (``obj == type(x)`` calls ``obj.__eq__`` with it when ``x`` is a
        class, ``table[type(x)]`` calls ``table.__getitem__``)."""
        up = self.parent.get(id(call))
        if isinstance(up, ast.FormattedValue):
            return True
        grand = self.parent.get(id(up))
        if isinstance(up, ast.Tuple | ast.List | ast.Set) and isinstance(grand, ast.Compare):
            up = grand
        if isinstance(up, ast.Compare):
            return self._plain_compare(up)
        if isinstance(up, ast.Attribute):
            return up.attr == "__name__"
        if isinstance(up, ast.Tuple) and self._class_test_arg(up):
            return True
        if isinstance(up, ast.Call) and call in up.args and isinstance(up.func, ast.Name):
            return up.func.id in _TYPE_TAKERS and up.func.id not in self.bound
        return False

    def _plain_compare(self, compare: ast.Compare) -> bool:
        """``is``/``is not`` run no plugin code; ``==``, ``!=``, ``in`` only among builtins' names,
        ``type(...)`` calls and None (or a literal tuple, list or set of them)."""
        if all(isinstance(op, ast.Is | ast.IsNot) for op in compare.ops):
            return True
        items = [i for o in [compare.left, *compare.comparators]
                 for i in (o.elts if isinstance(o, ast.Tuple | ast.List | ast.Set) else [o])]
        return all(self._is_type_call(i) or (isinstance(i, ast.Name) and i.id in _BUILTIN_NAMES
                                             and i.id not in self.bound)
                   or (isinstance(i, ast.Constant) and i.value is None) for i in items)

    def _is_type_call(self, node: ast.expr) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type"
                and len(node.args) == 1 and not node.keywords)

    def _class_test_arg(self, node: ast.expr) -> bool:
        """``node`` is (an element of a tuple that is) the second argument of isinstance/issubclass."""
        up = self.parent.get(id(node))
        if isinstance(up, ast.Tuple):
            node, up = up, self.parent.get(id(up))
        return (isinstance(up, ast.Call) and len(up.args) == 2 and up.args[1] is node
                and isinstance(up.func, ast.Name) and up.func.id in _CLASS_TESTS
                and up.func.id not in self.bound)

    def _metaclass(self, node: ast.expr, name: str) -> Problem | None:
        up = self.parent.get(id(node))
        if isinstance(up, ast.keyword) and up.arg == "metaclass" and isinstance(self.parent.get(id(up)),
                                                                                 ast.ClassDef):
            return None
        if self._class_test_arg(node):
            return None
        return "dynamic", f"{name} may only be given as metaclass=: plugins do not define or call metaclasses"

    def _dataclass(self, node: ast.expr) -> Problem | None:
        up = self.parent.get(id(node))
        target = up if isinstance(up, ast.Call) and up.func is node and not up.args else node
        holder = self.parent.get(id(target))
        if isinstance(holder, ast.ClassDef) and target in holder.decorator_list:
            return None
        return "dynamic", ("dataclass only as a class decorator (@dataclass): called on another class it "
                           "compiles code from that class's field names")

    def _field(self, node: ast.expr, name: str) -> Problem | None:
        """``x: T = field(...)`` directly in the body of a ``@dataclass`` class, and ``x`` never read in
        that class's scope: the decorator then replaces the class attribute, so the plugin never holds
        the Field, whose ``name`` a child dataclass would compile into its methods."""
        up = self.parent.get(id(node))
        if name == "dataclasses.Field":
            return None if self._class_test_arg(node) else (
                "dynamic", "dataclasses.Field only in annotations and isinstance(): a Field's name is "
                           "compiled into the methods of every dataclass that inherits it")
        holder = self.parent.get(id(up))
        owner = self.parent.get(id(holder))
        if (isinstance(up, ast.Call) and up.func is node and isinstance(holder, ast.AnnAssign)
                and holder.value is up and holder.simple and isinstance(holder.target, ast.Name)
                and isinstance(owner, ast.ClassDef) and holder in owner.body and self._plain_dataclass(owner)
                and holder.target.id not in _class_scope_reads(owner)):
            return None
        return "dynamic", ("field() only as `name: type = field(...)` in the body of a plain @dataclass "
                           "class (the innermost decorator; no metaclass, bases only such dataclasses), the "
                           "name never read in the class body: a Field the plugin keeps can be renamed into "
                           "code that the next dataclass compiles")

    def _plain_dataclass(self, cls: ast.ClassDef, seen: frozenset[str] = frozenset()) -> bool:
        """``cls`` is decorated by the real ``dataclass`` first of all (nothing sees the class namespace
        before it replaces the fields: no metaclass, no other decorator, no base that is not such a class
        itself — an Enum or NamedTuple base would keep the Field as a member or a default)."""
        if not cls.decorator_list or cls.keywords or cls.name in seen:
            return False
        innermost = cls.decorator_list[-1]
        target = innermost.func if isinstance(innermost, ast.Call) else innermost
        root = target
        while isinstance(root, ast.Attribute):
            root = root.value
        if (self.qualified(target) != "dataclasses.dataclass" or not isinstance(root, ast.Name)
                or root.id in self.rebound):
            return False
        for base in cls.bases:
            found = self.classes.get(base.id) if isinstance(base, ast.Name) else None
            if found is None or not self._plain_dataclass(found, seen | {cls.name}):
                return False
        return True

    def _wrapper(self, node: ast.expr, name: str) -> Problem | None:
        up = self.parent.get(id(node))
        short = name.split(".")[1]
        if not (isinstance(up, ast.Call) and up.func is node and not up.keywords
                and not any(isinstance(a, ast.Starred) for a in up.args)):
            return "dynamic", f"{short} may only be called directly, without assigned=/updated="
        if short == "wraps":
            holder = self.parent.get(id(up))
            if len(up.args) == 1 and isinstance(holder, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and up in holder.decorator_list:
                return None
            return "dynamic", "wraps(f) only as the decorator of a def, without assigned=/updated="
        first = up.args[0] if up.args else None
        if len(up.args) == 2 and isinstance(first, ast.Name) and first.id in self.defs:
            return None
        return "dynamic", ("update_wrapper(wrapper, wrapped) only on a function the module defines with "
                           "def, without assigned=/updated= (it copies attributes by name)")


def _rebound_names(tree: ast.AST, *, classes: bool = True) -> set[str]:
    """Names bound by anything but an import (an assignment, a def, a parameter …, and a class unless
    ``classes`` is false): such a name may not be what its import says."""
    names: set[str] = set()
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) if classes else (ast.FunctionDef,
                                                                                   ast.AsyncFunctionDef)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, kinds):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names


def _class_scope_reads(cls: ast.ClassDef) -> set[str]:
    """Names read in ``cls``'s own scope: its body, but not the bodies of functions, lambdas and classes
    defined there (their defaults, decorators and bases are evaluated in this scope, so they count)."""
    found: set[str] = set()
    todo: list[ast.AST] = list(cls.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.add(node.id)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            todo += [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d)]
            todo += [a.annotation for a in (*node.args.args, *node.args.kwonlyargs) if a.annotation]
        elif isinstance(node, ast.Lambda):
            todo += [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
        elif isinstance(node, ast.ClassDef):
            todo += [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
        else:
            todo += list(ast.iter_child_nodes(node))
    return found


def _annotations(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.arg) and node.annotation is not None:
        return [node.annotation]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
        return [node.returns]
    if isinstance(node, ast.AnnAssign):
        return [node.annotation]
    return []


def _def_only_names(tree: ast.AST) -> frozenset[str]:
    """Names bound only by ``def`` statements (never assigned, imported, a class or a parameter)."""
    defs: set[str] = set()
    other: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defs.add(node.name)
        elif isinstance(node, ast.ClassDef):
            other.add(node.name)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            other.add(node.id)
        elif isinstance(node, ast.arg):
            other.add(node.arg)
        elif isinstance(node, ast.alias):
            other.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            other.update(node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            other.add(node.name)
    return frozenset(defs - other)


__all__ = ["FORMAT_METHODS", "METACLASSES", "SELF_MATCHING", "SHAPED_BUILTINS", "Shapes"]
