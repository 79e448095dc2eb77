"""The exceptions of the hypatia package."""


class HypatiaError(RuntimeError):
    """Something Hypatia was asked to do failed; the message says why."""


class MLIRError(HypatiaError):
    """An operation on IR failed. `diagnostics` holds MLIR's diagnostics, one
    string each, as "file:line:col: error: message" (notes included)."""

    def __init__(self, message, diagnostics):
        self.message = message
        self.diagnostics = list(diagnostics)
        text = message
        if self.diagnostics:
            text += ":\n" + "\n".join(self.diagnostics)
        super().__init__(text)
