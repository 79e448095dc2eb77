"""The codes of hypatia/Runtime/Vocabulary.h (element types, activations,
status codes, targets), read from the C API library so that Python and C share
one definition."""

import functools

from . import _capi


@functools.cache
def _tables():
    tables = {}
    for line in _capi.load().hypatiaGetVocabulary().decode().splitlines():
        kind, name, code = line.split()
        tables.setdefault(kind, {})[name] = int(code)
    return tables


def codes(kind):
    """{name: code} for `kind` ("dtype", "activation", "status", "target")."""
    return _tables()[kind]


def names(kind):
    """{code: name} for `kind`."""
    return {code: name for name, code in _tables()[kind].items()}
