"""torch.compile(model, backend="hypatia") end to end on the CPU: results
against eager PyTorch (float64), fallbacks to PyTorch with their log lines,
strict checking. Training: test_training.py."""

import logging

import pytest
from conftest import tensor_relative_error

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

import hypatia.torch  # noqa: E402
from hypatia.torch import CheckError, CompiledGraph  # noqa: E402


pytestmark = pytest.mark.usefixtures("fresh_dynamo")


def relative_error(result, reference):
    return tensor_relative_error(result, reference)


def float64_reference(model, x):
    import copy

    with torch.no_grad():
        return copy.deepcopy(model).double()(x.double())


class Mixed(nn.Module):
    """Supported layers around an op Hypatia does not have (tanh)."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(16, 32), nn.Linear(32, 32), nn.Linear(32, 4)

    def forward(self, x):
        h = F.gelu(self.fc1(x.flatten(1)))
        h = torch.tanh(self.fc2(h))
        return self.fc3(h).relu()


def test_backend_is_registered():
    assert "hypatia" in torch._dynamo.list_backends(exclude_tags=())


def test_sequential_matches_float64(torch_seed, caplog):
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 8)).eval()
    compiled = torch.compile(model, backend="hypatia")
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        for batch in (5, 17, 5):
            x = torch.rand(batch, 32) * 2 - 1
            assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
    compiled_lines = [r.message for r in caplog.records if "compiled" in r.message]
    assert compiled_lines, "nothing was compiled by Hypatia"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


class UnpackedGluMlp(nn.Module):
    """timm's GluMlp as dynamo sees it: chunk, unpacked, gate last."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(16, 2 * 24), nn.Linear(24, 16)

    def forward(self, x):
        x1, x2 = self.fc1(x).chunk(2, dim=-1)
        return self.fc2(x1 * F.silu(x2))


def test_gated_mlp_compiles_whole(torch_seed, caplog):
    model = UnpackedGluMlp().eval()
    compiled = torch.compile(model, backend="hypatia")
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        x = torch.rand(2, 7, 16) * 2 - 1
        assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
    assert [r for r in caplog.records if "compiled" in r.message]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


class LlamaMLP(nn.Module):
    """transformers' LlamaMLP: down(silu(gate(x)) * up(x)), no biases."""

    def __init__(self, bias=False):
        super().__init__()
        self.gate_proj = nn.Linear(16, 40, bias=bias)
        self.up_proj = nn.Linear(16, 40, bias=bias)
        self.down_proj = nn.Linear(40, 16, bias=bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


def _follows(first, second):
    return first.data_ptr() + first.nbytes == second.data_ptr()


@pytest.mark.parametrize("bias", [False, True])
def test_gate_and_up_weights_are_packed_into_one_gemm(torch_seed, caplog, bias):
    model = LlamaMLP(bias).eval()
    parameters = dict(model.named_parameters())
    values = {name: p.detach().clone() for name, p in parameters.items()}
    compiled = torch.compile(model, backend="hypatia")
    x = torch.rand(2, 7, 16) * 2 - 1
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
    # Moved, not replaced: the same parameters with the same values, the up
    # projection's rows right after the gate's.
    assert dict(model.named_parameters()) == parameters
    for name, p in model.named_parameters():
        assert torch.equal(p, values[name]) and p.is_contiguous()
    assert _follows(model.gate_proj.weight, model.up_proj.weight)
    if bias:
        assert _follows(model.gate_proj.bias, model.up_proj.bias)
    assert [r for r in caplog.records if "(gate and up) are one block" in r.message]
    # In-place updates (an optimizer's) are seen by the packed GEMM.
    with torch.no_grad():
        model.gate_proj.weight.mul_(-0.5)
        model.up_proj.weight.add_(0.25)
        assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5


def test_parameters_sharing_storage_are_not_moved(torch_seed, caplog):
    model = LlamaMLP().eval()
    shared = torch.randn(2 * 40, 16)
    with torch.no_grad():
        model.gate_proj.weight = nn.Parameter(shared[40:])
        model.up_proj.weight = nn.Parameter(shared[:40])
    addresses = [model.gate_proj.weight.data_ptr(), model.up_proj.weight.data_ptr()]
    compiled = torch.compile(model, backend="hypatia")
    x = torch.rand(5, 16) * 2 - 1
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
    assert [model.gate_proj.weight.data_ptr(), model.up_proj.weight.data_ptr()] == addresses
    assert [r for r in caplog.records if "are left where they are" in r.message]


def test_pack_weights_off_leaves_parameters(torch_seed):
    model = LlamaMLP().eval()
    addresses = [p.data_ptr() for p in model.parameters()]
    compiled = torch.compile(model, backend="hypatia", options={"pack_weights": False})
    x = torch.rand(5, 16) * 2 - 1
    with torch.no_grad():
        assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
    assert [p.data_ptr() for p in model.parameters()] == addresses


class AutocastInside(nn.Module):
    """A model that enters torch.autocast itself (the graph holds the enter
    and exit nodes)."""

    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype
        self.mlp = nn.Sequential(nn.Linear(16, 48), nn.GELU(), nn.Linear(48, 8))

    def forward(self, x):
        with torch.autocast("cpu", dtype=self.dtype):
            return self.mlp(x)


@pytest.mark.parametrize("inside", [False, True])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_autocast_compiles_the_layers_in_half_precision(torch_seed, caplog, inside, dtype):
    """torch.autocast: each layer's float32 operands converted to the layer's
    half type, as PyTorch does; no layer left to PyTorch."""
    model = (AutocastInside(dtype) if inside else
             nn.Sequential(nn.Linear(16, 48), nn.GELU(), nn.Linear(48, 8))).eval()
    compiled = torch.compile(model, backend="hypatia")
    x = torch.rand(2, 5, 16) * 2 - 1
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad(), \
            torch.autocast("cpu", dtype=dtype, enabled=not inside):
        result = compiled(x)
        eager = model(x)
    assert result.dtype == eager.dtype == dtype
    reference = float64_reference(model.mlp if inside else model, x)
    assert relative_error(result, reference) <= 1e-2
    assert [r for r in caplog.records if "compiled" in r.message]
    # Only autocast's own enter and exit run in PyTorch.
    warnings = [r.message for r in caplog.records if r.levelno >= logging.WARNING]
    assert all("autocast" in w for w in warnings), warnings


def test_unsupported_op_runs_in_pytorch_with_one_log_line(torch_seed, caplog):
    model = Mixed().eval()
    x = torch.rand(6, 4, 4)
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        result = torch.compile(model, backend="hypatia")(x)
    assert relative_error(result, float64_reference(model, x)) <= 1e-5
    warnings = [r.message for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "running in PyTorch: tanh" in warnings[0]
    assert "test_backend.py" in warnings[0]  # where the op is in the model
    compiled = [r.message for r in caplog.records if "compiled graph.fused_" in r.message]
    assert len(compiled) == 2, compiled  # the pieces before and after tanh


class Residual(nn.Module):
    """A transformer block's MLP with its residual connection."""

    def __init__(self, shift=False):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(16, 48), nn.Linear(48, 16)
        self.shift = nn.Parameter(torch.rand(48)) if shift else None

    def forward(self, x):
        h = F.gelu(self.fc1(x))
        if self.shift is not None:
            h = h + self.shift  # broadcasts: not hypatia.add
        return x + self.fc2(h)


def test_residual_block_compiles_whole(torch_seed, caplog):
    model = Residual().eval()
    x = torch.rand(3, 5, 16) * 2 - 1
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        result = torch.compile(model, backend="hypatia")(x)
    assert relative_error(result, float64_reference(model, x)) <= 1e-5
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    compiled = [r.message for r in caplog.records if "compiled graph.fused_" in r.message]
    assert len(compiled) == 1, compiled


def test_broadcasting_add_runs_in_pytorch_with_its_reason(torch_seed, caplog):
    model = Residual(shift=True).eval()
    x = torch.rand(3, 16) * 2 - 1
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        result = torch.compile(model, backend="hypatia")(x)
    assert relative_error(result, float64_reference(model, x)) <= 1e-5
    warnings = [r.message for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "an add that broadcasts" in warnings[0], warnings


def graph_of(model, x):
    """Dynamo's FX graph of `model` and its example inputs."""
    captured = {}

    def capture(graph_module, example_inputs):
        captured["graph"] = (graph_module, example_inputs)
        return graph_module.forward

    torch.compile(model, backend=capture)(x)
    return captured["graph"]


@pytest.mark.parametrize("model, whole", [
    (nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4)), True),
    (Mixed(), False)])
def test_a_graph_compiled_whole_is_called_without_the_split_module(model, whole, torch_seed):
    model = model.eval()
    x = torch.rand(6, 16)
    with torch.no_grad():
        graph_module, example_inputs = graph_of(model, x)
        run = hypatia.torch.compile_graph(graph_module, example_inputs)
        # Whole: the compiled piece's own call; else the split FX module.
        assert isinstance(getattr(run, "__self__", None), torch.fx.GraphModule) != whole
        results = run(*example_inputs)
        expected = graph_module(*example_inputs)
    assert type(results) is type(expected) and len(results) == len(expected)
    assert relative_error(results[0], float64_reference(model, x)) <= 1e-5


def test_strict_mode_passes_on_correct_results(torch_seed, caplog):
    model = Mixed().eval()
    compiled = torch.compile(model, backend="hypatia", options={"check": "strict"})
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        compiled(torch.rand(3, 16))
    # The graph's inputs include its parameters: it runs in float64.
    assert any("matches eager PyTorch (in float64" in r.message for r in caplog.records)


def test_strict_mode_catches_wrong_results(torch_seed, monkeypatch):
    forward = CompiledGraph.forward

    def off_by_a_bit(self, *inputs):
        result = forward(self, *inputs)
        return result + 1e-3 if isinstance(result, torch.Tensor) else result

    monkeypatch.setattr(CompiledGraph, "forward", off_by_a_bit)
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU()).eval()
    compiled = torch.compile(model, backend="hypatia", options={"check": "strict"})
    with pytest.raises(CheckError, match="differs from eager PyTorch"), torch.no_grad():
        compiled(torch.rand(3, 16))


def test_unknown_option_is_an_error():
    model = nn.Sequential(nn.Linear(4, 4))
    with pytest.raises(Exception, match="unknown options"), torch.no_grad():
        torch.compile(model, backend="hypatia", options={"chek": "strict"})(torch.rand(2, 4))


def test_training_dropout_stays_in_pytorch(torch_seed, caplog):
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2))
    model.train()
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        result = torch.compile(model, backend="hypatia")(torch.rand(64, 8))
    assert result.shape == (64, 2)
    warnings = [r.message for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "training mode" in warnings[0], warnings


def test_bfloat16_model(torch_seed):
    model = nn.Sequential(nn.Linear(32, 64), nn.GELU(approximate="tanh"),
                          nn.Linear(64, 16)).eval().to(torch.bfloat16)
    x = (torch.rand(8, 32) * 2 - 1).to(torch.bfloat16)
    with torch.no_grad():
        result = torch.compile(model, backend="hypatia")(x)
    assert result.dtype == torch.bfloat16
    assert relative_error(result, float64_reference(model, x)) <= 1e-2


def test_updated_weights_are_used(torch_seed):
    model = nn.Sequential(nn.Linear(8, 4)).eval()
    compiled = torch.compile(model, backend="hypatia")
    x = torch.rand(2, 8)
    with torch.no_grad():
        compiled(x)
        model[0].weight.mul_(2)
        assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5


def test_installed_entry_point(tmp_path):
    """torch.compile finds the backend through the installed package's
    entry point, without hypatia being imported first."""
    import importlib.metadata
    import subprocess
    import sys

    names = [e.name for e in importlib.metadata.entry_points(group="torch_dynamo_backends")]
    if "hypatia" not in names:
        pytest.skip("the hypatia package is not installed (pip install .)")
    script = (
        "import sys, torch\n"
        "model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval()\n"
        "x = torch.rand(2, 4)\n"
        "with torch.no_grad():\n"
        "    y = torch.compile(model, backend='hypatia')(x)\n"
        "    assert 'hypatia' in sys.modules\n"
        "    print(float((y - model(x)).abs().max()))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip().splitlines()[-1]) <= 1e-5


def _compiles(caplog):
    return [r.message for r in caplog.records if "hypatia: compiled" in r.message]


def test_dynamic_batch_compiles_once(torch_seed, caplog):
    model = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 4)).eval()
    compiled = torch.compile(model, backend="hypatia", dynamic=True)
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        for batch in range(2, 22):
            x = torch.rand(batch, 16) * 2 - 1
            assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
        compiles = _compiles(caplog)
        assert len(compiles) == 1 and "f32[?, 16]" in compiles[0], compiles
        # Dynamo specializes a size of 1: one more graph, one more compile.
        x = torch.rand(1, 16)
        assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
    assert len(_compiles(caplog)) == 2
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_sizes_dynamo_finds_changing_need_no_new_compiles(torch_seed, caplog):
    # Without dynamic=True dynamo compiles the first shape statically, then
    # the changing batch symbolically: two compiles for 20 batch sizes.
    model = nn.Sequential(nn.Linear(16, 24), nn.SiLU(), nn.Linear(24, 8)).eval()
    compiled = torch.compile(model, backend="hypatia")
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        for batch in range(3, 23):
            x = torch.rand(batch, 7, 16) * 2 - 1
            assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
    compiles = _compiles(caplog)
    assert len(compiles) == 2 and "f32[?, 7, 16]" in compiles[1], compiles
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_dynamic_batch_and_sequence(torch_seed, caplog):
    model = nn.Sequential(nn.Linear(16, 24), nn.GELU(), nn.Linear(24, 8)).eval()
    compiled = torch.compile(model, backend="hypatia", dynamic=True)
    with caplog.at_level(logging.INFO, logger="hypatia"), torch.no_grad():
        for batch, sequence in ((2, 3), (5, 9), (4, 2), (7, 33), (2, 3)):
            x = torch.rand(batch, sequence, 16) * 2 - 1
            assert relative_error(compiled(x), float64_reference(model, x)) <= 1e-5
    compiles = _compiles(caplog)
    assert len(compiles) == 1 and "f32[?, ?, 16]" in compiles[0], compiles


def test_cpu_gemms_follow_torch_threads():
    # The backend gives oneDNN's OpenMP PyTorch's thread count before a CPU
    # call, on the calling thread.
    import ctypes

    from hypatia.torch import backend

    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU())
    compiled = torch.compile(model, backend="hypatia")
    x = torch.rand(16, 64)
    previous = torch.get_num_threads()
    openmp = ctypes.CDLL("libgomp.so.1")
    try:
        torch.set_num_threads(1)
        with torch.no_grad():
            compiled(x)
        assert openmp.omp_get_max_threads() == 1
        assert backend._cpu_threads.count == 1
    finally:
        torch.set_num_threads(previous)
    with pytest.raises(ValueError):
        hypatia.model.set_cpu_threads(0)
