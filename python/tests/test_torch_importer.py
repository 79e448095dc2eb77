"""hypatia.torch's importer on many model shapes: every supported spelling
of each op, compiled for the CPU and compared with the model run in float64
by PyTorch, on fresh random inputs."""

import copy

import pytest
from conftest import tensor_relative_error

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

import hypatia  # noqa: E402
from hypatia.torch import Unsupported, import_module  # noqa: E402

TOLERANCE = {torch.float32: 1e-5, torch.bfloat16: 1e-2, torch.float16: 1e-2}


class FunctionalMLP(nn.Module):
    """A hand-written forward with F.linear and functional activations."""

    def __init__(self):
        super().__init__()
        self.w1, self.b1 = nn.Parameter(torch.randn(48, 20)), nn.Parameter(torch.randn(48))
        self.w2 = nn.Parameter(torch.randn(8, 48))

    def forward(self, x):
        h = F.gelu(F.linear(x, self.w1, self.b1), approximate="tanh")
        return F.silu(F.linear(F.dropout(h, 0.3, training=False), self.w2))


class AddmmMLP(nn.Module):
    """torch.addmm with a transposed weight, and matmul + add."""

    def __init__(self):
        super().__init__()
        self.w1, self.b1 = nn.Parameter(torch.randn(32, 20)), nn.Parameter(torch.randn(32))
        self.w2, self.b2 = nn.Parameter(torch.randn(6, 32)), nn.Parameter(torch.randn(6))

    def forward(self, x):
        h = torch.relu(torch.addmm(self.b1, x, self.w1.t()))
        return torch.matmul(h, self.w2.transpose(0, 1)) + self.b2


class MethodsMLP(nn.Module):
    """Tensor methods: .relu(), x @ w.T + b, and a reshape of the input."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(20, 24)
        self.w, self.b = nn.Parameter(torch.randn(5, 24)), nn.Parameter(torch.randn(5))

    def forward(self, x):
        x = x.reshape(-1, 20)
        return (self.fc(x).relu() @ self.w.T + self.b).view(-1, 5)


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(20, 16), nn.Linear(16, 4, bias=False)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h), h


class GatedMLP(nn.Module):
    """LLaMA's MLP: down(silu(gate(x)) * up(x)), no biases."""

    def __init__(self, features=20, hidden=36, multiply=torch.mul):
        super().__init__()
        self.gate = nn.Linear(features, hidden, bias=False)
        self.up = nn.Linear(features, hidden, bias=False)
        self.down = nn.Linear(hidden, features, bias=False)
        self.multiply = multiply

    def forward(self, x):
        return self.down(self.multiply(F.silu(self.gate(x)), self.up(x)))


class ChunkedGluMLP(nn.Module):
    """timm's GluMlp: one projection to twice the width, chunked; the second
    half is the gate. (Indexing, not unpacking: torch.fx cannot unpack.)"""

    def __init__(self, features=20, hidden=24):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(features, 2 * hidden), nn.Linear(hidden, features)

    def forward(self, x):
        parts = self.fc1(x).chunk(2, dim=-1)
        return self.fc2(parts[0] * F.gelu(parts[1]))


MODELS = {
    "sequential-relu": (lambda: nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10)),
                        (7, 20)),
    "sequential-gelu-silu-dropout": (
        lambda: nn.Sequential(nn.Linear(20, 32), nn.GELU(), nn.Dropout(0.2), nn.Linear(32, 32),
                              nn.SiLU(), nn.Linear(32, 3)), (5, 20)),
    "sequential-gelu-tanh-no-bias": (
        lambda: nn.Sequential(nn.Linear(20, 40, bias=False), nn.GELU(approximate="tanh"),
                              nn.Linear(40, 2, bias=False)), (9, 20)),
    "flatten-image": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(48, 16), nn.ReLU(inplace=True),
                                            nn.Linear(16, 10)), (4, 3, 4, 4)),
    "batch-dims": (lambda: nn.Sequential(nn.Linear(20, 12), nn.SiLU(), nn.Linear(12, 4)),
                   (2, 3, 20)),
    "deep": (lambda: nn.Sequential(*[m for _ in range(6) for m in (nn.Linear(20, 20), nn.ReLU())]),
             (3, 20)),
    "single-row": (lambda: nn.Sequential(nn.Linear(20, 8), nn.ReLU()), (1, 20)),
    "functional": (FunctionalMLP, (6, 20)),
    "addmm-matmul-add": (AddmmMLP, (6, 20)),
    "methods-reshape": (MethodsMLP, (2, 3, 20)),
    "identity": (lambda: nn.Sequential(nn.Identity(), nn.Linear(20, 4), nn.Identity()), (2, 20)),
    "gated-torch-mul": (GatedMLP, (2, 5, 20)),
    "gated-operator": (lambda: GatedMLP(multiply=lambda a, b: a * b), (7, 20)),
    "gated-method": (lambda: GatedMLP(multiply=lambda a, b: a.mul(b)), (7, 20)),
    "glu-chunk": (ChunkedGluMLP, (3, 4, 20)),
}


def run_compiled(model, x, target="cpu"):
    module, signature = import_module(model, (x,))
    compiled = hypatia.compile(module, target)
    arguments = [x if kind == "input" else source.get().detach()
                 for kind, source in signature.arguments]
    results = compiled(*arguments)
    return module, results[0] if signature.single else results


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_match_float64(name, torch_seed):
    make, shape = MODELS[name]
    model = make().eval()
    x = torch.rand(shape) * 2 - 1
    module, result = run_compiled(model, x)
    with torch.no_grad():
        reference = copy.deepcopy(model).double()(x.double())
    error = tensor_relative_error(result, reference)
    assert error <= 1e-5, f"{name}: relative error {error:.3g}\n{module}"


def test_two_outputs(torch_seed):
    model = TwoOutputs().eval()
    x = torch.rand(5, 20)
    _, (y, h) = run_compiled(model, x)
    with torch.no_grad():
        y_ref, h_ref = model.double()(x.double())
    assert (y.double() - y_ref).abs().max() <= 1e-5 * y_ref.abs().max()
    assert (h.double() - h_ref).abs().max() <= 1e-5 * h_ref.abs().max()


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_types(dtype, torch_seed):
    model = nn.Sequential(nn.Linear(20, 64), nn.GELU(), nn.Linear(64, 10)).eval()
    x = (torch.rand(8, 20) * 2 - 1)
    module, result = run_compiled(model.to(dtype), x.to(dtype))
    assert result.dtype == dtype
    with torch.no_grad():
        reference = model.double()(x.to(dtype).double())
    error = tensor_relative_error(result, reference)
    assert error <= TOLERANCE[dtype], f"relative error {error:.3g}"


def test_imported_ir_is_fusable():
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10)).eval()
    module, signature = import_module(model, (torch.rand(3, 20),))
    text = str(module)
    assert text.count("hypatia.linear") == 2 and "hypatia.relu" in text
    assert "hypatia.dropout" in text and "probability = 1.0" in text
    assert [kind for kind, _ in signature.arguments] == ["input"] + ["param"] * 4
    hypatia.PassManager.parse("builtin.module(fuse-mlp)", context=module.context).run(module)
    fused = str(module)
    assert "hypatia.fused_" in fused  # fused_linear_relu or, this narrow, fused_mlp
    assert "hypatia.relu" not in fused and "hypatia.dropout" not in fused


def test_gated_mlp_imports_whole():
    module, _ = import_module(GatedMLP(), (torch.rand(3, 20),))
    text = str(module)
    assert text.count("hypatia.linear") == 3 and "hypatia.silu" in text
    assert "hypatia.mul" in text


def test_chunked_layer_is_two_layers_on_row_slices():
    module, signature = import_module(ChunkedGluMLP(), (torch.rand(3, 20),))
    text = str(module)
    # Weight and bias of fc1 each cut into two halves of 24 rows, views once
    # bufferized; one argument each, not copies.
    assert text.count("tensor.extract_slice") == 4 and text.count("hypatia.linear") == 3
    assert [kind for kind, _ in signature.arguments] == ["input"] + ["param"] * 4


def test_locations_point_at_nodes():
    model = nn.Sequential(nn.Linear(20, 4), nn.ReLU())
    module, _ = import_module(model, (torch.rand(3, 20),))
    assert 'loc("_0"' in module.get_asm(enable_debug_info=True)


@pytest.mark.parametrize("make, reason", [
    (lambda: nn.Sequential(nn.Linear(20, 4), nn.Tanh()), "module Tanh"),
    (lambda: nn.Sequential(nn.Linear(20, 4), nn.Dropout(0.5)), "training mode"),
    (lambda: nn.Sequential(nn.Linear(20, 4).double()), "dtype torch.float64"),
])
def test_unsupported_models_say_why(make, reason):
    model = make()
    x = torch.rand(3, 20, dtype=torch.float64 if "float64" in reason else torch.float32)
    with pytest.raises(Unsupported, match=reason):
        import_module(model, (x,))


class BroadcastProduct(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.scale = nn.Linear(20, 4), nn.Parameter(torch.rand(4))

    def forward(self, x):
        return self.fc(x) * self.scale


class ChunkedInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 4)

    def forward(self, x):
        parts = x.chunk(2, dim=-1)
        return self.fc(parts[0]) * self.fc(parts[1])


@pytest.mark.parametrize("make, reason", [
    (BroadcastProduct, "broadcasts"),
    (ChunkedInput, "chunk of something other than a linear layer"),
])
def test_unsupported_gated_forms_say_why(make, reason):
    with pytest.raises(Unsupported, match=reason):
        import_module(make(), (torch.rand(3, 20),))


def test_matmul_of_two_matrices_and_its_limits():
    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.randn(20, 4))

        def forward(self, x):
            return x @ self.w

    # A product of two matrices (a backward pass's form): hypatia.matmul,
    # the weight read as stored.
    module, _ = import_module(Plain(), (torch.rand(3, 20),))
    assert "hypatia.matmul" in str(module) and "transpose" not in str(module)
    # Of a batch of matrices by a plain weight: not a linear layer's form.
    with pytest.raises(Unsupported, match="other than x @ w.t\\(\\) or of two matrices"):
        import_module(Plain(), (torch.rand(2, 3, 20),))


def test_shape_mismatch_is_an_mlir_error():
    # Inputs that do not fit the weights: the builder's verifier says where.
    from torch.fx.passes.shape_prop import ShapeProp

    from hypatia.torch import import_graph

    graph_module = torch.fx.symbolic_trace(nn.Sequential(nn.Linear(20, 4)))
    ShapeProp(graph_module).propagate(torch.rand(3, 20))
    with pytest.raises(hypatia.MLIRError, match=r"_0: error: .*expected weight \[4, 19\]"):
        import_graph(graph_module, (torch.rand(3, 19),))


def test_exported_program_compiles(torch_seed):
    # torch.export: the ExportedProgram itself or its module(), whose
    # `_guards_fn` input checks are left out (the compiled model checks its
    # inputs); the caller's module keeps them.
    model = nn.Sequential(nn.Linear(20, 32), nn.GELU(), nn.Linear(32, 4)).eval()
    x = torch.rand(6, 20) * 2 - 1
    exported = torch.export.export(model, (x,))
    with torch.no_grad():
        reference = copy.deepcopy(model).double()(x.double())
    for source in (exported, exported.module()):
        _, result = run_compiled(source, x)
        # The exported graph returns a tuple (torch.export flattens outputs).
        result, = result
        assert tensor_relative_error(result, reference) <= 1e-5
    unexported = exported.module()
    import_module(unexported, (x,))
    assert any(node.target == "_guards_fn" for node in unexported.graph.nodes)
