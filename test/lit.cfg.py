# -*- Python -*-
# Hypatia's lit configuration: FileCheck tests of the tools, CPU integration
# tests that execute and compare with a float64 reference, GPU tests
# (REQUIRES: cuda) and the GoogleTest unit tests.

import os
import random
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "Hypatia"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".c"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.hypatia_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Unit", "Inputs"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP", "PATH"])
llvm_config.use_default_substitutions()

tool_dirs = [config.hypatia_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    ["hypatia-opt", "hypatia-run", "hypatia-compile", "FileCheck", "not", "count"], tool_dirs
)

# Ahead of lit's own %python (the interpreter running lit): tests need the
# Python that has NumPy.
config.substitutions.insert(0, ("%python", config.python_executable))
config.substitutions.append(
    (
        "%reference",
        "{} {}".format(
            config.python_executable,
            os.path.join(config.hypatia_src_root, "utils", "reference.py"),
        ),
    )
)

# Runs a function of a model built by hypatia-compile through the Python
# package's ctypes loader, saving inputs and results as hypatia-run does.
config.substitutions.append(
    (
        "%run-model",
        "{} {}".format(
            config.python_executable,
            os.path.join(config.hypatia_src_root, "utils", "run_model.py"),
        ),
    )
)
config.environment["PYTHONPATH"] = os.pathsep.join(
    [os.path.join(config.hypatia_src_root, "python")]
    + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
)

# The C compiler Hypatia was built with, for tests of the public C headers.
if os.path.exists(config.c_compiler):
    config.available_features.add("c-compiler")
    config.substitutions.append(("%cc", config.c_compiler))

config.substitutions.append(("%hypatia_src", config.hypatia_src_root))
config.substitutions.append(("%hypatia_obj", config.hypatia_obj_root))

# Integration tests draw fresh random inputs on every run. The seed is part of
# each RUN line, so a failing command line shows it; HYPATIA_TEST_SEED pins it.
seed = os.environ.get("HYPATIA_TEST_SEED") or str(random.randrange(1, 2**31))
config.substitutions.append(("%seed", seed))
lit_config.note("random input seed: {} (set HYPATIA_TEST_SEED to repeat)".format(seed))


def has_cuda_device():
    if shutil.which("nvidia-smi") is None:
        return False
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def cuda_compute_capability():
    try:
        result = subprocess.run(
            ["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = result.stdout.split()
    return lines[0] if result.returncode == 0 and lines else None


if has_cuda_device():
    config.available_features.add("cuda")
    # Code for sm_90a (wgmma) runs on compute capability 9.0 only.
    if cuda_compute_capability() == "9.0":
        config.available_features.add("cuda-sm90a")

# Compiling for the GPU (gpu-module-to-binary) needs the CUDA toolkit's ptxas,
# not a GPU.
if shutil.which("ptxas") or os.path.exists("/usr/local/cuda/bin/ptxas"):
    config.available_features.add("cuda-toolkit")

# The extraction-quality test solves integer programs with SciPy (setup.sh
# installs it; the GPU machine may lack it).
if subprocess.run([config.python_executable, "-c", "import scipy.optimize"],
                  capture_output=True).returncode == 0:
    config.available_features.add("scipy")

# Listing the images of a fatbin needs the toolkit's cuobjdump (the GPU
# machine has it; the CPU machines do not).
cuobjdump = shutil.which("cuobjdump") or "/usr/local/cuda/bin/cuobjdump"
if os.path.exists(cuobjdump):
    config.available_features.add("cuobjdump")
    config.substitutions.append(("%cuobjdump", cuobjdump))
