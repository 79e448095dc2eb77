"""Shared fixtures: fresh random inputs on every run (the seed is printed and
HYPATIA_TEST_SEED repeats a run), and a float64 comparison."""

import os
import random

import numpy as np
import pytest

SEED = int(os.environ.get("HYPATIA_TEST_SEED") or random.randrange(1, 2**31))


def pytest_report_header(config):
    return f"hypatia: random seed {SEED} (set HYPATIA_TEST_SEED to repeat)"


@pytest.fixture
def rng(request):
    # One stream per test, so a test's inputs do not depend on which ran before.
    return np.random.default_rng([SEED, abs(hash(request.node.nodeid)) % 2**31])


@pytest.fixture
def torch_seed(request):
    torch = pytest.importorskip("torch")
    torch.manual_seed((SEED + abs(hash(request.node.nodeid))) % 2**31)
    return torch


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
    # CI tests the installed package: make sure that is what was imported.
    if os.environ.get("HYPATIA_TEST_INSTALLED"):
        import pathlib

        import hypatia

        source = pathlib.Path(__file__).resolve().parents[1]
        package = pathlib.Path(hypatia.__file__).resolve()
        if source in package.parents:
            raise RuntimeError(f"testing the source tree's hypatia ({package}), "
                               "not the installed package")
