// Property test of --fuse-mlp: 40 random DAGs of hypatia ops (fresh per run)
// are fused; each must verify, compute the same results on the CPU (relative
// error <= 1e-5), cost no more, and fuse identically twice.
// RUN: rm -rf %t
// RUN: %python %hypatia_src/utils/fuse_mlp_property.py --bin %hypatia_obj/bin --seed %seed --count 40 --work %t | FileCheck %s

// CHECK-NOT: FAIL
// CHECK: 40 random functions, {{[0-9]+}} rewritten by --fuse-mlp, 0 failures
