"""Hypatia: an MLIR compiler for multi-layer perceptrons.

    import hypatia
    module = hypatia.Module.parse(open("mlp.mlir").read())
    hypatia.PassManager.parse("builtin.module(fuse-mlp)").run(module)
    compiled = hypatia.compile(module, target="cpu")
    y, = compiled(x, w1, b1, w2, b2)

PyTorch: `torch.compile(model, backend="hypatia")` (see hypatia.torch).
"""

from .compiler import CompiledModule, compile, compile_to_file
from .errors import HypatiaError, MLIRError
from .ir import Context, FunctionBuilder, Module, Value
from .model import Model, load
from .passmanager import PassManager

__version__ = "0.1.0"

__all__ = [
    "CompiledModule",
    "Context",
    "FunctionBuilder",
    "HypatiaError",
    "MLIRError",
    "Model",
    "Module",
    "PassManager",
    "Value",
    "compile",
    "compile_to_file",
    "load",
]
