"""What plugin code may name: modules, each module's attributes, builtins, special methods.

An allow-list, not a deny-list: a name that is not here is refused, so a new route (a module reachable
as an attribute of an allowed one, like ``dataclasses.inspect``) is closed before anyone finds it. Each
module's list is its documented public API (its ``__all__``) minus what evaluates text as code or reaches
other modules (``typing.get_type_hints``, ``typing.ForwardRef``, ``functools.singledispatch``,
``string.Formatter``, ``dataclasses.make_dataclass`` …). A submodule is named by its dotted key.

Two derived sets guard attribute *names* on any value, where no allow-list is possible (a plugin's own
classes have any attributes they like): ``INTROSPECTION_ATTRS`` (frame, code, generator, coroutine and
traceback internals) and ``stdlib_private()`` (the private methods of the allowed modules' classes, such
as ``ForwardRef._evaluate`` or ``Enum._convert_``).
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import re
import types
from functools import cache


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


MODULE_ATTRS: dict[str, frozenset[str]] = {
    "__future__": _names("annotations division absolute_import generator_stop generators nested_scopes "
                         "print_function unicode_literals with_statement"),
    "json": _names("JSONDecodeError JSONDecoder JSONEncoder dump dumps load loads decoder"),
    "json.decoder": _names("JSONDecodeError JSONDecoder"),
    "math": _names("acos acosh asin asinh atan atan2 atanh cbrt ceil comb copysign cos cosh degrees dist e "
                   "erf erfc exp exp2 expm1 fabs factorial floor fmod frexp fsum gamma gcd hypot inf isclose "
                   "isfinite isinf isnan isqrt lcm ldexp lgamma log log10 log1p log2 modf nan nextafter perm "
                   "pi pow prod radians remainder sin sinh sqrt tan tanh tau trunc ulp"),
    "statistics": _names("NormalDist StatisticsError correlation covariance fmean geometric_mean "
                         "harmonic_mean linear_regression mean median median_grouped median_high median_low "
                         "mode multimode pstdev pvariance quantiles stdev variance"),
    "datetime": _names("MAXYEAR MINYEAR UTC date datetime time timedelta timezone tzinfo"),
    "re": _names("A ASCII DOTALL I IGNORECASE L LOCALE M MULTILINE Match NOFLAG Pattern RegexFlag S U "
                 "UNICODE VERBOSE X compile error escape findall finditer fullmatch match search split sub "
                 "subn"),
    "collections": _names("ChainMap Counter OrderedDict UserDict UserList UserString defaultdict deque "
                          "namedtuple abc"),
    "collections.abc": _names("AsyncGenerator AsyncIterable AsyncIterator Awaitable ByteString Callable "
                              "Collection Container Coroutine Generator Hashable ItemsView Iterable Iterator "
                              "KeysView Mapping MappingView MutableMapping MutableSequence MutableSet "
                              "Reversible Sequence Set Sized ValuesView"),
    "itertools": _names("accumulate chain combinations combinations_with_replacement compress count cycle "
                        "dropwhile filterfalse groupby islice pairwise permutations product repeat starmap "
                        "takewhile tee zip_longest"),
    "functools": _names("WRAPPER_ASSIGNMENTS WRAPPER_UPDATES cache cached_property cmp_to_key lru_cache "
                        "partial partialmethod reduce total_ordering update_wrapper wraps"),
    "decimal": _names("BasicContext Clamped Context ConversionSyntax Decimal DecimalException DecimalTuple "
                      "DefaultContext DivisionByZero DivisionImpossible DivisionUndefined ExtendedContext "
                      "FloatOperation Inexact InvalidContext InvalidOperation MAX_EMAX MAX_PREC MIN_EMIN "
                      "MIN_ETINY Overflow ROUND_05UP ROUND_CEILING ROUND_DOWN ROUND_FLOOR ROUND_HALF_DOWN "
                      "ROUND_HALF_EVEN ROUND_HALF_UP ROUND_UP Rounded Subnormal Underflow getcontext "
                      "localcontext setcontext"),
    "fractions": _names("Fraction"),
    # not ``fields``: a processed Field's ``name`` is compiled into the next dataclass that inherits it
    "dataclasses": _names("Field FrozenInstanceError InitVar KW_ONLY MISSING asdict astuple dataclass field "
                          "is_dataclass replace"),
    "typing": _names("AbstractSet Annotated Any AnyStr AsyncGenerator AsyncIterable AsyncIterator "
                     "Awaitable ByteString Callable ChainMap ClassVar Collection Concatenate Container "
                     "Coroutine Counter DefaultDict Deque Dict Final FrozenSet Generator Generic Hashable "
                     "ItemsView Iterable Iterator KeysView List Literal LiteralString Mapping MappingView "
                     "Match MutableMapping MutableSequence MutableSet NamedTuple Never NewType NoReturn "
                     "NotRequired Optional OrderedDict ParamSpec ParamSpecArgs ParamSpecKwargs Pattern "
                     "Protocol Required Reversible Self Sequence Set Sized SupportsAbs SupportsBytes "
                     "SupportsComplex SupportsFloat SupportsIndex SupportsInt SupportsRound TYPE_CHECKING "
                     "Text Tuple Type TypeAlias TypeGuard TypeVar TypeVarTuple TypedDict Union Unpack "
                     "ValuesView assert_never assert_type cast dataclass_transform final get_args "
                     "get_origin is_typeddict overload reveal_type runtime_checkable"),
    "heapq": _names("heapify heappop heappush heappushpop heapreplace merge nlargest nsmallest"),
    "bisect": _names("bisect bisect_left bisect_right insort insort_left insort_right"),
    "operator": _names("abs add and_ attrgetter call concat contains countOf delitem eq floordiv ge getitem "
                       "gt iadd iand iconcat ifloordiv ilshift imatmul imod imul index indexOf inv invert "
                       "ior ipow irshift is_ is_not isub itemgetter itruediv ixor le length_hint lshift lt "
                       "matmul methodcaller mod mul ne neg not_ or_ pos pow rshift setitem sub truediv "
                       "truth xor"),
    "string": _names("Template ascii_letters ascii_lowercase ascii_uppercase capwords digits hexdigits "
                     "octdigits printable punctuation whitespace"),
    "enum": _names("CONFORM CONTINUOUS EJECT Enum EnumCheck EnumMeta EnumType Flag FlagBoundary IntEnum "
                   "IntFlag KEEP NAMED_FLAGS ReprEnum STRICT StrEnum UNIQUE auto member nonmember property "
                   "unique verify"),
    "copy": _names("Error copy deepcopy"),
    "abc": _names("ABC ABCMeta abstractclassmethod abstractmethod abstractproperty abstractstaticmethod"),
    "numbers": _names("Complex Integral Number Rational Real"),
    "textwrap": _names("TextWrapper dedent fill indent shorten wrap"),
    "calendar": _names("Calendar FRIDAY IllegalMonthError IllegalWeekdayError MONDAY SATURDAY SUNDAY "
                       "THURSDAY TUESDAY TextCalendar WEDNESDAY calendar day_abbr day_name firstweekday "
                       "isleap leapdays month month_abbr month_name monthcalendar monthrange timegm weekday "
                       "weekheader"),
}
ALLOWED_MODULES = frozenset(MODULE_ATTRS)

_EXCEPTIONS = frozenset(n for n, v in vars(builtins).items()
                        if isinstance(v, type) and issubclass(v, BaseException))
ALLOWED_BUILTINS = _EXCEPTIONS | _names(
    "abs aiter all anext any ascii bin bool bytearray bytes callable chr classmethod complex dict dir divmod "
    "enumerate filter float format frozenset getattr hasattr setattr delattr hash hex id int isinstance "
    "issubclass iter len list map max min next object oct ord pow print property range repr reversed round "
    "set slice sorted staticmethod str sum super tuple type zip Ellipsis NotImplemented")

ALLOWED_DUNDER_METHODS = _names(
    "__init__ __post_init__ __new__ __repr__ __str__ __format__ __bytes__ __hash__ __bool__ __eq__ __ne__ "
    "__lt__ __le__ __gt__ __ge__ __len__ __length_hint__ __iter__ __next__ __reversed__ __contains__ "
    "__getitem__ __setitem__ __delitem__ __missing__ __call__ __enter__ __exit__ __getattr__ __setattr__ "
    "__delattr__ __copy__ __deepcopy__ __add__ __sub__ __mul__ __matmul__ __truediv__ __floordiv__ __mod__ "
    "__divmod__ __pow__ __lshift__ __rshift__ __and__ __xor__ __or__ __radd__ __rsub__ __rmul__ "
    "__rmatmul__ __rtruediv__ __rfloordiv__ __rmod__ __rdivmod__ __rpow__ __rlshift__ __rrshift__ __rand__ "
    "__rxor__ __ror__ __iadd__ __isub__ __imul__ __imatmul__ __itruediv__ __ifloordiv__ __imod__ __ipow__ "
    "__ilshift__ __irshift__ __iand__ __ixor__ __ior__ __neg__ __pos__ __abs__ __invert__ __complex__ "
    "__int__ __float__ __index__ __round__ __trunc__ __floor__ __ceil__")

# documented API that happens to start with an underscore (namedtuple, enum)
DOCUMENTED_PRIVATE = _names("_fields _asdict _replace _make _field_defaults _value_ _name_ _missing_ "
                            "_generate_next_value_ _ignore_ _order_")

INTROSPECTION_ATTRS = frozenset(
    name for kind in (types.FrameType, types.CodeType, types.TracebackType, types.GeneratorType,
                      types.CoroutineType, types.AsyncGeneratorType)
    for name in dir(kind) if re.match(r"(gi|cr|ag|f|tb|co)_", name)) | {"cell_contents"}

_DUNDER = re.compile(r"__\w+__")


@cache
def stdlib_private() -> frozenset[str]:
    """Private methods (callables) of every class the allowed modules and the builtins define."""
    found: set[str] = set()
    spaces = [vars(importlib.import_module(m)) for m in sorted(ALLOWED_MODULES)] + [vars(builtins),
                                                                                    vars(types)]
    for space in spaces:
        for value in list(space.values()):
            if not isinstance(value, type):
                continue
            for name in dir(value):
                if name.startswith("_") and not _DUNDER.fullmatch(name):
                    attr = inspect.getattr_static(value, name, None)
                    if callable(attr) or isinstance(attr, classmethod | staticmethod):
                        found.add(name)
    return frozenset(found - DOCUMENTED_PRIVATE)


def submodule(module: str, attr: str) -> str | None:
    """``module.attr`` when that is an allowed submodule (``collections.abc``), else None."""
    dotted = f"{module}.{attr}"
    return dotted if dotted in MODULE_ATTRS else None


__all__ = ["ALLOWED_BUILTINS", "ALLOWED_DUNDER_METHODS", "ALLOWED_MODULES", "DOCUMENTED_PRIVATE",
           "INTROSPECTION_ATTRS", "MODULE_ATTRS", "stdlib_private", "submodule"]
