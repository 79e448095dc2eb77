"""The Python package reads the same codes as the C interfaces use."""

from hypatia import _capi, vocabulary


def test_header_tables_match_the_c_api():
    from_c = {}
    for line in _capi.load().hypatiaGetVocabulary().decode().splitlines():
        kind, name, code = line.split()
        from_c.setdefault(kind, {})[name] = int(code)
    assert {kind: vocabulary.codes(kind) for kind in from_c} == from_c
    assert set(from_c) == {"dtype", "activation", "status", "target"}
    assert vocabulary.codes("dtype") == {"f32": 0, "f16": 1, "bf16": 2}
    assert vocabulary.names("activation")[2] == "gelu_erf"
