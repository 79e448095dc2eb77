"""Contexts, modules and a builder of hypatia functions, over the C API.

Names follow upstream MLIR's Python bindings (`mlir.ir`) where they overlap:

    with hypatia.ir.Context():
        module = hypatia.ir.Module.parse(text)
    print(module)                      # the textual IR
    module.operation.verify()          # True, or MLIRError with diagnostics

Every failure raises `MLIRError` carrying MLIR's diagnostics with their
locations; nothing here aborts the interpreter on bad input.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence

from . import _capi, vocabulary
from .errors import MLIRError

F32, F16, BF16 = "f32", "f16", "bf16"

# Python spells erf-GELU "gelu" (PyTorch's default) and no activation None.
_ACTIVATION_SPELLINGS = {None: "none", "gelu": "gelu_erf"}


def _activation_code(name):
    """The vocabulary's code of an activation, or None if `name` is not one."""
    return vocabulary.codes("activation").get(_ACTIVATION_SPELLINGS.get(name, name))

_current = threading.local()


class Context:
    """Owns IR (modules, builders, pass managers). Usable as `with Context():`
    to make it the current context of calls that take `context=None`. Not
    thread-safe: use one per thread."""

    def __init__(self) -> None:
        self._capi = _capi.load()
        self._handle = self._capi.hypatiaContextCreate()
        # Objects made with this context (modules, builders, pass managers)
        # still alive. They hold the context, but when they and the context
        # are garbage together (a reference cycle, interpreter exit) Python
        # may finalize the context first: it is then destroyed by the last of
        # them, never before.
        self._children = 0
        self._finalized = False

    def _adopt(self):
        self._children += 1

    def _release(self):
        self._children -= 1
        if self._finalized and self._children == 0:
            self._destroy()

    def _destroy(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._capi.hypatiaContextDestroy(handle)

    def __del__(self):
        self._finalized = True
        if getattr(self, "_children", 0) == 0:
            self._destroy()

    def __enter__(self) -> Context:
        stack = getattr(_current, "stack", None)
        if stack is None:
            stack = _current.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _current.stack.pop()
        return False

    @staticmethod
    def current() -> Context | None:
        """The innermost context entered with `with` on this thread, or None."""
        stack = getattr(_current, "stack", None)
        return stack[-1] if stack else None

    def take_diagnostics(self) -> str:
        text = _capi.take_string(self._capi.hypatiaContextTakeDiagnostics(self._handle))
        return [line for line in text.split("\n") if line]

    def error(self, message: str) -> MLIRError:
        """An MLIRError with the diagnostics reported since the last one."""
        return MLIRError(message, self.take_diagnostics())


def _resolve(context):
    """`context`, else the current one, else this thread's default context
    (so that IR made without naming a context can be used together)."""
    if context is not None:
        return context
    current = Context.current()
    if current is not None:
        return current
    default = getattr(_current, "default", None)
    if default is None:
        default = _current.default = Context()
    return default


class Owned:
    """A C API object made with `context`, destroyed with the C API function
    named by `_destroy` when garbage-collected. Holding the context keeps it
    alive as long as its objects."""

    _destroy = None

    def __init__(self, context, handle):
        self.context = context
        self._handle = handle
        context._adopt()

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            getattr(self.context._capi, self._destroy)(handle)
        if hasattr(self, "context"):
            self.context._release()


class Module(Owned):
    """A builtin.module. `str(module)` is its textual IR."""

    _destroy = "hypatiaModuleDestroy"

    @staticmethod
    def parse(asm: str | bytes, context: Context | None = None,
              source_name: str = "<string>") -> Module:
        """Parses and verifies textual IR (str or bytes)."""
        if not isinstance(asm, (str, bytes, bytearray, memoryview)):
            raise TypeError(f"Module.parse takes the IR as str or bytes, got {type(asm).__name__}")
        context = _resolve(context)
        data = asm.encode() if isinstance(asm, str) else bytes(asm)
        handle = context._capi.hypatiaModuleParse(context._handle, data, len(data),
                                                  source_name.encode())
        if not handle:
            raise context.error("Unable to parse module")
        return Module(context, handle)

    @property
    def operation(self) -> Module:
        """The module as an operation (upstream spelling: module.operation)."""
        return self

    def verify(self) -> bool:
        """True if the module verifies; else raises MLIRError."""
        if not self.context._capi.hypatiaModuleVerify(self._handle):
            raise self.context.error("Verification failed")
        return True

    def clone(self) -> Module:
        return Module(self.context, self.context._capi.hypatiaModuleClone(self._handle))

    def get_asm(self, enable_debug_info: bool = False) -> str:
        return _capi.take_string(
            self.context._capi.hypatiaModulePrint(self._handle, int(enable_debug_info)))

    def __str__(self) -> str:
        return self.get_asm()


class Value:
    """A value made by a FunctionBuilder: a function argument or an op's
    result."""

    __slots__ = ("builder", "index")

    def __init__(self, builder, index):
        self.builder = builder
        self.index = index

    def _type(self):
        capi, handle = self.builder._capi, self.builder._handle
        dtype = ctypes.c_int32()
        sizes = (ctypes.c_int64 * 16)()
        rank = capi.hypatiaBuilderGetType(handle, self.index, ctypes.byref(dtype), sizes, 16)
        if rank < 0 or rank > 16:
            raise self.builder.context.error("Cannot read the value's type")
        shape = tuple(None if size < 0 else size for size in sizes[:rank])
        return vocabulary.names("dtype")[dtype.value], shape

    @property
    def shape(self) -> tuple[int | None, ...]:
        """The sizes the dialect inferred (None where dynamic)."""
        return self._type()[1]

    @property
    def dtype(self) -> str:
        """"f32", "f16" or "bf16"."""
        return self._type()[0]

    def __repr__(self):
        return f"<hypatia value %{self.index}>"


def _dtype_code(dtype: str) -> int:
    """The C API's code of element type `dtype` ("f32", "f16", "bf16")."""
    dtype_codes = vocabulary.codes("dtype")
    if dtype not in dtype_codes:
        raise TypeError(f"element type must be one of {', '.join(dtype_codes)}, "
                        f"got {dtype!r}")
    return dtype_codes[dtype]


class FunctionBuilder(Owned):
    """Builds one function of hypatia ops into a new module, op by op. Each op
    is verified as it is made: a shape mismatch raises MLIRError at once,
    located where `set_location` last said (a frontend's source line)."""

    _destroy = "hypatiaBuilderDestroy"

    def __init__(self, name: str = "forward", context: Context | None = None) -> None:
        context = _resolve(context)
        self._capi = context._capi
        super().__init__(context, self._capi.hypatiaBuilderCreate(context._handle,
                                                                  name.encode()))

    def set_location(self, name: str | None = None, file: str | None = None, line: int = 0,
                     column: int = 0) -> None:
        """Where the ops made next come from: `file:line:column`, named `name`."""
        self._capi.hypatiaBuilderSetLocation(
            self._handle, (name or "").encode(), (file or "").encode(), int(line),
            int(column))

    def _value(self, index, what):
        if index < 0:
            raise self.context.error(f"Cannot build {what}")
        return Value(self, index)

    def _id(self, value):
        if not isinstance(value, Value) or value.builder is not self:
            raise TypeError(f"expected a value of this builder, got {value!r}")
        return value.index

    def argument(self, dtype: str, shape: Sequence[int | None]) -> Value:
        """A function argument: a tensor of `dtype` ("f32", "f16", "bf16") and
        `shape` (None or -1 for a dynamic size)."""
        sizes = [-1 if size is None else int(size) for size in shape]
        return self._value(self._capi.hypatiaBuilderAddArgument(
            self._handle, _dtype_code(dtype), len(sizes), _capi.int64_array(sizes)),
            "an argument")

    def linear(self, x: Value, weight: Value, bias: Value | None = None,
               activation: str | None = None) -> Value:
        """`activation(x @ weight^T + bias)`: hypatia.linear, or its fused form
        for activation "relu", "gelu", "gelu_tanh" or "silu"."""
        code = _activation_code(activation)
        if code is None or activation == "gelu_erf":
            raise ValueError(f"unknown activation {activation!r}")
        return self._value(self._capi.hypatiaBuilderLinear(
            self._handle, code, self._id(x), self._id(weight),
            -1 if bias is None else self._id(bias)), "a linear layer")

    def activation(self, kind: str, x: Value) -> Value:
        """hypatia.relu, hypatia.gelu (kind "gelu" or "gelu_tanh") or
        hypatia.silu."""
        code = _activation_code(kind)
        if code is None or kind in (None, "none", "gelu_erf"):
            raise ValueError(f"unknown activation {kind!r}")
        return self._value(self._capi.hypatiaBuilderActivation(
            self._handle, code, self._id(x)), kind)

    def relu(self, x: Value) -> Value:
        return self.activation("relu", x)

    def gelu(self, x: Value, approximate: str = "none") -> Value:
        return self.activation("gelu_tanh" if approximate == "tanh" else "gelu", x)

    def silu(self, x: Value) -> Value:
        return self.activation("silu", x)

    def dropout(self, x: Value, probability: float) -> Value:
        return self._value(self._capi.hypatiaBuilderDropout(
            self._handle, self._id(x), float(probability)), "dropout")

    def mul(self, lhs: Value, rhs: Value) -> Value:
        """hypatia.mul: the elementwise product of two values of one type."""
        return self._value(self._capi.hypatiaBuilderMul(
            self._handle, self._id(lhs), self._id(rhs)), "a product")

    def add(self, lhs: Value, rhs: Value) -> Value:
        """hypatia.add: the elementwise sum of two values of one type."""
        return self._value(self._capi.hypatiaBuilderAdd(
            self._handle, self._id(lhs), self._id(rhs)), "a sum")

    def convert(self, x: Value, dtype: str) -> Value:
        """hypatia.convert: `x` with its elements converted to `dtype` ("f32",
        "f16", "bf16"), rounded to nearest even where it narrows."""
        return self._value(self._capi.hypatiaBuilderConvert(
            self._handle, self._id(x), _dtype_code(dtype)), "a conversion")

    def matmul(self, lhs: Value, rhs: Value, transpose_lhs: bool = False,
               transpose_rhs: bool = False) -> Value:
        """hypatia.matmul: op(lhs) @ op(rhs) of two matrices, op transposing
        where asked (the products of a backward pass)."""
        return self._value(self._capi.hypatiaBuilderMatmul(
            self._handle, self._id(lhs), self._id(rhs), int(bool(transpose_lhs)),
            int(bool(transpose_rhs))), "a matrix product")

    def activation_grad(self, kind: str, grad: Value, x: Value) -> Value:
        """hypatia.activation_grad: `grad * act'(x)` for activation `kind`
        ("none", "relu", "gelu", "gelu_tanh", "silu")."""
        code = _activation_code(kind)
        if code is None or kind == "gelu_erf":
            raise ValueError(f"unknown activation {kind!r}")
        return self._value(self._capi.hypatiaBuilderActivationGrad(
            self._handle, code, self._id(grad), self._id(x)), "an activation gradient")

    def sum_rows(self, x: Value) -> Value:
        """hypatia.sum_rows: the sum over every dimension but the last (a bias
        gradient)."""
        return self._value(self._capi.hypatiaBuilderSumRows(
            self._handle, self._id(x)), "a row sum")

    def slice_rows(self, x: Value, start: int, count: int) -> Value:
        """Rows [start, start + count) of `x` (a view once bufferized)."""
        return self._value(self._capi.hypatiaBuilderSliceRows(
            self._handle, self._id(x), int(start), int(count)), "a slice")

    def reshape(self, x: Value, shape: Sequence[int]) -> Value:
        """The same elements in a new static shape."""
        sizes = [int(size) for size in shape]
        return self._value(self._capi.hypatiaBuilderReshape(
            self._handle, self._id(x), len(sizes), _capi.int64_array(sizes)), "a reshape")

    def finish(self, results: Sequence[Value]) -> Module:
        """Returns `results` from the function; the verified Module."""
        ids = [self._id(value) for value in results]
        handle = self._capi.hypatiaBuilderFinish(self._handle, len(ids),
                                                 _capi.int64_array(ids))
        if not handle:
            raise self.context.error("Cannot finish the function")
        return Module(self.context, handle)
