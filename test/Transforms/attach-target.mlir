// RUN: hypatia-opt %s --hypatia-attach-target --split-input-file | FileCheck %s
// RUN: hypatia-opt %s --hypatia-attach-target="kind=cuda chips=sm_80,sm_90 overrides=launch_us=0,fused_mlp_max_width=128" --split-input-file | FileCheck %s --check-prefix=OVERRIDES
// RUN: not hypatia-opt %s --hypatia-attach-target=kind=cpu --split-input-file 2>&1 | FileCheck %s --check-prefix=CPU
// Real figures given as integers are stored as floats: the result parses again.
// RUN: hypatia-opt %s --hypatia-attach-target="chips=sm_90 overrides=bandwidth_tbps=3" --split-input-file | hypatia-opt --split-input-file | FileCheck %s --check-prefix=MERGE
// RUN: not hypatia-opt %s --hypatia-attach-target=kind=tpu 2>&1 | FileCheck %s --check-prefix=BAD-KIND
// RUN: not hypatia-opt %s --hypatia-attach-target=overrides=launch_us 2>&1 | FileCheck %s --check-prefix=BAD-OVERRIDE
// RUN: not hypatia-opt %s --hypatia-attach-target=overrides=warp_size=32 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not hypatia-opt %s --hypatia-attach-target=chips=sm_50 2>&1 | FileCheck %s --check-prefix=OLD-CHIP
// RUN: not hypatia-opt %s --hypatia-attach-target=chips=sm_9x 2>&1 | FileCheck %s --check-prefix=BAD-CHIP
// RUN: hypatia-opt %s --hypatia-attach-target=chips=sm_90a --split-input-file | FileCheck %s --check-prefix=HOPPER
// RUN: not hypatia-opt %s --hypatia-attach-target="kind=cpu chips=sm_90" 2>&1 | FileCheck %s --check-prefix=CPU-CHIPS

// BAD-KIND: error: hypatia-attach-target: unknown kind 'tpu': expected cpu or cuda
// BAD-OVERRIDE: error: hypatia-attach-target: override 'launch_us' is not name=number
// UNKNOWN: error: hypatia-attach-target: unknown target figure 'warp_size'
// OLD-CHIP: error: hypatia-attach-target: chip "sm_50" is not a CUDA chip CUDA 13 builds for ("sm_75" or newer, "sm_90a" for wgmma)
// BAD-CHIP: error: hypatia-attach-target: chip "sm_9x" is not a CUDA chip
// CPU-CHIPS: error: hypatia-attach-target: chips apply to cuda targets only

// Only what differs from the kind's defaults is stored.
// CHECK: module attributes {hypatia.target = #hypatia.target<cuda>}
// OVERRIDES: module attributes {hypatia.target = #hypatia.target<cuda, chips = ["sm_80", "sm_90"], fused_mlp_max_width = 128, launch_us = 0.000000e+00>}
// CPU-DAG: module attributes {hypatia.target = #hypatia.target<cpu>}
// Hopper's arch-specific target (wgmma) is a chip of its own.
// HOPPER: module attributes {hypatia.target = #hypatia.target<cuda, chips = ["sm_90a"]>}
module {
}

// -----

// A module that has a target of the same kind keeps it; one of another kind
// is an error.
// CHECK: module attributes {hypatia.target = #hypatia.target<cuda, launch_us = 5.000000e+00>}
// Options given replace the module's chips and figures of the same names.
// MERGE: module attributes {hypatia.target = #hypatia.target<cuda, chips = ["sm_90"], bandwidth_tbps = 3.000000e+00, launch_us = 5.000000e+00>}
// CPU-DAG: attach-target.mlir:[[@LINE+1]]:1: error: the module is compiled for cuda (its hypatia.target), not for cpu
module attributes {hypatia.target = #hypatia.target<cuda, launch_us = 5.0>} {
}
