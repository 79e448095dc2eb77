"""ctypes declarations of libHypatiaCAPI.so (include/hypatia/CAPI/Hypatia.h).

The library is found, in order: in $HYPATIA_LIBRARY_DIR; in the installed
package (hypatia/_lib, where `pip install .` puts it); in the build tree of a
source checkout (build/lib, or $HYPATIA_BUILD_DIR/lib).
"""

import ctypes
import os
import pathlib
import threading

from .errors import HypatiaError

CAPI_VERSION = 3
LIBRARY_NAME = "libHypatiaCAPI.so"

_library = None
_lock = threading.Lock()


def library_dirs():
    """Where libHypatiaCAPI.so (and the libraries models link) are looked for."""
    dirs = []
    if os.environ.get("HYPATIA_LIBRARY_DIR"):
        dirs.append(pathlib.Path(os.environ["HYPATIA_LIBRARY_DIR"]))
    package = pathlib.Path(__file__).resolve().parent
    dirs.append(package / "_lib")
    source_root = package.parent.parent
    if os.environ.get("HYPATIA_BUILD_DIR"):
        dirs.append(pathlib.Path(os.environ["HYPATIA_BUILD_DIR"]) / "lib")
    dirs.append(source_root / "build" / "lib")
    return dirs


def library_dir():
    """The directory libHypatiaCAPI.so was loaded from."""
    load()
    return _library._hypatia_dir


_P = ctypes.c_void_p
_I32, _I64, _STR = ctypes.c_int32, ctypes.c_int64, ctypes.c_char_p
_SIGNATURES = {
    "hypatiaGetCAPIVersion": (_I32, []),
    "hypatiaStringFree": (None, [_P]),
    "hypatiaContextCreate": (_P, []),
    "hypatiaContextDestroy": (None, [_P]),
    "hypatiaContextTakeDiagnostics": (_P, [_P]),
    "hypatiaModuleParse": (_P, [_P, _STR, ctypes.c_size_t, _STR]),
    "hypatiaModuleClone": (_P, [_P]),
    "hypatiaModuleDestroy": (None, [_P]),
    "hypatiaModulePrint": (_P, [_P, _I32]),
    "hypatiaModuleVerify": (_I32, [_P]),
    "hypatiaBuilderCreate": (_P, [_P, _STR]),
    "hypatiaBuilderDestroy": (None, [_P]),
    "hypatiaBuilderSetLocation": (None, [_P, _STR, _STR, _I32, _I32]),
    "hypatiaBuilderAddArgument": (_I64, [_P, _I32, _I32, ctypes.POINTER(_I64)]),
    "hypatiaBuilderLinear": (_I64, [_P, _I32, _I64, _I64, _I64]),
    "hypatiaBuilderActivation": (_I64, [_P, _I32, _I64]),
    "hypatiaBuilderDropout": (_I64, [_P, _I64, ctypes.c_double]),
    "hypatiaBuilderMul": (_I64, [_P, _I64, _I64]),
    "hypatiaBuilderAdd": (_I64, [_P, _I64, _I64]),
    "hypatiaBuilderConvert": (_I64, [_P, _I64, _I32]),
    "hypatiaBuilderMatmul": (_I64, [_P, _I64, _I64, _I32, _I32]),
    "hypatiaBuilderActivationGrad": (_I64, [_P, _I32, _I64, _I64]),
    "hypatiaBuilderSumRows": (_I64, [_P, _I64]),
    "hypatiaBuilderSliceRows": (_I64, [_P, _I64, _I64, _I64]),
    "hypatiaBuilderGetType": (_I32, [_P, _I64, ctypes.POINTER(_I32),
                                     ctypes.POINTER(_I64), _I32]),
    "hypatiaBuilderReshape": (_I64, [_P, _I64, _I32, ctypes.POINTER(_I64)]),
    "hypatiaBuilderFinish": (_P, [_P, _I32, ctypes.POINTER(_I64)]),
    "hypatiaPassManagerParse": (_P, [_P, _STR]),
    "hypatiaPassManagerDestroy": (None, [_P]),
    "hypatiaPassManagerRun": (_I32, [_P, _P]),
    "hypatiaCompileOptionsInit": (None, [_P]),
    "hypatiaCompile": (_I32, [_P, _P, _STR]),
    "hypatiaCompileCached": (_P, [_P, _P, _STR, ctypes.POINTER(_I32)]),
    "hypatiaGetVocabulary": (_STR, []),
}


class CompileOptions(ctypes.Structure):
    """HypatiaCompileOptions of hypatia/CAPI/Hypatia.h."""
    _fields_ = [("target", _I32), ("chips", _STR), ("fuse", _I32),
                ("allow_tf32", _I32), ("opt_level", _I32), ("host_cpu", _STR),
                ("linker", _STR), ("library_dir", _STR), ("reference", _I32)]


def load():
    """libHypatiaCAPI.so with its functions declared; loaded once."""
    global _library
    with _lock:
        if _library is not None:
            return _library
        tried = []
        for directory in library_dirs():
            path = directory / LIBRARY_NAME
            if not path.exists():
                tried.append(str(path))
                continue
            try:
                library = ctypes.CDLL(str(path), mode=ctypes.RTLD_LOCAL)
            except OSError as error:
                raise HypatiaError(f"cannot load {path}: {error}") from None
            break
        else:
            raise HypatiaError(
                f"cannot find {LIBRARY_NAME} (looked in: {', '.join(tried)}); "
                "install the package with `pip install .`, build the project, or "
                "set HYPATIA_LIBRARY_DIR")
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(library, name)
            function.restype = restype
            function.argtypes = argtypes
        version = library.hypatiaGetCAPIVersion()
        if version != CAPI_VERSION:
            raise HypatiaError(f"{path} has C API version {version}, this package "
                               f"needs version {CAPI_VERSION}")
        library._hypatia_dir = str(directory)
        _library = library
        return library


def take_string(pointer):
    """A string returned by the C API, freed."""
    if not pointer:
        return ""
    try:
        return ctypes.string_at(pointer).decode(errors="replace")
    finally:
        _library.hypatiaStringFree(pointer)


def int64_array(values):
    """`values` as a C int64_t array; ValueError for a value outside int64
    (ctypes would silently wrap it)."""
    values = [int(value) for value in values]
    for value in values:
        if not -2**63 <= value < 2**63:
            raise ValueError(f"{value} is outside the range of a 64-bit integer")
    return (_I64 * max(len(values), 1))(*values)
