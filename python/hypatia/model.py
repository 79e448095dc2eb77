"""Loading and calling models built by hypatia-compile (the C ABI of
include/hypatia/Runtime/Model.h), with ctypes: no compiled extension, so one
build serves every Python version.

    model = hypatia.model.load("mlp.so")
    y, = model.mlp(x, w1, b1, w2, b2)          # NumPy arrays (CPU models)
    y, = model.mlp(x, w1, b1, w2, b2)          # torch tensors (CPU or CUDA)

Results are allocated for the inputs' batch sizes and returned as a tuple of
the inputs' kind (NumPy arrays or torch tensors on the inputs' device). CUDA
models run on torch's current CUDA stream, without synchronizing it.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Sequence
from typing import Any

from . import vocabulary
from .errors import HypatiaError

ABI_VERSION = 1
NUMPY_DTYPES = {"f32": "float32", "f16": "float16"}


class _TensorType(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("size_source_input", ctypes.POINTER(ctypes.c_int32)),
                ("size_source_dim", ctypes.POINTER(ctypes.c_int32))]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("shape", ctypes.POINTER(ctypes.c_int64))]


_CallFn = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.POINTER(_Tensor),
                           ctypes.POINTER(_Tensor), ctypes.c_void_p)


class _Function(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("num_inputs", ctypes.c_int32),
                ("num_results", ctypes.c_int32),
                ("inputs", ctypes.POINTER(_TensorType)),
                ("results", ctypes.POINTER(_TensorType)), ("call", _CallFn)]


class _Model(ctypes.Structure):
    _fields_ = [("abi_version", ctypes.c_int32), ("target", ctypes.c_int32),
                ("num_functions", ctypes.c_int32),
                ("functions", ctypes.POINTER(_Function))]


class TensorType:
    """dtype ('f32', 'f16', 'bf16') and shape (None where dynamic)."""

    def __init__(self, dtype, shape, size_sources=None):
        self.dtype = dtype
        self.shape = tuple(shape)
        # For results: (input, dim) per dynamic dimension, None elsewhere.
        self.size_sources = size_sources

    def __repr__(self):
        dims = ", ".join("?" if d is None else str(d) for d in self.shape)
        return f"{self.dtype}[{dims}]"


def _read_type(raw, is_result):
    shape = tuple(None if raw.shape[d] < 0 else raw.shape[d] for d in range(raw.rank))
    sources = None
    if is_result:
        sources = tuple((raw.size_source_input[d], raw.size_source_dim[d])
                        if shape[d] is None else None for d in range(raw.rank))
    return TensorType(vocabulary.names("dtype")[raw.dtype], shape, sources)


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _current_stream_getter(torch, device):
    """A function returning the current CUDA stream of `device` as the
    integer handle a model takes. torch.cuda.current_stream builds a Stream
    object per call (about 5 us of host time on the H200's host, a tenth of
    a small model's whole call); the raw getter, which Inductor's generated
    code uses too, returns the handle alone. Falls back to the public API
    where a torch build lacks it."""
    index = torch.device(device).index
    if index is None:
        index = torch.cuda.current_device()
    raw = getattr(torch._C, "_cuda_getCurrentRawStream", None)
    if raw is not None:
        return lambda: raw(index)
    return lambda: torch.cuda.current_stream(index).cuda_stream


class Function:
    """One function of a compiled model; call it with arrays or tensors."""

    def __init__(self, model, raw):
        self._model = model
        self._call = raw.call
        self.name = raw.name.decode()
        self.inputs = [_read_type(raw.inputs[i], False) for i in range(raw.num_inputs)]
        self.results = [_read_type(raw.results[i], True) for i in range(raw.num_results)]

    def __repr__(self):
        return (f"<hypatia function {self.name}({', '.join(map(repr, self.inputs))})"
                f" -> ({', '.join(map(repr, self.results))})>")

    def result_shapes(self, input_shapes):
        shapes = []
        for result in self.results:
            shapes.append(tuple(input_shapes[s[0]][s[1]] if d is None else d
                                for d, s in zip(result.shape, result.size_sources)))
        return shapes

    def __call__(self, *args, out=None):
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.name} takes {len(self.inputs)} inputs, got {len(args)}")
        torch = _torch()
        if torch is not None and all(isinstance(a, torch.Tensor) for a in args):
            return self._call_torch(torch, args, out)
        if any(torch is not None and isinstance(a, torch.Tensor) for a in args):
            raise TypeError(f"{self.name}: pass either all NumPy arrays or all torch tensors")
        return self._call_numpy(args, out)

    def _check_input(self, index, dtype, shape, contiguous):
        expected = self.inputs[index]
        if dtype != expected.dtype:
            raise TypeError(f"{self.name}: input {index} must be {expected.dtype}, got {dtype}")
        if not contiguous:
            raise ValueError(f"{self.name}: input {index} must be contiguous "
                             "(call .contiguous() / np.ascontiguousarray first)")

    def bind(self, inputs: Sequence[Any], results: Sequence[Any]) -> Callable[[], None]:
        """A call prepared once for these tensors (torch, contiguous, results
        allocated by the caller): calling it costs one ctypes call, on the
        current CUDA stream of that moment (so it can be captured in a CUDA
        graph). For benchmarks and serving loops."""
        torch = _torch()
        names = {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16"}
        for index, tensor in enumerate(inputs):
            self._check_input(index, names.get(tensor.dtype), tuple(tensor.shape),
                              tensor.is_contiguous())
        packed_inputs, packed_results, keep = self._pack(
            [(t.data_ptr(), names[t.dtype], tuple(t.shape)) for t in inputs],
            [(t.data_ptr(), names[t.dtype], tuple(t.shape)) for t in results])
        call, last_error = self._call, self._model._last_error
        on_cuda = self._model.target == "cuda"

        def bound():
            stream = torch.cuda.current_stream().cuda_stream if on_cuda else None
            if call(packed_inputs, packed_results, stream) != 0:
                raise HypatiaError(last_error())
        bound.keep_alive = (keep, inputs, results)
        return bound

    def graph(self, inputs: Sequence[Any], results: Sequence[Any]) -> Callable[[], None]:
        """The call on these CUDA tensors captured once in a CUDA graph (after
        a warm-up call that builds the GEMM plans); returns the replay, which
        reads the inputs' current contents and writes the results in place."""
        torch = _torch()
        if self._model.target != "cuda":
            raise TypeError(f"{self.name}: CUDA graphs need a CUDA model")
        bound = self.bind(inputs, results)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            bound()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            bound()
        def replay():
            graph.replay()
        replay.keep_alive = (bound, graph)
        return replay

    def prepare_torch(self, input_shapes, dtype_names, device):
        """A call specialized to inputs of these shapes and dtypes on `device`
        (torch): the tensor descriptors are built once, so a call only sets
        data pointers, allocates the results and calls the model. The caller
        guarantees the shapes and dtypes (a backend keying its variants on
        them); tensors must be contiguous. Returns fn(*tensors) -> tuple."""
        torch = _torch()
        dtypes = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
        for index, (shape, dtype) in enumerate(zip(input_shapes, dtype_names)):
            self._check_input(index, dtype, tuple(shape), True)
        result_shapes = self._result_shapes_for([tuple(s) for s in input_shapes])
        result_dtypes = [dtypes[r.dtype] for r in self.results]
        packed_inputs, packed_results, keep = self._pack(
            [(0, d, tuple(s)) for s, d in zip(input_shapes, dtype_names)],
            [(0, r.dtype, tuple(s)) for s, r in zip(result_shapes, self.results)])
        call, last_error = self._call, self._model._last_error
        current_stream = _current_stream_getter(torch, device) \
            if self._model.target == "cuda" else (lambda: None)
        num_inputs = len(input_shapes)

        def prepared(*tensors):
            for slot, tensor in zip(packed_inputs, tensors):
                slot.data = tensor.data_ptr()
            results = [torch.empty(s, dtype=d, device=device)
                       for s, d in zip(result_shapes, result_dtypes)]
            for slot, tensor in zip(packed_results, results):
                slot.data = tensor.data_ptr()
            if call(packed_inputs, packed_results, current_stream()) != 0:
                raise HypatiaError(last_error())
            return tuple(results)

        prepared.keep_alive = (keep, self._model)
        prepared.num_inputs = num_inputs
        return prepared

    def _pack(self, inputs, results):
        keep = []
        dtype_codes = vocabulary.codes("dtype")

        def pack(items):
            array = (_Tensor * max(len(items), 1))()
            for slot, (pointer, dtype, shape) in zip(array, items):
                dims = (ctypes.c_int64 * max(len(shape), 1))(*shape)
                keep.append(dims)
                slot.data = pointer
                slot.dtype = dtype_codes[dtype]
                slot.rank = len(shape)
                slot.shape = dims
            return array

        return pack(inputs), pack(results), keep

    def _invoke(self, inputs, results, stream):
        packed_inputs, packed_results, keep = self._pack(inputs, results)
        status = self._call(packed_inputs, packed_results, stream)
        if status != 0:
            raise HypatiaError(self._model._last_error())

    def _call_numpy(self, args, out):
        import numpy as np

        if self._model.target != "cpu":
            raise TypeError(f"{self.name} is compiled for {self._model.target}: "
                            "pass torch tensors on the GPU")
        arrays = []
        for index, arg in enumerate(args):
            array = np.asarray(arg)
            dtype = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16"}.get(array.dtype)
            if dtype is None:
                raise TypeError(f"{self.name}: input {index} has dtype {array.dtype}; "
                                "NumPy inputs must be float32 or float16 (bf16: use torch)")
            self._check_input(index, dtype, array.shape, array.flags.c_contiguous)
            arrays.append(array)
        if out is None:
            shapes = self._result_shapes_for([a.shape for a in arrays])
            for result in self.results:
                if result.dtype not in NUMPY_DTYPES:
                    raise TypeError(f"{self.name}: {result.dtype} results need torch tensors")
            out = [np.empty(s, NUMPY_DTYPES[r.dtype]) for s, r in zip(shapes, self.results)]
        else:
            def check(buffer, result):
                if not isinstance(buffer, np.ndarray):
                    return f"is a {type(buffer).__name__}, not a NumPy array"
                if result.dtype not in NUMPY_DTYPES or \
                        buffer.dtype != np.dtype(NUMPY_DTYPES[result.dtype]):
                    return f"has dtype {buffer.dtype}; the result is {result.dtype}"
                if not buffer.flags.c_contiguous:
                    return "is not C-contiguous"
                if not buffer.flags.writeable:
                    return "is read-only"
                return None
            self._check_out(out, "NumPy arrays", check)
        self._invoke([(a.ctypes.data, self.inputs[i].dtype, a.shape) for i, a in enumerate(arrays)],
                     [(o.ctypes.data, r.dtype, o.shape) for o, r in zip(out, self.results)], None)
        return tuple(out)

    def _check_out(self, out, kind, check):
        """`out` must be one writable, contiguous array of the result's dtype
        per result (the model writes through raw pointers: anything else
        would be overwritten past its end or left wrong)."""
        if not isinstance(out, (list, tuple)) or len(out) != len(self.results):
            raise TypeError(f"{self.name}: out must be a list of {len(self.results)} "
                            f"{kind}, one per result")
        for index, (buffer, result) in enumerate(zip(out, self.results)):
            problem = check(buffer, result)
            if problem:
                raise ValueError(f"{self.name}: out[{index}] {problem}")

    def _result_shapes_for(self, input_shapes):
        # Read only where the ranks match: otherwise the model refuses the
        # call and says which input is wrong.
        if all(len(s) == len(t.shape) for s, t in zip(input_shapes, self.inputs)):
            return self.result_shapes(input_shapes)
        return [tuple(0 if d is None else d for d in r.shape) for r in self.results]

    def _call_torch(self, torch, args, out):
        names = {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16"}
        dtypes = {v: k for k, v in names.items()}
        device = args[0].device if args else torch.device("cpu")
        want = "cuda" if self._model.target == "cuda" else "cpu"
        for index, arg in enumerate(args):
            if arg.device.type != want or arg.device != device:
                raise ValueError(f"{self.name}: input {index} is on {arg.device}; this model "
                                 f"runs on {want}, all inputs on one device")
            if arg.dtype not in names:
                raise TypeError(f"{self.name}: input {index} has dtype {arg.dtype}")
            if arg.requires_grad and torch.is_grad_enabled():
                raise RuntimeError(f"{self.name}: inputs require grad, but compiled models "
                                   "do not support autograd yet: use torch.no_grad()")
            self._check_input(index, names[arg.dtype], tuple(arg.shape), arg.is_contiguous())
        if out is None:
            shapes = self._result_shapes_for([tuple(a.shape) for a in args])
            out = [torch.empty(s, dtype=dtypes[r.dtype], device=device)
                   for s, r in zip(shapes, self.results)]
        else:
            def check(buffer, result):
                if not isinstance(buffer, torch.Tensor):
                    return f"is a {type(buffer).__name__}, not a torch tensor"
                if buffer.dtype != dtypes[result.dtype]:
                    return f"has dtype {buffer.dtype}; the result is {result.dtype}"
                if buffer.device != device:
                    return f"is on {buffer.device}; the inputs are on {device}"
                if not buffer.is_contiguous():
                    return "is not contiguous"
                if buffer.requires_grad and torch.is_grad_enabled():
                    return "requires grad"
                return None
            self._check_out(out, "torch tensors", check)
        stream = None
        if want == "cuda":
            with torch.cuda.device(device):
                stream = torch.cuda.current_stream().cuda_stream
        self._invoke([(a.data_ptr(), names[a.dtype], tuple(a.shape)) for a in args],
                     [(o.data_ptr(), names[o.dtype], tuple(o.shape)) for o in out], stream)
        return tuple(out)


class Model:
    """A shared object built by hypatia-compile; its functions as attributes."""

    def __init__(self, path):
        self.path = str(path)
        _check_whole_shared_object(self.path)
        try:
            self._library = ctypes.CDLL(self.path, mode=ctypes.RTLD_LOCAL)
        except OSError as error:
            raise HypatiaError(f"cannot load the model {self.path}: {error}") from None
        if not hasattr(self._library, "hypatia_get_model"):
            raise HypatiaError(f"{self.path} is not a Hypatia model (no hypatia_get_model)")
        self._library.hypatia_get_model.restype = ctypes.POINTER(_Model)
        self._library.hypatia_model_last_error.restype = ctypes.c_char_p
        raw = self._library.hypatia_get_model().contents
        if raw.abi_version != ABI_VERSION:
            raise HypatiaError(f"{self.path}: model ABI version {raw.abi_version}, "
                               f"this package reads version {ABI_VERSION}")
        self.target = vocabulary.names("target")[raw.target]
        self.functions = {}
        for i in range(raw.num_functions):
            function = Function(self, raw.functions[i])
            self.functions[function.name] = function

    def _last_error(self):
        return self._library.hypatia_model_last_error().decode(errors="replace")

    def __getattr__(self, name):
        functions = self.__dict__.get("functions", {})
        if name in functions:
            return functions[name]
        raise AttributeError(f"{self.path} has no function {name!r}; it has "
                             f"{', '.join(functions) or 'none'}")

    def __getitem__(self, name):
        return self.functions[name]


def _check_whole_shared_object(path):
    """Raises HypatiaError unless every segment the loader maps from `path`
    (a 64-bit ELF file) lies within the file: dlopen maps a truncated file's
    segments anyway, and touching them then raises SIGBUS."""
    import struct

    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise HypatiaError(f"cannot load the model {path}: {error}") from None
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2:
        raise HypatiaError(f"cannot load the model {path}: not a 64-bit ELF shared object")
    program_headers, = struct.unpack_from("<Q", data, 32)
    entry_size, entries = struct.unpack_from("<HH", data, 54)
    for i in range(entries):
        entry = program_headers + i * entry_size
        if entry + 40 > len(data):
            raise HypatiaError(f"cannot load the model {path}: the file is truncated (its "
                               "program headers end past it)")
        segment_type, = struct.unpack_from("<I", data, entry)
        offset, = struct.unpack_from("<Q", data, entry + 8)
        file_size, = struct.unpack_from("<Q", data, entry + 32)
        if segment_type == 1 and offset + file_size > len(data):  # PT_LOAD
            raise HypatiaError(f"cannot load the model {path}: the file is truncated (a "
                               f"segment ends at byte {offset + file_size} of {len(data)})")


def set_cpu_threads(count: int) -> None:
    """Sets how many threads the GEMMs of CPU models use when called from this
    thread: oneDNN's OpenMP team (the system's libgomp, shared by every CPU
    model; PyTorch has its own). Its default: OMP_NUM_THREADS, else one per
    core."""
    if int(count) < 1:
        raise ValueError(f"thread count must be at least 1, got {count}")
    try:
        openmp = ctypes.CDLL("libgomp.so.1")
    except OSError as error:
        raise HypatiaError(f"cannot load OpenMP (libgomp): {error}") from None
    openmp.omp_set_num_threads(ctypes.c_int(int(count)))


def load(path: str | os.PathLike[str]) -> Model:
    """Loads a model built by hypatia-compile."""
    return Model(path)
