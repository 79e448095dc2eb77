# Hypatia links MLIR one way: its static libraries, with LLVM from libLLVM.so.
#
# A few of the targets exported by Debian's MLIR package (MLIRExecutionEngine,
# MLIRJitRunner) list libMLIR.so in their link interface, which would put a
# second copy of MLIR (and its global registries) into the process. Those archives
# are re-declared here with their static dependencies instead.

function(hypatia_add_static_mlir_archive name archive)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  set(path "${MLIR_INSTALL_PREFIX}/lib/lib${archive}.a")
  if(NOT EXISTS "${path}")
    get_target_property(path ${archive} IMPORTED_LOCATION_RELWITHDEBINFO)
  endif()
  add_library(${name} STATIC IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES
    IMPORTED_LOCATION "${path}"
    INTERFACE_LINK_LIBRARIES "${ARG_DEPS};LLVM")
endfunction()

hypatia_add_static_mlir_archive(HypatiaMLIRExecutionEngine MLIRExecutionEngine
  DEPS MLIRExecutionEngineUtils MLIRLLVMDialect MLIRLLVMToLLVMIRTranslation
       MLIRTargetLLVMIRExport MLIRBuiltinToLLVMIRTranslation MLIRIR
       MLIRSupport)
