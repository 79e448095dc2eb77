"""The public Python API carries type hints (and py.typed): a strict mypy run
over code that uses it finds no error and sees the declared types."""

import os
import pathlib

import pytest

import hypatia

SNIPPET = '''
import numpy as np
import hypatia

module: hypatia.Module = hypatia.Module.parse("")
builder = hypatia.FunctionBuilder("layer")
x = builder.argument("f32", [None, 8])
w = builder.argument("f32", [4, 8])
y: hypatia.Value = builder.linear(x, w, activation="relu")
layer: hypatia.Module = builder.finish([y])
compiled: hypatia.CompiledModule = hypatia.compile(layer, "cpu", fuse=False)
shape: tuple[int | None, ...] = y.shape
hypatia.PassManager.parse("builtin.module(fuse-mlp)").run(layer)
reveal_type(hypatia.load)
'''


def test_public_api_is_typed(tmp_path):
    api = pytest.importorskip("mypy.api")
    package = pathlib.Path(hypatia.__file__).resolve().parent
    assert (package / "py.typed").exists()
    source = tmp_path / "use_hypatia.py"
    source.write_text(SNIPPET)
    previous = os.environ.get("MYPYPATH")
    # An installed package is found in the interpreter's site-packages (which
    # mypy refuses on MYPYPATH); a source tree through MYPYPATH.
    if package.parent.name != "site-packages":
        os.environ["MYPYPATH"] = str(package.parent)
    try:
        stdout, stderr, status = api.run([
            "--strict", "--follow-imports=silent", "--ignore-missing-imports",
            "--cache-dir", str(tmp_path / "cache"), str(source)])
    finally:
        if previous is None:
            os.environ.pop("MYPYPATH", None)
        else:
            os.environ["MYPYPATH"] = previous
    assert status == 0, stdout + stderr
    assert 'Revealed type is "def (path: str | os.PathLike[str]) -> hypatia.model.Model"' \
        in stdout, stdout
