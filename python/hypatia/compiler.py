"""Compiling a module into a callable, in this process:

    compiled = hypatia.compile(module, target="cpu")
    y, = compiled(x, w1, b1, w2, b2)              # NumPy arrays or torch tensors
    y, = compiled.mlp(x, w1, b1, w2, b2)          # by function name

The module is compiled as `hypatia-compile` does (fusion, the target's
pipeline, a shared object with the model ABI of Model.h), loaded, and its
file removed. CUDA models run on torch's current CUDA stream.
"""

import os
import tempfile

from . import model as _model
from . import vocabulary
from .errors import HypatiaError



class CompiledModule:
    """A compiled module: its functions as attributes (and items); called
    directly when it has exactly one."""

    def __init__(self, loaded, target):
        self._model = loaded
        self.target = target
        self.functions = loaded.functions

    def __getattr__(self, name):
        return getattr(self.__dict__["_model"], name)

    def __getitem__(self, name):
        return self.functions[name]

    def __call__(self, *args, **kwargs):
        if len(self.functions) != 1:
            raise TypeError(f"the module has {len(self.functions)} functions "
                            f"({', '.join(self.functions)}): call one by name")
        return next(iter(self.functions.values()))(*args, **kwargs)

    def __repr__(self):
        return f"<hypatia compiled module ({self.target}): {list(self.functions.values())}>"


def compile_to_file(module, path, target="cpu", *, fuse=True, allow_tf32=False,
                    opt_level=2, host_cpu=None, linker=None, library_dir=None):
    """Compiles `module` (unchanged) into the shared object `path`."""
    if target not in vocabulary.codes("target"):
        raise ValueError(f"target must be 'cpu' or 'cuda', got {target!r}")
    context = module.context
    ok = context._capi.hypatiaCompile(
        module._handle, os.fspath(path).encode(), vocabulary.codes("target")[target], int(bool(fuse)),
        int(bool(allow_tf32)), int(opt_level), (host_cpu or "").encode(),
        (linker or "").encode(), (library_dir or "").encode())
    if not ok:
        raise context.error(f"Cannot compile the module for {target}")


def compile(module, target="cpu", **options):
    """Compiles `module` for "cpu" or "cuda" and loads it. Options: fuse
    (run --fuse-mlp first, default True), allow_tf32 (CUDA f32 GEMMs on TF32
    tensor cores, default False), opt_level (0-3), host_cpu ("native"),
    linker, library_dir (see hypatia-compile --help)."""
    handle, path = tempfile.mkstemp(prefix="hypatia-", suffix=".so")
    os.close(handle)
    try:
        compile_to_file(module, path, target, **options)
        loaded = _model.Model(path)
    finally:
        # Loaded (or failed): the file is no longer needed.
        os.unlink(path)
    if loaded.target != target:
        raise HypatiaError(f"compiled for {target} but the model says {loaded.target}")
    return CompiledModule(loaded, target)
