"""The C API through hypatia.ir and hypatia.passmanager: parsing, printing,
verifying, building and running passes, and the errors of each."""

import pytest

import hypatia
from hypatia import Context, FunctionBuilder, MLIRError, Module, PassManager

MLP = """
func.func @mlp(%x: tensor<?x16xf32>, %w1: tensor<32x16xf32>, %b1: tensor<32xf32>,
               %w2: tensor<4x32xf32>) -> tensor<?x4xf32> {
  %h = hypatia.linear %x, %w1, %b1
      : (tensor<?x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  %r = hypatia.relu %h : tensor<?x32xf32>
  %y = hypatia.linear %r, %w2 : (tensor<?x32xf32>, tensor<4x32xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
"""


def test_parse_print_round_trip():
    module = Module.parse(MLP)
    text = str(module)
    assert "hypatia.linear %arg0, %arg1, %arg2" in text
    assert "hypatia.relu" in text
    assert str(Module.parse(text)) == text
    assert module.operation.verify()


def test_print_with_locations():
    module = Module.parse(MLP, source_name="mlp.mlir")
    assert 'loc("mlp.mlir":4:' in module.get_asm(enable_debug_info=True)


def test_parse_error_has_location():
    with pytest.raises(MLIRError) as error:
        Module.parse("func.func @f(%x: tensor<4xf32>) {\n  hypatia.relu %x\n}",
                     source_name="bad.mlir")
    assert error.value.diagnostics, error.value
    assert error.value.diagnostics[0].startswith("bad.mlir:2:"), error.value.diagnostics
    assert "error:" in error.value.diagnostics[0]


def test_verifier_error_names_dimensions():
    bad = MLP.replace("tensor<32x16xf32>", "tensor<32x15xf32>")
    with pytest.raises(MLIRError) as error:
        Module.parse(bad, source_name="shapes.mlir")
    message = str(error.value)
    assert "shapes.mlir:4:" in message
    assert "does not match input features 16" in message


def test_fuse_mlp_pass_by_name():
    module = Module.parse(MLP)
    remarks = PassManager.parse("builtin.module(fuse-mlp{report=true})").run(module)
    text = str(module)
    assert "hypatia.fused_linear_relu" in text
    assert "hypatia.relu" not in text
    assert any("fuse-mlp:" in remark and "remark:" in remark for remark in remarks)


def test_pipeline_to_llvm():
    module = Module.parse(MLP)
    PassManager.parse("builtin.module(hypatia-cpu-pipeline)").run(module)
    text = str(module)
    assert "llvm.func @mlp" in text
    assert "hypatia." not in text


@pytest.mark.parametrize("pipeline, expected", [
    ("builtin.module(no-such-pass)", "'no-such-pass' does not refer to a registered pass"),
    ("func.func(fuse-mlp)", "must be anchored on builtin.module"),
    ("builtin.module(fuse-mlp{no-such-option=1})", "no-such-option"),
    ("builtin.module(fuse-mlp", "invalid pass pipeline"),
    # Module pipelines nested under a function: an error, not an abort.
    ("builtin.module(func.func(hypatia-cpu-pipeline))", "runs on a whole builtin.module"),
    ("builtin.module(func.func(hypatia-cuda-pipeline))", "runs on a whole builtin.module"),
])
def test_invalid_pipelines(pipeline, expected):
    with pytest.raises(MLIRError) as error:
        PassManager.parse(pipeline)
    assert expected in str(error.value)


def test_pass_failure_reports_diagnostics():
    # fuse-mlp's limits are checked: a negative node limit is refused.
    module = Module.parse(MLP)
    with pytest.raises(MLIRError) as error:
        PassManager.parse("builtin.module(fuse-mlp{max-nodes=0})").run(module)
    assert error.value.diagnostics
    assert "error:" in str(error.value)


def test_contexts():
    with Context() as context:
        module = Module.parse(MLP)
        assert module.context is context
        assert Context.current() is context
        pm = PassManager.parse("builtin.module(fuse-mlp)")
        pm.run(module)
    other = Module.parse(MLP, context=Context())
    with pytest.raises(ValueError, match="another context"):
        pm.run(other)


def test_builder_every_op():
    builder = FunctionBuilder("net")
    x = builder.argument("bf16", [3, 2, 8])
    w1, b1 = builder.argument("bf16", [32, 16]), builder.argument("bf16", [32])
    w2 = builder.argument("bf16", [32, 32])
    builder.set_location("layer1", "model.py", 7, 3)
    flat = builder.reshape(x, [3, 16])
    h = builder.linear(flat, w1, b1, activation="gelu_tanh")
    h = builder.dropout(builder.silu(builder.gelu(builder.relu(h))), 0.25)
    y = builder.linear(h, w2, None, activation="relu")
    module = builder.finish([y, flat])
    text = str(module)
    for op in ["tensor.collapse_shape", "hypatia.fused_linear_gelu", "hypatia.relu",
               "hypatia.gelu", "hypatia.silu", "hypatia.dropout",
               "hypatia.fused_linear_relu"]:
        assert op in text, op
    assert "-> (tensor<3x32xbf16>, tensor<3x16xbf16>)" in text
    with_locations = module.get_asm(enable_debug_info=True)
    assert 'loc("model.py":7:3)' in with_locations
    assert 'loc("layer1"(#loc' in with_locations


def test_builder_reshape_forms():
    builder = FunctionBuilder()
    x = builder.argument("f32", [4, 6])
    expanded = builder.reshape(x, [4, 2, 3])      # expand
    through_one = builder.reshape(x, [3, 8])      # neither: through one dimension
    text = str(builder.finish([expanded, through_one]))
    assert "tensor.expand_shape" in text
    assert "tensor<24xf32>" in text
    unchanged = FunctionBuilder()
    x = unchanged.argument("f32", [4, 6])
    text = str(unchanged.finish([unchanged.reshape(x, [4, 6])]))
    assert "return %arg0" in text and "shape" not in text


def test_builder_errors_are_located():
    builder = FunctionBuilder()
    x = builder.argument("f32", [8, 16])
    w = builder.argument("f32", [4, 15])
    builder.set_location("fc1", "net.py", 12, 0)
    with pytest.raises(MLIRError) as error:
        builder.linear(x, w)
    assert "net.py:12:0 (fc1): error:" in str(error.value)
    assert "expected weight [4, 16]" in str(error.value)
    # The builder is still usable after an error.
    w_ok = builder.argument("f32", [4, 16])
    assert "hypatia.linear" in str(builder.finish([builder.linear(x, w_ok)]))


@pytest.mark.parametrize("make, expected", [
    (lambda b, x: b.reshape(x, [5, 5]), "cannot reshape"),
    (lambda b, x: b.linear(x, x, x), "does not match"),
    (lambda b, x: b.dropout(x, 1.5), "probability"),
    (lambda b, x: b.reshape(b.argument("f32", [None, 4]), [4, 2]), "static shapes"),
])
def test_builder_invalid_ops(make, expected):
    builder = FunctionBuilder()
    x = builder.argument("f32", [4, 4])
    with pytest.raises(MLIRError, match=expected):
        make(builder, x)


def test_builder_misuse():
    builder = FunctionBuilder()
    other = FunctionBuilder()
    x = builder.argument("f32", [2, 2])
    with pytest.raises(TypeError, match="element type"):
        builder.argument("f64", [2])
    with pytest.raises(TypeError, match="value of this builder"):
        other.relu(x)
    with pytest.raises(ValueError, match="unknown activation"):
        builder.linear(x, x, activation="tanh")
    with pytest.raises(MLIRError, match="at least one"):
        builder.finish([])
    builder2 = FunctionBuilder()
    y = builder2.relu(builder2.argument("f32", [2]))
    builder2.finish([y])
    with pytest.raises(MLIRError, match="already finished"):
        builder2.relu(y)


def test_clone_is_independent():
    module = Module.parse(MLP)
    copy = module.clone()
    PassManager.parse("builtin.module(fuse-mlp)").run(copy)
    assert "hypatia.relu" in str(module)
    assert "hypatia.relu" not in str(copy)


def test_builder_values_have_the_types_the_dialect_infers():
    builder = hypatia.FunctionBuilder("layer")
    x = builder.argument("bf16", [None, 5, 64])
    w = builder.argument("bf16", [32, 64])
    y = builder.linear(x, w, activation="gelu")
    assert y.shape == (None, 5, 32) and y.dtype == "bf16"
    assert builder.activation("silu", y).shape == (None, 5, 32)


# Objects alive at interpreter exit, in reference cycles that the garbage
# collector finalizes in any order: the context must be destroyed last.
EXIT_SCRIPTS = {
    "module-and-function": "import hypatia\nctx = hypatia.Context()\n"
                           "m = hypatia.Module.parse('', context=ctx)\ndef f(): pass\n",
    "builder-and-cycle": "import hypatia\nctx = hypatia.Context()\n"
                         "b = hypatia.FunctionBuilder('g', context=ctx)\n"
                         "x = b.argument('f32', [None, 4])\nclass C: pass\nc = C(); c.self = c\n",
    "pass-manager": "import hypatia\nctx = hypatia.Context()\n"
                    "pm = hypatia.PassManager.parse('builtin.module(canonicalize)', context=ctx)\n"
                    "m = hypatia.Module.parse('', context=ctx)\ncycle = [ctx, m, pm]\n"
                    "cycle.append(cycle)\ndef f(): pass\n",
}


@pytest.mark.parametrize("name", sorted(EXIT_SCRIPTS))
def test_interpreter_exit_with_live_objects(name, tmp_path):
    import os
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(EXIT_SCRIPTS[name])
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, str(script)], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_context_outlives_its_objects_when_finalized_first():
    context = Context()
    module = Module.parse(MLP, context=context)
    context.__del__()  # as the garbage collector may, before the module's
    assert "hypatia.linear" in str(module)
    del module  # the last object destroys the context


@pytest.mark.parametrize("bad, error", [
    (5, TypeError), (None, TypeError), (["func.func"], TypeError)])
def test_parse_takes_text_only(bad, error):
    with pytest.raises(error, match="str or bytes"):
        Module.parse(bad)


def test_sizes_outside_int64_raise():
    builder = FunctionBuilder("f")
    with pytest.raises(ValueError, match="64-bit"):
        builder.argument("f32", [2**64 + 3, 4])
    with pytest.raises(ValueError, match="64-bit"):
        builder.reshape(builder.argument("f32", [4, 4]), [-2**63 - 1])


def test_deep_nesting_is_an_error_not_a_stack_overflow():
    deep = "func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = hypatia.relu %x {foo = " \
        + "[" * 7000 + "]" * 7000 + "} : tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n"
    with pytest.raises(MLIRError, match="nesting deeper than 512 levels"):
        Module.parse(deep)
    # Nesting within the limit parses as before.
    shallow = deep.replace("[" * 7000, "[" * 100).replace("]" * 7000, "]" * 100)
    assert "hypatia.relu" in str(Module.parse(shallow))
