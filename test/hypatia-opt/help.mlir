// hypatia-opt --help lists Hypatia's passes and pipelines with descriptions.
// RUN: hypatia-opt --help | FileCheck %s

// CHECK-DAG: --hypatia-to-linalg {{.*}}Lower hypatia ops to linalg, tensor, arith and math on tensors
// CHECK-DAG: --hypatia-cpu-pipeline {{.*}}Lower hypatia ops to the LLVM dialect for the host CPU
