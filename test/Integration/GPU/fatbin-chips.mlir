// A compiled CUDA model carries device code for every chip of its target in
// one fatbin: by default a cubin for sm_80, sm_86, sm_89 and sm_90 and the PTX
// of sm_90 (for newer chips); with --chip, only those. The SiLU runs as a
// generated kernel, so the model has device code.
// REQUIRES: cuda-toolkit, cuobjdump
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-compile --target=cuda %s -o %t/default.so
// RUN: %python %hypatia_src/utils/extract_fatbin.py %t/default.so %t/default | FileCheck %s --check-prefix=ONE
// RUN: %cuobjdump --list-elf --list-ptx %t/default0.fatbin | FileCheck %s
// RUN: hypatia-compile --target=cuda --chip=sm_86 %s -o %t/ampere.so
// RUN: %python %hypatia_src/utils/extract_fatbin.py %t/ampere.so %t/ampere
// RUN: %cuobjdump --list-elf --list-ptx %t/ampere0.fatbin > %t/ampere.txt
// RUN: FileCheck %s --check-prefix=AMPERE < %t/ampere.txt
// RUN: not grep -e sm_80 -e sm_89 -e sm_90 %t/ampere.txt

// ONE: 1
// CHECK-DAG: sm_80.cubin
// CHECK-DAG: sm_86.cubin
// CHECK-DAG: sm_89.cubin
// CHECK-DAG: sm_90.cubin
// CHECK-DAG: sm_90.ptx
// AMPERE-DAG: sm_86.cubin
// AMPERE-DAG: sm_86.ptx
func.func @silu_layer(%x: tensor<?x64xf32>, %w: tensor<256x64xf32>, %b: tensor<256xf32>) -> tensor<?x256xf32> {
  %0 = hypatia.fused_linear_silu %x, %w, %b : (tensor<?x64xf32>, tensor<256x64xf32>, tensor<256xf32>) -> tensor<?x256xf32>
  return %0 : tensor<?x256xf32>
}
