// RUN: hypatia-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// CHECK: module attributes {hypatia.target = #hypatia.target<cuda, chips = ["sm_89"], bandwidth_tbps = 3.350000e+00, peak_bf16_tflops = 9.890000e+02>}
module attributes {hypatia.target = #hypatia.target<cuda, peak_bf16_tflops = 989.0, chips = ["sm_89"], bandwidth_tbps = 3.35>} {
}

// -----

// A real figure may be written as an integer; it is kept as a float.
// CHECK: module attributes {hypatia.target = #hypatia.target<cuda, launch_us = 5.000000e+00, multiprocessors = 132>}
module attributes {hypatia.target = #hypatia.target<cuda, launch_us = 5, multiprocessors = 132>} {
}

// -----

// expected-error @+1 {{unknown target kind 'fpga': expected cpu or cuda}}
module attributes {hypatia.target = #hypatia.target<fpga>} {
}

// -----

// expected-error @+1 {{target figure 'launch_us' given twice}}
module attributes {hypatia.target = #hypatia.target<cuda, launch_us = 1.0, launch_us = 2.0>} {
}

// -----

// expected-error @+1 {{target figure 'bandwidth_tbps' must be a number in (0, inf)}}
module attributes {hypatia.target = #hypatia.target<cuda, bandwidth_tbps = 0.0>} {
}

// -----

// expected-error @+1 {{a cuda target needs at least one chip}}
module attributes {hypatia.target = #hypatia.target<cuda, chips = []>} {
}
