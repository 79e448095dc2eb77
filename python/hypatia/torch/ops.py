"""The PyTorch operations Hypatia imports, in every spelling torch.fx graphs
use for them (module, functional, tensor method, aten), normalized to one
description each.

`describe(node, modules)` returns an `Op` (what the node computes, with its
operands) or raises `Unsupported` saying why not. It looks at one node and
the shapes and dtypes recorded on it; `importer` builds the hypatia IR.
"""

import operator
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16"}


class Unsupported(Exception):
    """A node Hypatia cannot compile; the message says why."""


class Param:
    """A tensor the graph reads from a module (a get_attr node or a module's
    parameter): a function argument fetched at each call, so that updated
    weights are used."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def get(self):
        return getattr(self.owner, self.name)

    def __repr__(self):
        return f"<{type(self.owner).__name__}.{self.name}>"


class Op:
    """`kind` with its operands (nodes, Params, None) and attributes."""

    def __init__(self, kind, operands, **attributes):
        self.kind = kind
        self.operands = operands
        self.attributes = attributes

    def __repr__(self):
        return f"Op({self.kind}, {self.operands}, {self.attributes})"


def tensor_info(node):
    """(shape, dtype) recorded on a node by dynamo (example_value), make_fx
    (val) or ShapeProp (tensor_meta); (None, None) if nothing is recorded."""
    value = node.meta.get("example_value", node.meta.get("val"))
    if isinstance(value, torch.Tensor):
        return tuple(value.shape), value.dtype
    meta = node.meta.get("tensor_meta")
    if meta is not None and hasattr(meta, "dtype"):
        return tuple(meta.shape), meta.dtype
    return None, None


def location(node):
    """(file, line) of the Python source a node came from, if recorded."""
    trace = node.meta.get("stack_trace") or ""
    found = re.findall(r'File "([^"]+)", line (\d+)', trace)
    if found:
        return found[-1][0], int(found[-1][1])
    return None, 0


def _arg(node, index, name, default=None):
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)


_RELU = {F.relu, torch.relu, torch.nn.functional.relu, torch.ops.aten.relu.default}
_GELU = {F.gelu, torch.ops.aten.gelu.default}
_SILU = {F.silu, torch.ops.aten.silu.default}
_LINEAR = {F.linear, torch._C._nn.linear, torch.ops.aten.linear.default}
_ADDMM = {torch.addmm, torch.ops.aten.addmm.default}
_MATMUL = {torch.matmul, operator.matmul, torch.mm, torch.ops.aten.mm.default,
           torch.ops.aten.matmul.default}
_ADD = {operator.add, torch.add, torch.ops.aten.add.Tensor}
_MUL = {operator.mul, torch.mul, torch.ops.aten.mul.Tensor}
_CHUNK = {torch.chunk, torch.ops.aten.chunk.default}
_TRANSPOSE = {torch.t, torch.ops.aten.t.default, torch.transpose,
              torch.ops.aten.transpose.int, torch.permute, torch.ops.aten.permute.default}
_DROPOUT = {F.dropout, torch.dropout, torch.ops.aten.dropout.default}
_FLATTEN = {torch.flatten}
_RESHAPE = {torch.reshape, torch.ops.aten.view.default, torch.ops.aten.reshape.default,
            torch.ops.aten._unsafe_view.default}
_IDENTITY_METHODS = {"contiguous"}
_IDENTITY = {torch.ops.aten.detach.default, torch.ops.aten.alias.default}
# The backward ops of AOTAutograd's graphs (training).
_THRESHOLD_BACKWARD = {torch.ops.aten.threshold_backward.default}
_GELU_BACKWARD = {torch.ops.aten.gelu_backward.default}
_SILU_BACKWARD = {torch.ops.aten.silu_backward.default}
_SUM = {torch.ops.aten.sum.dim_IntList}


def _inplace(node):
    return bool(node.kwargs.get("inplace", False))


def _transposes_2d(node, dims):
    """Whether transpose/permute arguments swap the two dims of a matrix."""
    dims = [d % 2 if isinstance(d, int) else d for d in dims]
    return dims in ([0, 1], [1, 0]) and dims[0] != dims[1]


def _gelu_approximation(value):
    if value in ("none", "tanh"):
        return value
    raise Unsupported(f"gelu approximation {value!r}")


def _describe_module(node, module):
    x = node.args[0] if node.args else node.kwargs.get("input")
    if isinstance(module, nn.Linear):
        return Op("linear", [x, Param(module, "weight"),
                             Param(module, "bias") if module.bias is not None else None])
    if isinstance(module, nn.ReLU):
        if module.inplace:
            return Op("relu", [x], inplace=True)
        return Op("relu", [x])
    if isinstance(module, nn.GELU):
        return Op("gelu", [x], approximate=_gelu_approximation(module.approximate))
    if isinstance(module, nn.SiLU):
        return Op("silu", [x], inplace=module.inplace)
    if isinstance(module, nn.Dropout):
        if module.training and module.p > 0:
            raise Unsupported("nn.Dropout in training mode (call model.eval())")
        return Op("dropout", [x], p=module.p)
    if isinstance(module, nn.Identity):
        return Op("identity", [x])
    if isinstance(module, nn.Flatten):
        return Op("flatten", [x], start=module.start_dim, end=module.end_dim)
    raise Unsupported(f"module {type(module).__name__}")


def describe(node, modules):
    """What `node` computes, as an Op; raises Unsupported."""
    if node.op == "call_module":
        return _describe_module(node, modules[node.target])
    target = node.target
    if node.op == "call_method":
        x = node.args[0]
        if target in ("relu", "relu_"):
            return Op("relu", [x], inplace=target == "relu_")
        if target == "t":
            return Op("transpose", [x])
        if target in ("transpose", "permute"):
            dims = list(node.args[1:]) if target == "transpose" else (
                list(node.args[1]) if len(node.args) == 2 and isinstance(node.args[1], (list, tuple))
                else list(node.args[1:]))
            if len(dims) == 2 and _transposes_2d(node, dims):
                return Op("transpose", [x])
            raise Unsupported(f"{target}{tuple(dims)} (only the transpose of a matrix)")
        if target == "flatten":
            return Op("flatten", [x], start=_arg(node, 1, "start_dim", 0),
                      end=_arg(node, 2, "end_dim", -1))
        if target in ("reshape", "view"):
            shape = node.args[1:]
            if len(shape) == 1 and isinstance(shape[0], (list, tuple, torch.Size)):
                shape = shape[0]
            return Op("reshape", [x], shape=tuple(shape))
        if target in ("mul", "add"):
            if node.kwargs.get("alpha", 1) != 1:
                raise Unsupported("add with alpha")
            return Op(target, [x, _arg(node, 1, "other")])
        if target == "chunk":
            return Op("chunk", [x], chunks=_arg(node, 1, "chunks"), dim=_arg(node, 2, "dim", 0))
        if target in _IDENTITY_METHODS:
            return Op("identity", [x])
        raise Unsupported(f"tensor method .{target}()")
    if node.op != "call_function":
        raise Unsupported(f"{node.op} node")
    if target in _LINEAR:
        return Op("linear", [_arg(node, 0, "input"), _arg(node, 1, "weight"),
                             _arg(node, 2, "bias")])
    if target in _RELU or target in (torch.relu_, F.relu_):
        return Op("relu", [_arg(node, 0, "input")],
                  inplace=_inplace(node) or target in (torch.relu_, F.relu_))
    if target in _GELU:
        return Op("gelu", [_arg(node, 0, "input")],
                  approximate=_gelu_approximation(_arg(node, 1, "approximate", "none")))
    if target in _SILU:
        return Op("silu", [_arg(node, 0, "input")], inplace=_inplace(node))
    if target in _DROPOUT:
        p, training = _arg(node, 1, "p", 0.5), _arg(node, 2, "training", True)
        if training and p > 0:
            raise Unsupported("dropout in training mode (call model.eval())")
        return Op("dropout", [_arg(node, 0, "input")], p=p, inplace=bool(_arg(node, 3, "inplace")))
    if target in _IDENTITY:
        return Op("identity", [node.args[0]])
    if target in _THRESHOLD_BACKWARD:
        grad, x, threshold = node.args[:3]
        if threshold != 0:
            raise Unsupported(f"threshold_backward at {threshold!r} (a ReLU's is at 0)")
        return Op("activation_grad", [grad, x], activation="relu")
    if target in _GELU_BACKWARD:
        approximate = _gelu_approximation(_arg(node, 2, "approximate", "none"))
        return Op("activation_grad", [node.args[0], node.args[1]],
                  activation="gelu_tanh" if approximate == "tanh" else "gelu")
    if target in _SILU_BACKWARD:
        return Op("activation_grad", [node.args[0], node.args[1]], activation="silu")
    if target in _SUM:
        dims = _arg(node, 1, "dim")
        if node.kwargs.get("dtype") is not None:
            raise Unsupported("sum with a dtype")
        return Op("sum", [node.args[0]], dims=tuple(dims) if dims is not None else None,
                  keepdim=bool(_arg(node, 2, "keepdim", False)))
    if target in _ADDMM:
        beta, alpha = node.kwargs.get("beta", 1), node.kwargs.get("alpha", 1)
        if beta != 1 or alpha != 1:
            raise Unsupported(f"addmm with beta={beta}, alpha={alpha}")
        return Op("addmm", [_arg(node, 0, "input"), _arg(node, 1, "mat1"), _arg(node, 2, "mat2")])
    if target in _MATMUL:
        return Op("matmul", [node.args[0], node.args[1]])
    if target in _ADD:
        if node.kwargs.get("alpha", 1) != 1 or len(node.args) != 2:
            raise Unsupported("add with alpha")
        return Op("add", list(node.args))
    if target in _MUL:
        if len(node.args) != 2 or node.kwargs:
            raise Unsupported("mul with keyword arguments")
        return Op("mul", list(node.args))
    if target in _CHUNK:
        return Op("chunk", [_arg(node, 0, "input")], chunks=_arg(node, 1, "chunks"),
                  dim=_arg(node, 2, "dim", 0))
    if target is operator.getitem and isinstance(node.args[1], int):
        return Op("getitem", [node.args[0]], index=node.args[1])
    if target is getattr and len(node.args) == 2 and node.args[1] in ("T", "mT"):
        return Op("transpose", [node.args[0]])
    if target in _TRANSPOSE:
        dims = [d for d in node.args[1:]]
        if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
            dims = list(dims[0])
        if target in (torch.t, torch.ops.aten.t.default) or (
                len(dims) == 2 and _transposes_2d(node, dims)):
            return Op("transpose", [node.args[0]])
        raise Unsupported(f"{getattr(target, '__name__', target)}{tuple(dims)}")
    if target in _FLATTEN:
        return Op("flatten", [_arg(node, 0, "input")], start=_arg(node, 1, "start_dim", 0),
                  end=_arg(node, 2, "end_dim", -1))
    if target in _RESHAPE:
        return Op("reshape", [node.args[0]], shape=tuple(node.args[1]))
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", str(target))
    module = getattr(target, "__module__", None)
    raise Unsupported(f"{module + '.' if module and module != 'builtins' else ''}{name}")
