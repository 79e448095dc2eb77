// RUN: hypatia-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// CHECK: module attributes {hypatia.target = #hypatia.target<cuda, chips = ["sm_89"], bandwidth_gbps = 3350, peak_bf16_gflops = 989000>}
module attributes {hypatia.target = #hypatia.target<cuda, peak_bf16_gflops = 989000, chips = ["sm_89"], bandwidth_gbps = 3350>} {
}

// -----

// expected-error @+1 {{unknown target kind 'fpga': expected cpu or cuda}}
module attributes {hypatia.target = #hypatia.target<fpga>} {
}

// -----

// expected-error @+1 {{target figure 'launch_ns' given twice}}
module attributes {hypatia.target = #hypatia.target<cuda, launch_ns = 1, launch_ns = 2>} {
}

// -----

// expected-error @+1 {{target figure 'bandwidth_gbps' must be an integer in [1, inf], got 0}}
module attributes {hypatia.target = #hypatia.target<cuda, bandwidth_gbps = 0>} {
}

// -----

// expected-error @+1 {{a cuda target needs at least one chip}}
module attributes {hypatia.target = #hypatia.target<cuda, chips = []>} {
}
