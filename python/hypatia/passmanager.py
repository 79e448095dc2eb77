"""Pass pipelines by name, as upstream's `mlir.passmanager`:

    pm = PassManager.parse("builtin.module(fuse-mlp{report=true})")
    pm.run(module)          # in place; MLIRError with diagnostics on failure

Every pass and pipeline of hypatia-opt is available (`hypatia-opt --help`
lists them).
"""

from __future__ import annotations

from .errors import MLIRError
from .ir import Context, Module, Owned, _resolve


class PassManager(Owned):
    _destroy = "hypatiaPassManagerDestroy"

    @staticmethod
    def parse(pipeline: str, context: Context | None = None) -> PassManager:
        """A pass manager for a textual pipeline anchored on builtin.module."""
        context = _resolve(context)
        handle = context._capi.hypatiaPassManagerParse(context._handle, pipeline.encode())
        if not handle:
            raise context.error("Invalid pass pipeline")
        return PassManager(context, handle)

    def run(self, module: Module) -> None:
        """Runs the pipeline on `module` (or `module.operation`) in place.
        Remarks the passes report (fuse-mlp{report=true}) are returned."""
        if module.context is not self.context:
            raise ValueError("the module belongs to another context than the pass manager")
        ok = self.context._capi.hypatiaPassManagerRun(self._handle, module._handle)
        diagnostics = self.context.take_diagnostics()
        if not ok:
            raise MLIRError("Failure while executing pass pipeline", diagnostics)
        return diagnostics
