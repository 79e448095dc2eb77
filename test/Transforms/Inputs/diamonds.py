"""Prints a chain of `units` diamonds, bf16 16384x64: h = x W, r = relu(h),
g = h V, x' = r * g (a GEMM result used by a relu and another GEMM). The
cheapest program computes h twice, inside r's and g's kernels, and never
materialises it: 3 kernels per unit instead of 4."""
import sys

units = int(sys.argv[1])
t = "tensor<16384x64xbf16>"
m = "tensor<64x64xbf16>"
lines, value = [], "%x"
for i in range(units):
    lines += [f"  %h{i} = hypatia.linear {value}, %w : ({t}, {m}) -> {t}",
              f"  %r{i} = hypatia.relu %h{i} : {t}",
              f"  %g{i} = hypatia.linear %h{i}, %v : ({t}, {m}) -> {t}",
              f"  %m{i} = hypatia.mul %r{i}, %g{i} : {t}"]
    value = f"%m{i}"
print(f"func.func @diamonds(%x: {t}, %w: {m}, %v: {m}) -> {t} {{")
print("\n".join(lines))
print(f"  return {value} : {t}\n}}")
