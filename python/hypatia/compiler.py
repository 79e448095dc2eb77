"""Compiling a module into a callable, in this process:

    compiled = hypatia.compile(module, target="cpu")
    y, = compiled(x, w1, b1, w2, b2)              # NumPy arrays or torch tensors
    y, = compiled.mlp(x, w1, b1, w2, b2)          # by function name

The module is compiled as `hypatia-compile` does (fusion, the target's
pipeline, a shared object with the model ABI of Model.h) into the compile
cache and loaded from there: the same module with the same options is compiled
once, also across processes. The cache is $HYPATIA_CACHE_DIR, else
~/.cache/hypatia; `cache_dir=` overrides it. CUDA models run on torch's
current CUDA stream.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

from . import _capi
from . import model as _model
from . import vocabulary
from .ir import Module
from .model import Function
from .errors import HypatiaError


class CompiledModule:
    """A compiled module: its functions as attributes (and items); called
    directly when it has exactly one."""

    def __init__(self, loaded, target, path=None, cached=False):
        self._model = loaded
        self.target = target
        self.functions = loaded.functions
        # The shared object in the compile cache, and whether it was there
        # before this compile.
        self.path = path
        self.cached = cached

    def __getattr__(self, name):
        return getattr(self.__dict__["_model"], name)

    def __getitem__(self, name: str) -> Function:
        return self.functions[name]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(self.functions) != 1:
            raise TypeError(f"the module has {len(self.functions)} functions "
                            f"({', '.join(self.functions)}): call one by name")
        return next(iter(self.functions.values()))(*args, **kwargs)

    def __repr__(self):
        return f"<hypatia compiled module ({self.target}): {list(self.functions.values())}>"


def _options(target, fuse=True, allow_tf32=False, opt_level=2, chips=None,
             host_cpu=None, linker=None, library_dir=None, reference=False):
    """The C API's HypatiaCompileOptions for these arguments."""
    targets = vocabulary.codes("target")
    if target not in targets:
        raise ValueError(f"target must be one of {', '.join(targets)}, got {target!r}")
    if isinstance(chips, (list, tuple)):
        chips = ",".join(chips)
    options = _capi.CompileOptions()
    _capi.load().hypatiaCompileOptionsInit(ctypes.byref(options))
    options.target = targets[target]
    options.fuse = int(bool(fuse))
    options.allow_tf32 = int(bool(allow_tf32))
    if reference and target != "cpu":
        raise ValueError("reference applies to the cpu target only")
    options.reference = int(bool(reference))
    options.opt_level = int(opt_level)
    options.chips = (chips or "").encode()
    options.host_cpu = (host_cpu or "").encode()
    options.linker = (linker or "").encode()
    options.library_dir = (library_dir or "").encode()
    return options


def compile_to_file(module: Module, path: str | os.PathLike[str], target: str = "cpu",
                    **options: Any) -> None:
    """Compiles `module` (unchanged) into the shared object `path`. Options
    as for compile()."""
    context = module.context
    if not context._capi.hypatiaCompile(module._handle,
                                        ctypes.byref(_options(target, **options)),
                                        os.fspath(path).encode()):
        raise context.error(f"Cannot compile the module for {target}")


def compile(module: Module, target: str = "cpu", *,
            cache_dir: str | os.PathLike[str] | None = None, **options: Any) -> CompiledModule:
    """Compiles `module` for "cpu" or "cuda" through the compile cache and
    loads it. Options: fuse (run --fuse-mlp first, default True), allow_tf32
    (CUDA f32 GEMMs on TF32 tensor cores, default False), reference (CPU:
    float64-accurate loop nests instead of BLAS, default False), opt_level (0-3),
    chips (CUDA chips, e.g. ["sm_90"]), host_cpu ("native"), linker,
    library_dir (see hypatia-compile --help)."""
    context = module.context
    was_cached = ctypes.c_int32(0)
    pointer = context._capi.hypatiaCompileCached(
        module._handle, ctypes.byref(_options(target, **options)),
        os.fspath(cache_dir).encode() if cache_dir else None, ctypes.byref(was_cached))
    if not pointer:
        raise context.error(f"Cannot compile the module for {target}")
    path = _capi.take_string(pointer)
    loaded = _model.Model(path)
    if loaded.target != target:
        raise HypatiaError(f"compiled for {target} but the model says {loaded.target}")
    return CompiledModule(loaded, target, path, bool(was_cached.value))
