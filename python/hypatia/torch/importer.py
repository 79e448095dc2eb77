"""torch.fx graphs to hypatia functions.

    module, signature = import_graph(graph_module, example_inputs)

`check_support(graph_module)` says, node by node, what Hypatia can compile
(and why not, for the rest); `import_graph` builds a hypatia function of a
graph made only of supported nodes: its arguments are the graph's inputs,
then the tensors it reads from modules (weights), so that the compiled
function always sees the module's current parameters.

Shapes are those of `example_inputs`, except the sizes dynamo made
symbolic (torch.compile(dynamic=True), or a size seen changing), which become
dynamic (`?`) dimensions: one compiled function then serves every value of
them (see backend.CompiledGraph). The sizes dynamo passes as graph inputs
(SymInt placeholders) are not arguments of the function.
"""

import torch
import torch.fx

from .. import ir
from .ops import DTYPES, Op, Param, Unsupported, describe, location, tensor_info

# Ops that do arithmetic: a piece of a graph with none of them (a lone
# reshape) is left to PyTorch.
COMPUTE_KINDS = {"linear", "matmul", "addmm", "relu", "gelu", "silu", "mul",
                 "activation_grad", "sum"}


def _modules(graph_module):
    return dict(graph_module.named_modules())


def _bias_add(node, op_of):
    """The add node that adds a bias vector to the matmul `node`, if the
    matmul's only use is one: the pair is one linear layer."""
    users = list(node.users)
    if len(users) != 1:
        return None
    add = users[0]
    add_op = op_of(add)
    if add_op is None or add_op.kind != "add":
        return None
    other = add_op.operands[1] if add_op.operands[0] is node else add_op.operands[0]
    if not isinstance(other, torch.fx.Node) or other is node:
        return None
    shape, dtype = tensor_info(node)
    other_shape, other_dtype = tensor_info(other)
    if shape is None or other_shape is None or len(other_shape) != 1 or not shape:
        return None
    if other_shape[0] != shape[-1] or other_dtype != dtype:
        return None
    return add


def _broadcasts(op, shape):
    """Whether an elementwise op's operands are not all tensors of `shape`
    (the dialect's elementwise ops take one type, no broadcasting)."""
    return any(not isinstance(operand, torch.fx.Node) or tensor_info(operand)[0] != shape
               for operand in op.operands)


class _Support:
    """Which nodes of a graph Hypatia compiles; the reasons for the rest."""

    def __init__(self, graph_module):
        self.modules = _modules(graph_module)
        self.ops = {}
        self.reasons = {}
        nodes = [n for n in graph_module.graph.nodes
                 if n.op in ("call_function", "call_method", "call_module")]
        for node in nodes:
            try:
                self.ops[node] = describe(node, self.modules)
            except Unsupported as reason:
                self.reasons[node] = str(reason)
        # Structure: transposes only as operands of matrix products (or of
        # other transposes); adds only as the bias of a matmul or of tensors
        # of one shape; in-place ops only on values nothing else reads.
        for _ in range(3):
            for node in nodes:
                if node in self.ops:
                    reason = self._check(node, self.ops[node])
                    if reason:
                        del self.ops[node]
                        self.reasons[node] = reason

    def op(self, node):
        return self.ops.get(node)

    def _check(self, node, op):
        if op.kind == "chunk":
            return self._check_chunk(node, op)
        if op.kind == "getitem":
            source = op.operands[0]
            if self.ops.get(source) is None or self.ops[source].kind != "chunk":
                return "indexing of something other than a chunked linear layer"
            return None
        shape, dtype = tensor_info(node)
        if dtype is None:
            return "no shape information recorded for it"
        if dtype not in DTYPES:
            return f"dtype {dtype} (Hypatia compiles float32, float16 and bfloat16)"
        for operand in op.operands:
            if isinstance(operand, torch.fx.Node):
                _, operand_dtype = tensor_info(operand)
                if operand_dtype is not None and operand_dtype != dtype and \
                        not _autocasts(op.kind, operand_dtype, dtype):
                    return f"mixed dtypes ({operand_dtype} and {dtype})"
            elif isinstance(operand, Param):
                value = operand.get()
                if not isinstance(value, torch.Tensor) or (
                        value.dtype != dtype and not _autocasts(op.kind, value.dtype, dtype)):
                    return f"parameter {operand} is not a {dtype} tensor"
            elif operand is not None:
                return f"operand {operand!r} is not a tensor"
        if op.attributes.get("inplace"):
            source = op.operands[0]
            if source.op == "placeholder" or len(source.users) != 1:
                return "in-place on a value read elsewhere (or a graph input)"
        if op.kind == "transpose":
            if len(shape) != 2:
                return "transpose of a non-matrix"
            for user in node.users:
                user_op = self.ops.get(user)
                if user_op is None or user_op.kind not in ("matmul", "addmm", "transpose") or (
                        user_op.kind == "addmm" and user_op.operands[2] is not node):
                    return "a transpose other than an operand of a matrix product"
        if op.kind == "addmm":
            if not self._is_transpose(op.operands[2]) or self._is_transpose(op.operands[1]):
                return "addmm other than x @ w.t() + b"
        if op.kind == "matmul" and not _is_layer_product(op, self._is_transpose):
            # A product of two matrices (a backward pass's), either maybe
            # transposed.
            for operand in op.operands:
                operand_shape, _ = tensor_info(operand) if isinstance(
                    operand, torch.fx.Node) else (None, None)
                if operand_shape is None or len(operand_shape) != 2:
                    return ("a matrix product other than x @ w.t() or of two "
                            "matrices")
        if op.kind in ("matmul", "addmm"):
            x_shape, _ = tensor_info(op.operands[0 if op.kind == "matmul" else 1])
            if x_shape is None or len(x_shape) < 1:
                return "a matrix product of a scalar"
            if op.kind == "addmm":
                bias_shape, _ = tensor_info(op.operands[0])
                if bias_shape is None or len(bias_shape) != 1:
                    return "addmm with a bias that is not a vector"
        if op.kind == "add":
            for operand in op.operands:
                operand_op = self.ops.get(operand) if isinstance(operand, torch.fx.Node) else None
                if operand_op is not None and operand_op.kind == "matmul" and \
                        _bias_add(operand, self.ops.get) is node:
                    return None
            # Else an elementwise sum (a residual connection): hypatia.add.
            if _broadcasts(op, shape):
                return "an add that broadcasts (Hypatia adds tensors of one shape)"
        if op.kind == "reshape":
            if any(not isinstance(size, int) for size in op.attributes["shape"]):
                return "a reshape to a shape computed at run time"
        if op.kind == "mul" and _broadcasts(op, shape):
            return "a product that broadcasts (Hypatia multiplies tensors of one shape)"
        if op.kind == "activation_grad" and _broadcasts(op, shape):
            return "an activation gradient of operands of different shapes"
        if op.kind == "sum":
            input_shape, _ = tensor_info(op.operands[0])
            rank = len(input_shape or ())
            dims = op.attributes["dims"]
            if rank < 2 or dims is None or \
                    sorted(d % rank for d in dims) != list(range(rank - 1)):
                return "a sum other than over every dimension but the last (a bias gradient)"
        return None

    def _is_transpose(self, operand):
        return isinstance(operand, torch.fx.Node) and operand in self.ops and \
            self.ops[operand].kind == "transpose"

    def _check_chunk(self, node, op):
        """A chunk is compiled as what it splits: a linear layer whose rows of
        weights (and bias) are cut into equal parts, one layer per part."""
        (source,) = op.operands
        source_op = self.ops.get(source) if isinstance(source, torch.fx.Node) else None
        if source_op is None or source_op.kind != "linear" or len(source.users) != 1:
            return "a chunk of something other than a linear layer used only by it"
        shape, _ = tensor_info(source)
        chunks, dim = op.attributes["chunks"], op.attributes["dim"]
        if shape is None or not isinstance(chunks, int) or not isinstance(dim, int) or \
                dim % len(shape) != len(shape) - 1:
            return "a chunk along a dimension other than the features"
        if chunks < 1 or shape[-1] % chunks:
            return f"a chunk of {shape[-1]} features into {chunks} unequal parts"
        if any(self.ops.get(user) is None or self.ops[user].kind != "getitem"
               for user in node.users):
            return "a chunk whose parts are not taken one by one"
        return None


def _is_layer_product(op, is_transpose):
    """Whether matmul `op` is a linear layer's `x @ w.t()`: x of any rank, not
    itself a transpose (else it is a product of two matrices)."""
    return is_transpose(op.operands[1]) and not is_transpose(op.operands[0])


def check_support(graph_module):
    """({node: Op} of the supported nodes, {node: reason} of the others)."""
    support = _Support(graph_module)
    return support.ops, support.reasons


class Signature:
    """How to call the imported function: `arguments[i]` is ("input", index)
    of the graph's inputs or ("param", Param); `results` the graph's output
    structure (a single tensor or a tuple/list of them) as result indices."""

    def __init__(self, arguments, results, single):
        self.arguments = arguments
        self.results = results
        self.single = single


def dynamic_dims(node):
    """Per dimension of tensor placeholder `node`, whether its size is
    dynamic in the compiled function: where dynamo recorded a symbolic size,
    except the last (features: a layer's weights fix them, and the dialect
    keeps them static). None if no tensor is recorded on the node."""
    value = node.meta.get("example_value", node.meta.get("val"))
    if not isinstance(value, torch.Tensor):
        return None
    return tuple(not isinstance(size, int) and i + 1 < value.dim()
                 for i, size in enumerate(value.shape))


def with_dynamic_dims(shape, dims):
    """`shape` with None for its dynamic dimensions (`dims` from
    dynamic_dims; None: all static)."""
    if dims is None or len(dims) != len(shape):
        return tuple(shape)
    return tuple(None if dynamic else size for size, dynamic in zip(shape, dims))


def _is_size_input(node, example):
    """Whether placeholder `node` is a size dynamo passes (a SymInt), not a
    tensor."""
    value = node.meta.get("example_value", node.meta.get("val"))
    return isinstance(value, (int, torch.SymInt)) or isinstance(example, (int, torch.SymInt))


def _static(shape, what):
    if any(size is None for size in shape):
        raise Unsupported(f"{what} of a tensor with a dynamic size {list(shape)}")
    return shape


def _resolve_shape(shape, numel):
    shape = list(shape)
    if shape.count(-1) == 1:
        known = 1
        for size in shape:
            if size != -1:
                known *= size
        shape[shape.index(-1)] = numel // known if known else 0
    return shape


def import_graph(graph_module, example_inputs, name="forward", context=None, support=None):
    """A hypatia Module computing `graph_module` for inputs shaped as
    `example_inputs`, and its Signature. Raises Unsupported (a node it cannot
    import) or hypatia.MLIRError (the ops do not fit together)."""
    support = support or _Support(graph_module)
    builder = ir.FunctionBuilder(name, context)
    values = {}       # node -> (Value, shape) | ("transposed", node) | ("deferred", ...)
    param_values = {}
    arguments = []
    input_index = 0

    def param_value(param):
        key = (id(param.owner), param.name)
        if key not in param_values:
            tensor = param.get()
            param_values[key] = (builder.argument(DTYPES[tensor.dtype], tuple(tensor.shape)),
                                 tuple(tensor.shape))
            arguments.append(("param", param))
        return param_values[key]

    def value(operand):
        if isinstance(operand, Param):
            return param_value(operand)
        found = values.get(operand)
        if found is None or found[0] in ("transposed", "deferred", "chunked", "size"):
            raise Unsupported(f"{operand} is not a tensor computed by the imported graph")
        return found

    def matrix(operand):
        """(value, transposed) of a matrix product's operand: a transpose
        is read in place, not computed."""
        found = values.get(operand)
        if found is not None and found[0] == "transposed":
            return value(found[1])[0], True
        return value(operand)[0], False

    def weight(operand):
        found = values.get(operand)
        if found is None or found[0] != "transposed":
            raise Unsupported(f"{operand} is not a transposed weight")
        return value(found[1])

    def in_dtype_of(node, operand, operand_value):
        """`operand_value` converted to `node`'s dtype where torch.autocast
        converts the operand of a matrix product."""
        dtype = tensor_info(node)[1]
        source = _dtype_of(operand)
        if source is None or dtype is None or source == dtype:
            return operand_value
        return builder.convert(operand_value, DTYPES[dtype])

    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            if input_index >= len(example_inputs):
                raise Unsupported(f"input {node.name} has no example")
            tensor = example_inputs[input_index]
            if _is_size_input(node, tensor):
                # Sizes travel with the tensors' shapes.
                values[node] = ("size",)
                input_index += 1
                continue
            if not isinstance(tensor, torch.Tensor) or tensor.dtype not in DTYPES:
                raise Unsupported(f"input {node.name} is not a float32/float16/bfloat16 tensor")
            shape = with_dynamic_dims(tuple(tensor.shape), dynamic_dims(node))
            values[node] = (builder.argument(DTYPES[tensor.dtype], shape), shape)
            arguments.append(("input", input_index))
            input_index += 1
            continue
        if node.op == "get_attr":
            owner, _, attribute = node.target.rpartition(".")
            owner_module = graph_module.get_submodule(owner) if owner else graph_module
            if not isinstance(getattr(owner_module, attribute), torch.Tensor):
                raise Unsupported(f"attribute {node.target} is not a tensor")
            values[node] = param_value(Param(owner_module, attribute))
            continue
        if node.op == "output":
            outputs = node.args[0]
            single = isinstance(outputs, torch.fx.Node)
            outputs = [outputs] if single else list(outputs)
            results = []
            for output in outputs:
                results.append(value(output)[0])
            module = builder.finish(results)
            return module, Signature(arguments, list(range(len(results))), single)

        op = support.op(node)
        if op is None:
            raise Unsupported(support.reasons.get(node, f"{node.format_node()}"))
        file, line = location(node)
        builder.set_location(node.name, file, line, 0)
        kind = op.kind
        if kind == "transpose":
            inner = values.get(op.operands[0])
            # t(t(x)) is x.
            values[node] = value(inner[1]) if inner is not None and inner[0] == "transposed" \
                else ("transposed", op.operands[0])
        elif kind == "identity":
            values[node] = value(op.operands[0])
        elif kind == "linear" and _chunk_of(node, support.op):
            values[node] = ("chunked", op)
        elif kind == "linear":
            x, w, b = op.operands
            bias = in_dtype_of(node, b, value(b)[0]) if b is not None else None
            values[node] = _shaped(builder.linear(in_dtype_of(node, x, value(x)[0]),
                                                  in_dtype_of(node, w, value(w)[0]), bias))
        elif kind == "chunk":
            values[node] = ("chunked", values[op.operands[0]][1], op.attributes["chunks"])
        elif kind == "getitem":
            # Part i of a chunked layer: the layer of rows i of its weight and
            # bias (views of them, not copies).
            _, layer, chunks = values[op.operands[0]]
            index = op.attributes["index"] % chunks
            x_operand, w_operand, b_operand = layer.operands
            x = in_dtype_of(node, x_operand, value(x_operand)[0])
            w, w_shape = value(w_operand)
            rows = w_shape[0] // chunks
            w = builder.slice_rows(in_dtype_of(node, w_operand, w), index * rows, rows)
            bias = None
            if b_operand is not None:
                bias = builder.slice_rows(in_dtype_of(node, b_operand, value(b_operand)[0]),
                                          index * rows, rows)
            values[node] = _shaped(builder.linear(x, w, bias))
        elif kind == "mul":
            values[node] = _shaped(builder.mul(value(op.operands[0])[0],
                                               value(op.operands[1])[0]))
        elif kind == "matmul" and not _is_layer_product(
                op, lambda operand: values.get(operand, ("",))[0] == "transposed"):
            (lhs, transpose_lhs), (rhs, transpose_rhs) = (matrix(operand) for operand in op.operands)
            values[node] = _shaped(builder.matmul(in_dtype_of(node, op.operands[0], lhs),
                                                  in_dtype_of(node, op.operands[1], rhs),
                                                  transpose_lhs, transpose_rhs))
        elif kind == "matmul":
            x = in_dtype_of(node, op.operands[0], value(op.operands[0])[0])
            w = in_dtype_of(node, op.operands[1], weight(op.operands[1])[0])
            add = _bias_add(node, support.op)
            if add is not None:
                values[node] = ("deferred", x, w, add)
            else:
                values[node] = _shaped(builder.linear(x, w))
        elif kind == "add":
            a, b = op.operands
            deferred = [operand for operand in (a, b)
                        if values.get(operand, ("",))[0] == "deferred"
                        and values[operand][3] is node]
            if deferred:  # the bias of a matrix product: one linear layer
                matmul = deferred[0]
                bias = b if matmul is a else a
                _, x, w, _ = values[matmul]
                values[node] = _shaped(builder.linear(x, w, value(bias)[0]))
            else:
                values[node] = _shaped(builder.add(value(a)[0], value(b)[0]))
        elif kind == "addmm":
            bias = in_dtype_of(node, op.operands[0], value(op.operands[0])[0])
            x = in_dtype_of(node, op.operands[1], value(op.operands[1])[0])
            w = in_dtype_of(node, op.operands[2], weight(op.operands[2])[0])
            values[node] = _shaped(builder.linear(x, w, bias))
        elif kind in ("relu", "silu"):
            x, shape = value(op.operands[0])
            values[node] = (builder.activation(kind, x), shape)
        elif kind == "gelu":
            x, shape = value(op.operands[0])
            values[node] = (builder.gelu(x, op.attributes["approximate"]), shape)
        elif kind == "activation_grad":
            grad, shape = value(op.operands[0])
            values[node] = (builder.activation_grad(op.attributes["activation"], grad,
                                                    value(op.operands[1])[0]), shape)
        elif kind == "sum":
            x, shape = value(op.operands[0])
            total = builder.sum_rows(x)
            if op.attributes["keepdim"]:
                total = builder.reshape(total, [1] * (len(shape) - 1) + [shape[-1]])
            values[node] = _shaped(total)
        elif kind == "dropout":
            x, shape = value(op.operands[0])
            values[node] = (builder.dropout(x, op.attributes["p"]), shape)
        elif kind in ("flatten", "reshape"):
            x, shape = value(op.operands[0])
            shape = _static(shape, "a reshape")
            numel = 1
            for size in shape:
                numel *= size
            if kind == "flatten":
                rank = max(len(shape), 1)
                start, end = op.attributes["start"] % rank, op.attributes["end"] % rank
                if not shape:
                    target = [1]
                else:
                    middle = 1
                    for size in shape[start:end + 1]:
                        middle *= size
                    target = list(shape[:start]) + [middle] + list(shape[end + 1:])
            else:
                target = _resolve_shape(op.attributes["shape"], numel)
            values[node] = (builder.reshape(x, target), tuple(target))
        else:
            raise Unsupported(f"{kind} is not imported")
    raise Unsupported("the graph has no output")


# Matrix products that torch.autocast runs in float16/bfloat16: their float32
# operands are converted to the result's dtype (dynamo records the converted
# result dtype on the node; the conversion itself is implicit in its graph).
_AUTOCAST_KINDS = ("linear", "matmul", "addmm")


def _autocasts(kind, source, target):
    """Whether a `kind` node with `source` operands and a `target` result is
    torch.autocast's conversion of a matrix product."""
    return kind in _AUTOCAST_KINDS and source == torch.float32 and \
        target in (torch.float16, torch.bfloat16)


def _dtype_of(operand):
    if isinstance(operand, Param):
        return operand.get().dtype
    return tensor_info(operand)[1]


def _chunk_of(node, op_of):
    """The supported chunk that splits linear layer `node`, if one does."""
    users = list(node.users)
    if len(users) == 1 and op_of(users[0]) is not None and op_of(users[0]).kind == "chunk":
        return users[0]
    return None


def _shaped(value):
    """A built value with the shape the dialect inferred for it."""
    return value, value.shape


def _propagate_shapes(graph_module, example_inputs):
    from torch.fx.passes.shape_prop import ShapeProp

    with torch.no_grad():
        ShapeProp(graph_module).propagate(*example_inputs)


def _without_export_guards(graph_module):
    """`graph_module` without the input checks torch.export adds to
    `ExportedProgram.module()` (a `_guards_fn` submodule called on the inputs,
    its result unused): a copy, the caller's module unchanged. The compiled
    model checks its inputs' shapes at every call itself."""
    guards = {node.name for node in graph_module.graph.nodes
              if node.op == "call_module" and node.target == "_guards_fn" and not node.users}
    if not guards:
        return graph_module
    graph = torch.fx.Graph()
    outputs = graph.graph_copy(graph_module.graph, {})
    graph.output(outputs)
    for node in list(graph.nodes):
        if node.name in guards:
            graph.erase_node(node)
    return torch.fx.GraphModule(graph_module, graph)


def import_module(model, example_inputs, name="forward", context=None):
    """Traces `model` (an nn.Module or function) with torch.fx, or takes a
    torch.export ExportedProgram's module, and imports it whole: (hypatia
    Module, Signature). Raises Unsupported listing every node Hypatia cannot
    compile."""
    if isinstance(model, torch.export.ExportedProgram):
        model = model.module()
    graph_module = model if isinstance(model, torch.fx.GraphModule) else torch.fx.symbolic_trace(model)
    graph_module = _without_export_guards(graph_module)
    _propagate_shapes(graph_module, example_inputs)
    support = _Support(graph_module)
    if support.reasons:
        raise Unsupported("; ".join(f"{node.name}: {reason}"
                                    for node, reason in support.reasons.items()))
    return import_graph(graph_module, example_inputs, name, context, support)
