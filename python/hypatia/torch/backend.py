"""The torch.compile backend: `torch.compile(model, backend="hypatia")`.

The graph dynamo captures is split into pieces Hypatia compiles (linear
layers and their activations, in the spellings `ops` knows) and the rest,
which runs in PyTorch; every node left to PyTorch is logged once, with where
it comes from and why:

    hypatia: running in PyTorch: sin at model.py:12 (tensor method .sin())

Each piece is compiled for its inputs' device (cpu or cuda), dtypes and
static sizes on first use (at most `max_variants` variants, then PyTorch).
Sizes dynamo makes symbolic (torch.compile(dynamic=True), or by itself once
a size changes) are dynamic in the compiled code: one compile serves every
batch or sequence length.

Options (torch.compile(..., options={...}), or environment variables):
  check        "strict": the first call also runs eager PyTorch (in float64
               where the graph runs so) and raises
               CheckError if the results differ beyond the dtype's tolerance;
               "off" (default). $HYPATIA_CHECK.
  allow_tf32   let float32 GEMMs on the GPU use TF32 (default False, as PyTorch).
  reference    on the CPU, Hypatia's float64-accurate loop nests instead of
               oneDNN (default False; slow, for checking).
  fuse         run --fuse-mlp on each piece (default True).
  max_variants variants compiled per piece (default 8).
  pack_weights where --fuse-mlp makes the gate and up projections of a gated
               MLP one hypatia.gated_linear and their weights (and biases)
               are parameters, move each pair into one block of memory when
               the piece is compiled, so that both are one GEMM (default
               True). The parameters keep their identity, values, shapes and
               strides (an optimizer and state_dict see no difference); only
               their storage moves. Parameters that share storage with
               anything are left where they are.
  cuda_graphs  on CUDA, replay each compiled call as a captured CUDA graph
               (default False; mode="reduce-overhead" turns it on): the
               graph inputs that are not parameters are copied into the
               captured buffers, parameters are used in place (an optimizer's
               in-place updates are seen; a parameter replaced by another
               tensor is captured anew), results are copied out, so they
               behave as without graphs.

Training: when autograd is needed (grad mode on and an input or parameter
requiring grad), AOTAutograd splits the graph into a forward and a backward
graph of aten ops (min-cut partitioner), and each is compiled as above: the
backward's matrix products (input and weight gradients, either operand read
transposed in place), activation gradients (threshold_backward,
gelu_backward, silu_backward) and bias gradients (sums over the batch) by
Hypatia, the rest in PyTorch with a log line each. Under
DistributedDataParallel, compile the module and then wrap it,
`DDP(torch.compile(model, backend="hypatia"))`: in torch 2.11 dynamo does not
trace DDP's own forward, so `torch.compile(DDP(model))` hands the backend
nothing (bench/experiments/ddp_check.py compares DDP with one process).
"""

import copy
import logging
import operator
import os
import re
import threading

import torch
import torch.fx

from .. import compiler
from ..errors import HypatiaError
from ..model import set_cpu_threads
from ..passmanager import PassManager
from .importer import COMPUTE_KINDS, _Support, dynamic_dims, import_graph, with_dynamic_dims
from .ops import DTYPES, Unsupported, location

log = logging.getLogger("hypatia")

# Largest allowed relative error (max |result - eager| / max |eager|) in
# strict mode: float32 as DESIGN.md's fused-vs-unfused bound, half types at
# their precision.
TOLERANCES = {torch.float32: 1e-5, torch.float16: 1e-2, torch.bfloat16: 1e-2}


class CheckError(HypatiaError):
    """Strict checking found results that differ from eager PyTorch."""


class Options:
    def __init__(self, options=None):
        options = dict(options or {})
        self.check = options.pop("check", os.environ.get("HYPATIA_CHECK", "off"))
        if self.check not in ("off", "strict"):
            raise ValueError(f"hypatia: check must be 'off' or 'strict', got {self.check!r}")
        self.allow_tf32 = bool(options.pop("allow_tf32", False))
        self.reference = bool(options.pop("reference", False))
        self.fuse = bool(options.pop("fuse", True))
        self.max_variants = int(options.pop("max_variants", 8))
        self.cuda_graphs = bool(options.pop("cuda_graphs", False))
        self.pack_weights = bool(options.pop("pack_weights", True))
        if options:
            raise ValueError(f"hypatia: unknown options {', '.join(sorted(options))}")


# A gated_linear whose weights (and biases) are the function's own arguments:
# its gate weight, up weight, then gate bias and up bias if it has biases.
_GATED_LINEAR = re.compile(r"hypatia\.gated_linear %[\w#]+, %arg(\d+), %arg(\d+)"
                           r"(?: biases\(%arg(\d+), %arg(\d+)\))?")


def _gate_up_argument_pairs(module, target):
    """(first, second) argument numbers of the function in `module` that
    --fuse-mlp computes as rows of one matrix (a gated_linear's gate and up
    weights, and its biases): one GEMM where they lie one after the other."""
    # Only a product can become a gated_linear: most graphs skip the second
    # run of --fuse-mlp.
    if "hypatia.mul" not in str(module):
        return []
    fused = module.clone()
    PassManager.parse(f"builtin.module(hypatia-attach-target{{kind={target}}},"
                      "func.func(fuse-mlp))", context=fused.context).run(fused)
    pairs = []
    for match in _GATED_LINEAR.finditer(str(fused)):
        numbers = [int(group) for group in match.groups() if group is not None]
        pairs.extend(zip(numbers[0::2], numbers[1::2]))
    return pairs


def _owns_its_storage(tensor):
    """Whether `tensor` is a plain parameter, dense, alone in its storage."""
    return (type(tensor) is torch.nn.Parameter and tensor.is_contiguous()
            and tensor.storage_offset() == 0 and tensor._base is None
            and tensor.untyped_storage().nbytes() == tensor.nbytes)


def _pack_rows(first, second):
    """Moves parameters `first` and `second` (one shape, dtype and device)
    into one block of memory, `second` right after `first`; True if they are
    there now."""
    if (first.data_ptr() + first.nbytes == second.data_ptr()
            and first.is_contiguous() and second.is_contiguous()):
        return True
    if (first is second or not _owns_its_storage(first) or not _owns_its_storage(second)
            or first.shape != second.shape or first.dtype != second.dtype
            or first.device != second.device):
        return False
    with torch.no_grad():
        both = torch.cat([first.detach(), second.detach()])
        first.data = both[:first.shape[0]]
        second.data = both[first.shape[0]:]
    return True


def _where(node):
    file, line = location(node)
    return f" at {file}:{line}" if file else ""


def _node_name(node):
    if node.op == "call_module":
        return node.target
    if node.op == "call_method":
        return f".{node.target}()"
    return getattr(node.target, "__name__", str(node.target))


class _GraphedCall:
    """A prepared call captured in a CUDA graph, with the buffers it reads:
    parameters where they are (by address), other inputs in buffers of the
    graph's own, copied in at each replay."""

    def __init__(self, prepared, tensors):
        parameters = [isinstance(t, torch.nn.Parameter) for t in tensors]
        self.inputs = [t if parameter else torch.empty_like(t)
                       for t, parameter in zip(tensors, parameters)]
        # (index, address) of the parameters read in place, and (index,
        # buffer) of the inputs copied in.
        self.parameters = [(i, t.data_ptr()) for i, (t, parameter)
                           in enumerate(zip(self.inputs, parameters)) if parameter]
        self.copied = [(i, t) for i, (t, parameter)
                       in enumerate(zip(self.inputs, parameters)) if not parameter]
        self._copy_in(tensors)
        # Warm-up on a side stream (the GEMM plans are made here), then the
        # capture; the results live in the graph's memory pool.
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            prepared(*self.inputs)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.results = prepared(*self.inputs)

    def _copy_in(self, tensors):
        for index, buffer in self.copied:
            tensor = tensors[index]
            if tensor.data_ptr() != buffer.data_ptr():
                buffer.copy_(tensor)

    def matches(self, tensors):
        """Whether the parameters are still where the graph reads them."""
        return all(tensors[index].data_ptr() == address for index, address in self.parameters)

    def __call__(self, tensors):
        self._copy_in(tensors)
        self.graph.replay()
        return tuple(result.clone() for result in self.results)


# The thread count CPU GEMMs were last given, per calling thread (OpenMP's
# thread count is a setting of each thread that starts parallel work).
_cpu_threads = threading.local()


def _follow_torch_threads():
    """CPU GEMMs use as many threads as PyTorch (torch.set_num_threads)."""
    wanted = torch.get_num_threads()
    if wanted != getattr(_cpu_threads, "count", None):
        set_cpu_threads(wanted)
        _cpu_threads.count = wanted


class _Variant:
    """One compiled function of a graph (per dtypes, device and static
    sizes) and its calls prepared per concrete input shape (descriptors
    built once; a dynamic size needs no new compile), each replayed as a
    CUDA graph when `cuda_graphs`."""

    # Prepared calls kept per variant; beyond, the oldest is dropped.
    MAX_PREPARED = 64

    def __init__(self, function, signature, params, device, cuda_graphs):
        self.function, self.signature, self.params = function, signature, params
        self.device = device
        self.cuda_graphs = cuda_graphs and device.type == "cuda"
        self.calls = {}

    def call(self, tensors):
        if self.device.type == "cpu":
            _follow_torch_threads()
        shapes = tuple(t.shape for t in tensors)
        call = self.calls.get(shapes)
        if call is not None and self.cuda_graphs and not call.matches(tensors):
            call = None  # a parameter was replaced: capture anew
        if call is None:
            if len(self.calls) >= self.MAX_PREPARED:
                del self.calls[next(iter(self.calls))]
            prepared = self.function.prepare_torch(
                list(shapes), [DTYPES[t.dtype] for t in tensors], self.device)
            if self.cuda_graphs:
                call = _GraphedCall(prepared, tensors)
            else:
                call = lambda tensors, prepared=prepared: prepared(*tensors)  # noqa: E731
            self.calls[shapes] = call
        return call(tensors)


class CompiledGraph(torch.nn.Module):
    """A graph of supported nodes, compiled per device, dtypes and static
    sizes: the sizes dynamo made symbolic are dynamic in the compiled
    function, so one compile serves all of their values."""

    # Concrete input signatures remembered with their variant (the fast path
    # of a call: no dynamic-size key to build); beyond, the memo starts over.
    MAX_SEEN = 256

    def __init__(self, graph_module, options, name):
        super().__init__()
        self.graph_module = graph_module
        self.options = options
        self.name = name
        self._variants = {}
        self._seen = {}
        self._support = _Support(graph_module)
        # Per graph input: which of its sizes are dynamic (None for a
        # non-tensor input).
        self._dynamic = [dynamic_dims(node) for node in graph_module.graph.nodes
                         if node.op == "placeholder"]

    def _key(self, inputs):
        key = []
        for index, t in enumerate(inputs):
            if not isinstance(t, torch.Tensor):
                # A size dynamo passes: the tensors' shapes carry it.
                key.append("size" if isinstance(t, (int, torch.SymInt)) else repr(t))
                continue
            dims = self._dynamic[index] if index < len(self._dynamic) else None
            key.append((with_dynamic_dims(tuple(t.shape), dims), t.dtype, t.device))
        return tuple(key)

    def _compile(self, inputs):
        devices = {t.device for t in inputs if isinstance(t, torch.Tensor)}
        if len(devices) != 1:
            raise Unsupported(f"inputs on several devices ({devices})")
        device = devices.pop()
        if device.type not in ("cpu", "cuda"):
            raise Unsupported(f"device {device}")
        target = "cuda" if device.type == "cuda" else "cpu"
        module, signature = import_graph(self.graph_module, inputs, self.name,
                                         support=self._support)
        # Device code for the GPU at hand only: one chip compiles faster than
        # the default four, and its kernels may use all of its shared memory
        # and, on Hopper (sm_90a, code for compute capability 9.0 alone), its
        # own instructions (wgmma in the fused MLP kernel).
        chips = None
        if target == "cuda":
            major, minor = torch.cuda.get_device_capability(device)
            chips = [f"sm_{major}{minor}" + ("a" if (major, minor) == (9, 0) else "")]
        if self.options.fuse and self.options.pack_weights:
            self._pack_gate_up_weights(module, signature, inputs, target)
        # The host code for this machine's CPU (its vector width, FMA): the
        # model runs in this process. The compile cache keys on it.
        compiled = compiler.compile(module, target, fuse=self.options.fuse,
                                    allow_tf32=self.options.allow_tf32, chips=chips,
                                    host_cpu="native",
                                    reference=self.options.reference and target == "cpu")
        tensors = [inputs[source] if kind == "input" else source.get()
                   for kind, source in signature.arguments]
        log.info("hypatia: compiled %s for %s, inputs %s", self.name, target,
                 ", ".join(f"{DTYPES[t.dtype]}{list(shape)}".replace("None", "?")
                           for t, shape in zip(tensors, self._argument_shapes(signature, tensors))))
        params = {source: (t.shape, t.dtype, t.device)
                  for (kind, source), t in zip(signature.arguments, tensors) if kind == "param"}
        # The compiled module stays referenced by the function.
        return _Variant(next(iter(compiled.functions.values())), signature, params, device,
                        self.options.cuda_graphs)

    def _pack_gate_up_weights(self, module, signature, inputs, target):
        """Gate and up weights (and biases) of each gated_linear, where they
        are parameters, moved into one block: one GEMM for both (the
        runtime checks adjacency on every call)."""
        def tensor(number):
            kind, source = signature.arguments[number]
            return inputs[source] if kind == "input" else source.get()

        for first, second in _gate_up_argument_pairs(module, target):
            if _pack_rows(tensor(first), tensor(second)):
                log.info("hypatia: %s: arguments %d and %d (gate and up) are one block "
                         "of memory: one GEMM where the runtime measures that faster", self.name,
                         first, second)
            else:
                log.info("hypatia: %s: arguments %d and %d (gate and up) are left where "
                         "they are (not parameters that own their storage): two GEMMs",
                         self.name, first, second)

    def _argument_shapes(self, signature, tensors):
        return [with_dynamic_dims(tuple(t.shape), self._dynamic[source] if kind == "input"
                                  else None)
                for (kind, source), t in zip(signature.arguments, tensors)]

    def forward(self, *inputs):
        seen = tuple((t.shape, t.dtype, t.device) if isinstance(t, torch.Tensor) else repr(t)
                     for t in inputs)
        variant = self._seen.get(seen)
        if variant is None:
            variant = self._variant_for(inputs)
            if len(self._seen) >= self.MAX_SEEN:
                self._seen.clear()
            self._seen[seen] = variant
        if variant == "eager":
            return self.graph_module(*inputs)
        arguments = []
        for kind, source in variant.signature.arguments:
            if kind == "input":
                tensor = inputs[source]
            else:
                # Weights read from modules are not in the key: a weight
                # replaced by one of another shape or dtype needs a new variant.
                tensor = source.get()
                if (tensor.shape, tensor.dtype, tensor.device) != variant.params[source]:
                    self._variants = {k: v for k, v in self._variants.items() if v is not variant}
                    self._seen.clear()
                    return self.forward(*inputs)
            arguments.append(tensor if tensor.is_contiguous() else tensor.contiguous())
        results = variant.call(arguments)
        return results[0] if variant.signature.single else results

    def _variant_for(self, inputs):
        """The variant for these inputs (compiled on first use), or "eager"."""
        key = self._key(inputs)
        variant = self._variants.get(key)
        if variant is None:
            if len(self._variants) >= self.options.max_variants:
                log.warning("hypatia: %s: more than %d compiled variants (dtypes, devices "
                            "and static sizes), running %s in PyTorch", self.name,
                            self.options.max_variants, key)
                variant = "eager"
            else:
                try:
                    variant = self._compile(inputs)
                except (Unsupported, HypatiaError) as error:
                    log.warning("hypatia: %s runs in PyTorch: %s", self.name,
                                str(error).replace("\n", "; "))
                    variant = "eager"
            self._variants[key] = variant
        return variant


def _graph_needs_autograd(graph_module, example_inputs):
    if not torch.is_grad_enabled():
        return False
    if any(isinstance(t, torch.Tensor) and t.requires_grad for t in example_inputs):
        return True
    return any(p.requires_grad for p in graph_module.parameters())


def _max_relative_error(result, expected):
    expected64 = expected.detach().to(torch.float64)
    scale = expected64.abs().max().item() if expected64.numel() else 0.0
    error = (result.detach().to(torch.float64) - expected64).abs().max().item() \
        if expected64.numel() else 0.0
    return error / max(scale, 1e-30) if error else 0.0


def _flatten(outputs):
    if isinstance(outputs, torch.Tensor):
        return [outputs]
    if isinstance(outputs, (list, tuple)):
        return [t for item in outputs for t in _flatten(item)]
    return []


def _float64_results(graph_module, inputs):
    """The graph run by eager PyTorch in float64 (its inputs upcast, which
    includes the parameters dynamo passes as inputs), or None where it cannot
    run so (a module that holds half-precision weights of its own)."""
    upcast = [t.double() if isinstance(t, torch.Tensor) and t.is_floating_point() else t
              for t in inputs]
    try:
        return graph_module(*upcast)
    except (RuntimeError, TypeError):
        return None


def _checked(run, graph_module, name):
    """`run` that compares its first call with eager PyTorch (strict mode):
    in float64 where the graph runs so, against the dtype's tolerance (the
    bound every path of Hypatia keeps to the exact result); else in the graph's
    own dtypes, against twice it (two results that each keep the bound)."""
    state = {"checked": False}

    def call(*inputs):
        results = run(*inputs)
        if state["checked"]:
            return results
        state["checked"] = True
        with torch.no_grad():
            expected = graph_module(*inputs)
            exact = _float64_results(graph_module, inputs)
        references = _flatten(exact) if exact is not None else _flatten(expected)
        how = "in float64" if exact is not None else "in the same dtype"
        for index, (got, want, reference) in enumerate(
                zip(_flatten(results), _flatten(expected), references)):
            if got.shape != want.shape or got.dtype != want.dtype:
                raise CheckError(f"hypatia: {name}: result {index} is {got.dtype}{list(got.shape)}"
                                 f", eager PyTorch gives {want.dtype}{list(want.shape)}")
            tolerance = TOLERANCES.get(want.dtype, 0.0) * (1 if exact is not None else 2)
            error = _max_relative_error(got, reference)
            if not error <= tolerance:
                raise CheckError(
                    f"hypatia: {name}: result {index} differs from eager PyTorch ({how}): max "
                    f"relative error {error:.3g} > {tolerance:g} ({want.dtype})")
            log.info("hypatia: %s: result %d matches eager PyTorch (%s; max relative error "
                     "%.3g, tolerance %g)", name, index, how, error, tolerance)
        return results

    return call


def compile_graph(graph_module, example_inputs, options=None):
    """The callable hypatia makes of a graph: supported pieces compiled, the
    rest in PyTorch. Used by the torch.compile backend. A graph that needs
    autograd is split by AOTAutograd into a forward and a backward graph,
    each compiled so."""
    options = options if isinstance(options, Options) else Options(options)
    if _graph_needs_autograd(graph_module, example_inputs):
        return _compile_for_training(graph_module, example_inputs, options)
    return _compile_pieces(graph_module, options, "graph")


def _compile_pieces(graph_module, options, name):
    """`graph_module` with its supported pieces compiled and the rest left to
    PyTorch, each node left logged once with the reason."""
    _fold_double_transposes(graph_module)
    support = _Support(graph_module)
    for node, reason in support.reasons.items():
        log.warning("hypatia: %s: running in PyTorch: %s%s (%s)", name, _node_name(node),
                    _where(node), reason)
    split = _partition(graph_module, support, options, name)
    run = split.forward if isinstance(split, torch.nn.Module) else split
    if options.check == "strict":
        run = _checked(run, graph_module, name)
    return run


_TRANSPOSES = (torch.ops.aten.t.default,)


def _fold_double_transposes(graph_module):
    """Replaces t(t(x)) by x in place. AOTAutograd's backward graphs return
    each weight gradient so (the gradient is computed as (dy^T x)^T^T); left
    in, the two views would run in PyTorch, outside the compiled piece."""
    changed = False
    for node in graph_module.graph.nodes:
        inner = node.args[0] if node.op == "call_function" and node.target in _TRANSPOSES \
            else None
        if isinstance(inner, torch.fx.Node) and inner.op == "call_function" and \
                inner.target in _TRANSPOSES:
            node.replace_all_uses_with(inner.args[0])
            changed = True
    if changed:
        graph_module.graph.eliminate_dead_code()
        graph_module.recompile()


def _compile_for_training(graph_module, example_inputs, options):
    """Training: AOTAutograd traces the forward and its backward to aten ops
    and splits them with the min-cut partitioner (as Inductor does: the
    forward saves what is costly to recompute, views and cheap elementwise
    ops are recomputed in the backward); each graph is then compiled as any
    other, its matrix products (linear layers, and the backward's input and
    weight gradients), activations, activation gradients and bias gradients
    by Hypatia, anything else by PyTorch with a log line."""
    from functorch.compile import make_boxed_func, min_cut_rematerialization_partition
    from torch._dynamo.backends.common import aot_autograd

    def compiler(name):
        def compile_aten_graph(aten_graph, inputs):
            return make_boxed_func(_compile_pieces(aten_graph, options, name))
        return compile_aten_graph

    backend = aot_autograd(fw_compiler=compiler("forward"), bw_compiler=compiler("backward"),
                           partition_fn=min_cut_rematerialization_partition)
    return backend(graph_module, example_inputs)


def _partition(graph_module, support, options, name):
    from torch.fx.passes.infra.partitioner import CapabilityBasedPartitioner
    from torch.fx.passes.operator_support import OperatorSupportBase

    class HypatiaSupport(OperatorSupportBase):
        def is_node_supported(self, submodules, node):
            return support.op(node) is not None

    # The partitioner rewrites the graph it is given; the original stays as it
    # is, for strict checking and fallbacks. Modules and weights are shared.
    graph_module = torch.fx.GraphModule(graph_module, copy.deepcopy(graph_module.graph))
    support = _Support(graph_module)
    partitioner = CapabilityBasedPartitioner(graph_module, HypatiaSupport(),
                                             allows_single_node_partition=True)
    partitions = partitioner.propose_partitions()
    # Pieces without arithmetic (a lone reshape) stay in PyTorch.
    partitions = [p for p in partitions
                  if any(support.op(n).kind in COMPUTE_KINDS for n in p.nodes)]
    if not partitions:
        return graph_module
    split = partitioner.fuse_partitions(partitions)
    for node in split.graph.nodes:
        if node.op == "call_module" and node.target.startswith("fused_"):
            piece = split.get_submodule(node.target)
            setattr(split, node.target,
                    CompiledGraph(piece, options, f"{name}.{node.target}"))
    split.recompile()
    return _single_piece_call(split) or split


def _single_piece_call(split):
    """Where the split graph hands its inputs to one compiled piece and
    returns the piece's results (the whole graph compiled, the common case),
    a call of the piece itself: without the FX module's generated forward
    and nn.Module call in between (a few microseconds a call on small
    models, where the host is the bound). The outputs may also pass inputs
    through or be None, as AOTAutograd's forward (the tensors it saves for
    the backward) and backward (no gradient for an input) graphs do. None
    otherwise."""
    nodes = list(split.graph.nodes)
    placeholders = [n for n in nodes if n.op == "placeholder"]
    calls = [n for n in nodes if n.op == "call_module"]
    output = nodes[-1]
    if len(calls) != 1 or output.op != "output" or calls[0].kwargs or \
            not all(a in placeholders for a in calls[0].args):
        return None
    call = calls[0]
    # The piece's results as getitem nodes (a piece of several results).
    items = {}
    for node in nodes:
        if node in placeholders or node is call or node is output:
            continue
        if node.op == "call_function" and node.target is operator.getitem and \
                node.args[0] is call and isinstance(node.args[1], int):
            items[node] = node.args[1]
            continue
        return None
    returned = output.args[0]
    if returned is call:
        return _piece_runner(split, call, placeholders, None, False)
    if not isinstance(returned, (tuple, list)):
        return None
    # Per output: ("result", i), ("input", i) or None.
    sources = []
    for value in returned:
        if value is None:
            sources.append(None)
        elif value is call and len(returned) == 1:
            sources.append(("whole", 0))
        elif value in items:
            sources.append(("result", items[value]))
        elif value in placeholders:
            sources.append(("input", placeholders.index(value)))
        else:
            return None
    return _piece_runner(split, call, placeholders, sources, isinstance(returned, list))


def _piece_runner(split, call, placeholders, sources, as_list):
    piece = split.get_submodule(call.target)
    order = [placeholders.index(a) for a in call.args]
    forward = piece.forward

    if sources is None:
        def run(*inputs):
            return forward(*[inputs[i] for i in order])
    else:
        def run(*inputs):
            results = forward(*[inputs[i] for i in order])
            outputs = [None if source is None
                       else results if source[0] == "whole"
                       else results[source[1]] if source[0] == "result"
                       else inputs[source[1]]
                       for source in sources]
            return outputs if as_list else tuple(outputs)

    run.split = split  # the graph module it stands for (tests, debugging)
    return run


def hypatia_backend(graph_module, example_inputs, options=None, **kwargs):
    """torch.compile's entry point (dynamo backend "hypatia"). mode=
    "reduce-overhead" replays CUDA graphs (the cuda_graphs option)."""
    mode = kwargs.get("mode")
    if mode == "reduce-overhead":
        options = dict(options or {}, cuda_graphs=True)
    elif mode not in (None, "default"):
        log.warning("hypatia: torch.compile mode %r is ignored", mode)
    return compile_graph(graph_module, example_inputs, options)
