// A compiled CUDA model captured in a CUDA graph (hypatia.model's
// Function.graph) and replayed on new inputs in the same buffers, against
// float64 PyTorch with the output poisoned before each replay; and the same
// model built with --allow-tf32 (TF32 keeps 10 mantissa bits: an error
// above f32's, below 5e-3).
// REQUIRES: cuda
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-compile --target=cuda %s -o %t/model.so
// RUN: %python %hypatia_src/utils/check_graph_replay.py %t/model.so --seed %seed --batch 77 --rtol 1e-5 | FileCheck %s
// RUN: hypatia-compile --target=cuda --allow-tf32 %s -o %t/tf32.so
// RUN: %python %hypatia_src/utils/check_graph_replay.py %t/tf32.so --seed %seed --batch 77 --rtol 5e-3 --expect-above 1e-5 | FileCheck %s
// CHECK: PASS

func.func @mlp(%x: tensor<?x256xf32>, %w1: tensor<512x256xf32>, %b1: tensor<512xf32>,
               %w2: tensor<64x512xf32>, %b2: tensor<64xf32>) -> tensor<?x64xf32> {
  %h = hypatia.linear %x, %w1, %b1
      : (tensor<?x256xf32>, tensor<512x256xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %a = hypatia.relu %h : tensor<?x512xf32>
  %y = hypatia.linear %a, %w2, %b2
      : (tensor<?x512xf32>, tensor<64x512xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
