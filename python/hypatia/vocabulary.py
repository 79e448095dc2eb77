"""The codes of hypatia/Runtime/Vocabulary.h (element types, activations,
status codes, targets), read from that header: Python and C share one
definition, and loading a compiled model needs no compiler library.

The installed package carries the header in hypatia/_include; a source tree
reads include/hypatia/Runtime/Vocabulary.h. test_vocabulary.py checks the
result against the C API's hypatiaGetVocabulary."""

import functools
import pathlib
import re

from .errors import HypatiaError

_PACKAGE = pathlib.Path(__file__).resolve().parent
_CANDIDATES = (
    _PACKAGE / "_include" / "Vocabulary.h",
    _PACKAGE.parent.parent / "include" / "hypatia" / "Runtime" / "Vocabulary.h",
)
_LIST = re.compile(r"#define HYPATIA_FOR_EACH_(\w+)\(X\)((?:[^\n]*\\\n)*[^\n]*)")
_ENTRY = re.compile(r"X\((\w+),\s*(\w+),\s*(\d+)\)")


@functools.cache
def _tables():
    for path in _CANDIDATES:
        if path.exists():
            text = path.read_text()
            break
    else:
        raise HypatiaError("cannot find Vocabulary.h (looked in: "
                           + ", ".join(map(str, _CANDIDATES)) + ")")
    tables = {}
    for kind, body in _LIST.findall(text):
        tables[kind.lower()] = {name: int(code) for _, name, code in _ENTRY.findall(body)}
    return tables


def codes(kind):
    """{name: code} for `kind` ("dtype", "activation", "status", "target")."""
    return _tables()[kind]


def names(kind):
    """{code: name} for `kind`."""
    return {code: name for name, code in _tables()[kind].items()}
