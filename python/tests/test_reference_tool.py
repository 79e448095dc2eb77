"""utils/reference.py, the float64 reference of the lit tests: its rounding
to bf16/f16 (for MLPs whose hidden layers the reference rounds as a
half-precision model stores them) agrees with PyTorch's."""

import importlib.util
import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

_path = pathlib.Path(__file__).resolve().parents[2] / "utils" / "reference.py"
_spec = importlib.util.spec_from_file_location("hypatia_reference_tool", _path)
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)


@pytest.mark.parametrize("dtype, torch_dtype", [("bf16", torch.bfloat16),
                                                ("f16", torch.float16)])
def test_round_to_matches_pytorch(dtype, torch_dtype, rng):
    values = np.concatenate([
        rng.standard_normal(10000) * 10.0 ** rng.integers(-6, 4, 10000),
        # Ties: halfway between neighbouring bf16 values (round to even).
        np.array([1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, -(1 + 2.0 ** -8), 0.0, -0.0]),
    ]).astype(np.float32).astype(np.float64)
    expected = torch.from_numpy(values).float().to(torch_dtype).double().numpy()
    np.testing.assert_array_equal(reference.round_to(values, dtype), expected)


def test_mlp_rounds_only_hidden_layers(rng):
    x = rng.standard_normal((3, 5))
    w1, w2 = rng.standard_normal((4, 5)), rng.standard_normal((2, 4))
    exact = reference.mlp(x, [(w1, None, "relu"), (w2, None, "none")])
    rounded = reference.mlp(x, [(w1, None, "relu"), (w2, None, "none")],
                            intermediates="bf16")
    hidden = reference.round_to(np.maximum(x @ w1.T, 0.0), "bf16")
    np.testing.assert_array_equal(rounded, hidden @ w2.T)
    assert not np.array_equal(rounded, exact)
