"""Shared fixtures: fresh random inputs on every run (the seed is printed and
HYPATIA_TEST_SEED repeats a run), and a float64 comparison."""

import os
import random
import zlib

import numpy as np
import pytest

SEED = int(os.environ.get("HYPATIA_TEST_SEED") or random.randrange(1, 2**31))


def pytest_report_header(config):
    return f"hypatia: random seed {SEED} (set HYPATIA_TEST_SEED to repeat)"


def _test_hash(request):
    # Stable across processes (str hashes are not), so HYPATIA_TEST_SEED repeats.
    return zlib.crc32(request.node.nodeid.encode())


@pytest.fixture
def rng(request):
    # One stream per test, so a test's inputs do not depend on which ran before.
    return np.random.default_rng([SEED, _test_hash(request)])


@pytest.fixture
def torch_seed(request):
    torch = pytest.importorskip("torch")
    torch.manual_seed((SEED + _test_hash(request)) % 2**31)
    return torch


@pytest.fixture
def fresh_dynamo():
    """The backend registered, torch.compile's caches emptied before and
    after the test (use with pytest.mark.usefixtures)."""
    torch = pytest.importorskip("torch")
    import hypatia.torch

    hypatia.torch.register()
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def relative_error(result, reference):
    """max |result - reference| / max |reference|, in float64."""
    result = np.asarray(result, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    assert result.shape == reference.shape, (result.shape, reference.shape)
    if reference.size == 0:
        return 0.0
    scale = max(np.abs(reference).max(), 1e-30)
    return float(np.abs(result - reference).max() / scale)


def pytest_configure(config):
    # Compiled models go to a cache of this run's own, not the user's.
    if "HYPATIA_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["HYPATIA_CACHE_DIR"] = tempfile.mkdtemp(prefix="hypatia-test-cache-")
    # CI tests the installed package: make sure that is what was imported.
    if os.environ.get("HYPATIA_TEST_INSTALLED"):
        import pathlib

        import hypatia

        source = pathlib.Path(__file__).resolve().parents[1]
        package = pathlib.Path(hypatia.__file__).resolve()
        if source in package.parents:
            raise RuntimeError(f"testing the source tree's hypatia ({package}), "
                               "not the installed package")


def tensor_relative_error(result, reference):
    """relative_error for torch tensors (any float dtype, any device). A zero
    reference (a ReLU output that is all zeros) gives the absolute error."""
    difference = (result.double() - reference.double()).abs().max()
    return (difference / reference.double().abs().max().clamp_min(1e-30)).item()
