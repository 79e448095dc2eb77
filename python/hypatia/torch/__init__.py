"""PyTorch frontend of Hypatia.

    model = torch.compile(model, backend="hypatia")             # after `pip install`
    model = torch.compile(model, backend="hypatia", options={"check": "strict"})

    module, signature = hypatia.torch.import_module(model, (x,))  # the hypatia IR
    print(module)
    module, signature = hypatia.torch.import_module(torch.export.export(model, (x,)), (x,))

The backend is registered with torch.compile through the
`torch_dynamo_backends` entry point of the installed package; `register()`
registers it by hand (for a source tree on PYTHONPATH).
"""

from .backend import CheckError, CompiledGraph, Options, compile_graph, hypatia_backend
from .importer import Signature, check_support, import_graph, import_module
from .ops import Unsupported

__all__ = [
    "CheckError",
    "CompiledGraph",
    "Options",
    "Signature",
    "Unsupported",
    "check_support",
    "compile_graph",
    "hypatia_backend",
    "import_graph",
    "import_module",
    "register",
]


def register():
    """Makes backend="hypatia" known to torch.compile (a no-op where the
    installed package's entry point already does)."""
    import torch._dynamo

    if "hypatia" not in torch._dynamo.list_backends(exclude_tags=()):
        torch._dynamo.register_backend(hypatia_backend, "hypatia")
