"""hypatia.compile on the CPU target: numerics against float64 NumPy on fresh
random inputs, NumPy and torch callers, dynamic batch sizes, and errors."""

import numpy as np
import pytest

import hypatia
from conftest import relative_error

MLP = """
func.func @mlp(%x: tensor<?x64xf32>, %w1: tensor<128x64xf32>, %b1: tensor<128xf32>,
               %w2: tensor<10x128xf32>, %b2: tensor<10xf32>) -> tensor<?x10xf32> {
  %h = hypatia.linear %x, %w1, %b1
      : (tensor<?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  %r = hypatia.gelu %h {approximate = #hypatia.gelu_approximation<tanh>} : tensor<?x128xf32>
  %y = hypatia.linear %r, %w2, %b2
      : (tensor<?x128xf32>, tensor<10x128xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

func.func @features(%x: tensor<?x64xf32>, %w1: tensor<128x64xf32>) -> tensor<?x128xf32> {
  %h = hypatia.linear %x, %w1 : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  %r = hypatia.silu %h : tensor<?x128xf32>
  return %r : tensor<?x128xf32>
}
"""


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def reference_mlp(x, w1, b1, w2, b2):
    x, w1, b1, w2, b2 = (np.asarray(a, np.float64) for a in (x, w1, b1, w2, b2))
    return gelu_tanh(x @ w1.T + b1) @ w2.T + b2


def reference_features(x, w1):
    h = np.asarray(x, np.float64) @ np.asarray(w1, np.float64).T
    return h / (1 + np.exp(-h))


def weights(rng):
    return [rng.uniform(-1, 1, shape).astype(np.float32)
            for shape in [(128, 64), (128,), (10, 128), (10,)]]


@pytest.fixture(scope="module")
def compiled():
    return hypatia.compile(hypatia.Module.parse(MLP), target="cpu")


@pytest.mark.parametrize("batch", [0, 1, 7, 64])
def test_numpy_matches_float64(compiled, rng, batch):
    x = rng.uniform(-1, 1, (batch, 64)).astype(np.float32)
    w = weights(rng)
    y, = compiled.mlp(x, *w)
    assert y.shape == (batch, 10) and y.dtype == np.float32
    assert relative_error(y, reference_mlp(x, *w)) <= 1e-5
    z, = compiled["features"](x, w[0])
    assert relative_error(z, reference_features(x, w[0])) <= 1e-5


def test_torch_cpu_matches_float64(compiled, rng):
    torch = pytest.importorskip("torch")
    x = rng.uniform(-1, 1, (5, 64)).astype(np.float32)
    w = weights(rng)
    y, = compiled.mlp(*(torch.from_numpy(a) for a in [x, *w]))
    assert isinstance(y, torch.Tensor) and y.shape == (5, 10)
    assert relative_error(y.numpy(), reference_mlp(x, *w)) <= 1e-5


def test_results_into_caller_buffers(compiled, rng):
    x = rng.uniform(-1, 1, (3, 64)).astype(np.float32)
    w = weights(rng)
    out = np.full((3, 10), np.nan, np.float32)
    y, = compiled.mlp(x, *w, out=[out])
    assert y is out
    assert relative_error(out, reference_mlp(x, *w)) <= 1e-5


def _bad_outs(np):
    base = np.zeros((3, 20), np.float32)
    read_only = np.zeros((3, 10), np.float32)
    read_only.flags.writeable = False
    return [
        ([np.zeros((3, 10), np.float64)], "has dtype float64; the result is f32"),
        ([np.zeros((3, 10), np.float16)], "has dtype float16; the result is f32"),
        ([base[:, ::2]], "is not C-contiguous"),
        ([read_only], "is read-only"),
        ([bytes(120)], "is a bytes, not a NumPy array"),
    ]


@pytest.mark.parametrize("case", range(5))
def test_bad_out_buffers_are_refused(compiled, rng, case):
    # The model writes through raw pointers: each of these used to be
    # written (past the end of a float16 array, into a strided view's base,
    # into read-only memory) or left holding garbage.
    out, message = _bad_outs(np)[case]
    x = rng.uniform(-1, 1, (3, 64)).astype(np.float32)
    before = [bytes(memoryview(o)) if isinstance(o, bytes) else o.copy() for o in out]
    with pytest.raises((ValueError, TypeError), match=message.replace("(", ".")):
        compiled.mlp(x, *weights(rng), out=out)
    for o, b in zip(out, before):
        assert (o == b) if isinstance(o, bytes) else np.array_equal(o, b)
    with pytest.raises(TypeError, match="one per result"):
        compiled.mlp(x, *weights(rng), out=np.zeros((3, 10), np.float32))


def test_compile_leaves_module_unchanged():
    module = hypatia.Module.parse(MLP)
    before = str(module)
    hypatia.compile(module, target="cpu", fuse=False, opt_level=0)
    assert str(module) == before


def test_single_function_module_is_callable(rng):
    compiled = hypatia.compile(hypatia.Module.parse(MLP.split("func.func @features")[0]))
    x = rng.uniform(-1, 1, (2, 64)).astype(np.float32)
    w = weights(rng)
    assert relative_error(compiled(x, *w)[0], reference_mlp(x, *w)) <= 1e-5


def test_call_errors(compiled, rng):
    w = weights(rng)
    with pytest.raises(TypeError, match="call one by name"):
        compiled(np.zeros((1, 64), np.float32), *w)
    with pytest.raises(hypatia.HypatiaError, match=r"expected shape \[\?, 64\], got \[2, 63\]"):
        compiled.mlp(rng.uniform(size=(2, 63)).astype(np.float32), *w)
    with pytest.raises(TypeError, match="must be f32"):
        compiled.mlp(rng.uniform(size=(2, 64)).astype(np.float16), *w)
    with pytest.raises(ValueError, match="contiguous"):
        compiled.mlp(rng.uniform(size=(64, 2)).astype(np.float32).T, *w)
    with pytest.raises(TypeError, match="takes 5 inputs"):
        compiled.mlp(rng.uniform(size=(2, 64)).astype(np.float32))
    with pytest.raises(AttributeError, match="has no function 'nope'"):
        compiled.nope


def test_torch_errors(compiled, rng):
    torch = pytest.importorskip("torch")
    w = [torch.from_numpy(a) for a in weights(rng)]
    x = torch.rand(64, 4).t()
    with pytest.raises(ValueError, match="contiguous"):
        compiled.mlp(x, *w)
    grad = torch.rand(4, 64, requires_grad=True)
    with pytest.raises(RuntimeError, match="autograd"):
        compiled.mlp(grad, *w)


def test_compile_errors():
    module = hypatia.Module.parse(MLP)
    with pytest.raises(ValueError, match="target"):
        hypatia.compile(module, target="tpu")
    with pytest.raises(hypatia.MLIRError, match="optimization level"):
        hypatia.compile(module, opt_level=7)
    with pytest.raises(hypatia.MLIRError, match="cannot find the linker driver"):
        hypatia.compile(module, linker="/nonexistent/cc")
    unsupported = hypatia.Module.parse(
        "func.func @f(%x: tensor<4xf64>) -> tensor<4xf64> { return %x : tensor<4xf64> }",
        source_name="f64.mlir")
    with pytest.raises(hypatia.MLIRError, match="f64.mlir:1:1: error:"):
        hypatia.compile(unsupported)


def test_compile_to_file_and_load(tmp_path, rng):
    path = tmp_path / "mlp.so"
    hypatia.compile_to_file(hypatia.Module.parse(MLP), path, "cpu")
    model = hypatia.load(path)
    x = rng.uniform(-1, 1, (4, 64)).astype(np.float32)
    w = weights(rng)
    assert relative_error(model.mlp(x, *w)[0], reference_mlp(x, *w)) <= 1e-5
    (tmp_path / "junk.so").write_bytes(b"not a library")
    with pytest.raises(hypatia.HypatiaError, match="cannot load the model"):
        hypatia.load(tmp_path / "junk.so")


def test_compile_cache_reuses_a_model_across_calls_and_processes(tmp_path, rng):
    import subprocess
    import sys

    module = hypatia.Module.parse(MLP)
    first = hypatia.compile(module, cache_dir=tmp_path)
    again = hypatia.compile(hypatia.Module.parse(MLP), cache_dir=tmp_path)
    assert not first.cached and again.cached
    assert first.path == again.path and first.path.startswith(str(tmp_path))
    # Other options are another entry; so is another module.
    unfused = hypatia.compile(module, cache_dir=tmp_path, fuse=False)
    assert not unfused.cached and unfused.path != first.path
    # A new process finds the model (the key does not depend on the process).
    script = ("import hypatia, sys; m = hypatia.Module.parse(sys.argv[1]); "
              "print(hypatia.compile(m, cache_dir=sys.argv[2]).cached)")
    out = subprocess.run([sys.executable, "-c", script, MLP, str(tmp_path)],
                         check=True, capture_output=True, text=True).stdout
    assert out.strip() == "True"
    # The cached model computes what a fresh one does.
    x = rng.uniform(-1, 1, (4, 64)).astype(np.float32)
    w = weights(rng)
    assert relative_error(again.mlp(x, *w)[0], reference_mlp(x, *w)) <= 1e-5


def test_compile_cache_directory_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HYPATIA_CACHE_DIR", str(tmp_path / "cache"))
    compiled = hypatia.compile(hypatia.Module.parse(MLP))
    assert compiled.path.startswith(str(tmp_path / "cache"))


def test_unknown_host_cpu_is_an_error():
    # An LLVM fatal error used to end the interpreter here.
    builder = hypatia.FunctionBuilder("layer")
    x = builder.argument("f32", [None, 8])
    module = builder.finish([builder.relu(x)])
    with pytest.raises(hypatia.MLIRError, match="unknown host CPU 'bogus'"):
        hypatia.compile(module, "cpu", host_cpu="bogus")


def test_truncated_or_foreign_files_are_refused(tmp_path):
    # dlopen maps a truncated file's missing segments and the first touch is
    # SIGBUS: the loader checks the segments first.
    from hypatia.compiler import compile_to_file

    path = tmp_path / "model.so"
    compile_to_file(hypatia.Module.parse(MLP), path, target="cpu")
    data = path.read_bytes()
    (tmp_path / "truncated.so").write_bytes(data[:len(data) // 2])
    with pytest.raises(hypatia.HypatiaError, match="the file is truncated"):
        hypatia.model.load(tmp_path / "truncated.so")
    (tmp_path / "text.so").write_text("not a model")
    with pytest.raises(hypatia.HypatiaError, match="not a 64-bit ELF"):
        hypatia.model.load(tmp_path / "text.so")
    assert "mlp" in hypatia.model.load(path).functions


def test_out_of_memory_is_an_error_and_the_model_stays_usable():
    # Generated code used to write through the null pointer of a failed
    # malloc. In a child process under an address-space limit: a batch
    # whose hidden layer cannot be allocated raises HypatiaError with the
    # out_of_memory status; the next, small call is right.
    import subprocess
    import sys

    script = """
import resource, sys
import numpy as np
import hypatia
model = hypatia.compile(hypatia.Module.parse(sys.argv[1]), target="cpu")
rng = np.random.default_rng(0)
w1 = rng.uniform(-1, 1, (262144, 16)).astype(np.float32)
w2 = rng.uniform(-1, 1, (4, 262144)).astype(np.float32)
big = np.ones((8192, 16), np.float32)
x = rng.uniform(-1, 1, (3, 16)).astype(np.float32)
reference = np.maximum(x.astype(np.float64) @ w1.T.astype(np.float64), 0) @ w2.T.astype(np.float64)
# Everything is allocated, the GEMM library's threads too (started by the
# first call: under the limit, a 16-core machine's OpenBLAS thread buffers
# did not fit and OpenBLAS hung); the limit leaves 1 GiB more than the process
# maps now (the big batch's hidden layer needs 8.6 GB).
model.mlp(x, w1, w2)
with open("/proc/self/status") as status:
    mapped = next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) << 10
resource.setrlimit(resource.RLIMIT_AS, (mapped + (1 << 30), resource.RLIM_INFINITY))
try:
    model.mlp(big, w1, w2)
    print("no error")
except hypatia.HypatiaError as error:
    print("error:", error)
y, = model.mlp(x, w1, w2)
print("error after:", float(np.linalg.norm(y - reference) / np.linalg.norm(reference)))
"""
    module = """
func.func @mlp(%x: tensor<?x16xf32>, %w1: tensor<262144x16xf32>, %w2: tensor<4x262144xf32>) -> tensor<?x4xf32> {
  %h = hypatia.linear %x, %w1 : (tensor<?x16xf32>, tensor<262144x16xf32>) -> tensor<?x262144xf32>
  %a = hypatia.relu %h : tensor<?x262144xf32>
  %y = hypatia.linear %a, %w2 : (tensor<?x262144xf32>, tensor<4x262144xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
"""
    done = subprocess.run([sys.executable, "-c", script, module], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "cannot allocate" in lines[0] and "host memory" in lines[0], done.stdout
    assert float(lines[1].split(":")[1]) <= 1e-5, done.stdout


def test_reference_mode_is_float64_accurate(rng):
    # f32 layers through oneDNN accumulate in f32; the reference mode's loop
    # nests accumulate in f64 and round once (a 4096-deep dot product here).
    module = hypatia.Module.parse("""
func.func @layer(%x: tensor<?x4096xf32>, %w: tensor<16x4096xf32>) -> tensor<?x16xf32> {
  %0 = hypatia.linear %x, %w : (tensor<?x4096xf32>, tensor<16x4096xf32>) -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}""")
    x = rng.uniform(-1, 1, (9, 4096)).astype(np.float32)
    w = rng.uniform(-1, 1, (16, 4096)).astype(np.float32)
    expected = x.astype(np.float64) @ w.T.astype(np.float64)
    fast, = hypatia.compile(module, "cpu").layer(x, w)
    exact, = hypatia.compile(module, "cpu", reference=True).layer(x, w)
    assert relative_error(fast, expected) <= 1e-5
    assert relative_error(exact, expected) <= 1e-7
    with pytest.raises(ValueError, match="cpu target only"):
        hypatia.compile(module, "cuda", reference=True)
