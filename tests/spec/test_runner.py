"""The spec runner's own logic (no VM needed): value parsing and comparison,
NaN rules, message matching, stream parsing, known failures, baseline."""
import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import driver  # noqa: E402
import run_spec as rs  # noqa: E402
from mp import check_mp  # noqa: E402


# ------------------------------------------------------------ NaN rules

@pytest.mark.parametrize("bits,canon,arith", [
    (0x7FC00000, True, True),     # the canonical NaN
    (0xFFC00000, True, True),     # sign is free
    (0x7FC00001, False, True),    # quiet + payload: arithmetic only
    (0xFFE00000, False, True),
    (0x7FA00000, False, False),   # signalling NaN
    (0x7F800001, False, False),
    (0x7F800000, False, False),   # +inf
    (0x3F800000, False, False),   # 1.0
    (0x00400000, False, False),   # quiet bit set, exponent not all ones
])
def test_nan_f32(bits, canon, arith):
    assert rs.nan_ok("nan:canonical", "f32", bits) is canon
    assert rs.nan_ok("nan:arithmetic", "f32", bits) is arith


@pytest.mark.parametrize("bits,canon,arith", [
    (0x7FF8000000000000, True, True),
    (0xFFF8000000000000, True, True),
    (0x7FF8000000000001, False, True),
    (0xFFFC000000000000, False, True),
    (0x7FF4000000000000, False, False),
    (0x7FF0000000000001, False, False),
    (0x7FF0000000000000, False, False),
    (0x7FC0000000000000, False, False),   # an f32 pattern is not an f64 NaN
    (0x000000007FC00000, False, False),
])
def test_nan_f64(bits, canon, arith):
    assert rs.nan_ok("nan:canonical", "f64", bits) is canon
    assert rs.nan_ok("nan:arithmetic", "f64", bits) is arith


def test_nan_unknown_pattern():
    with pytest.raises(ValueError):
        rs.nan_ok("nan:whatever", "f32", 0x7FC00000)


# ------------------------------------------------------------ messages

@pytest.mark.parametrize("got,expected,ok", [
    ("integer divide by zero", "integer divide by zero", True),
    ("unknown elem segment", "unknown elem segment 4", False),      # detail missing
    ("uninitialized element", "uninitialized element 2", False),
    ("uninitialized element 3", "uninitialized element 2", False),
    ("uninitialized element 2", "uninitialized element 2", True),
    ("uninitialized element 2", "uninitialized element", True),     # spec abbreviates
    ("unknown local 3", "unknown local", True),
    ("unknown locals", "unknown local", False),
    ("integer overflow", "integer divide by zero", False),
    ("", "unreachable", False),
    (None, "unreachable", False),
    ("unreachable executed", "unreachable", True),      # the reference interpreter's text
    ("unreachables", "unreachable", False),
    ("start function must not have parameters or results", "start function", True),
    ("indirect call type mismatch 3", "indirect call type mismatch", False),  # complete text
    ("out of bounds memory access 5", "out of bounds memory access", False),
    ("type mismatch", "type mismatch", True),
    ("type mismatch: instruction requires [i32] but stack has []", "type mismatch", True),
    ("unexpected end", "unexpected end of section or function", False),
    ("unexpected end of section or function", "unexpected end", True),
    ("out of bounds memory access", "out of bounds table access", False),
])
def test_msg_matches(got, expected, ok):
    assert rs.msg_matches(got, expected) is ok


# ------------------------------------------------------------ values

def test_parse_arg_numbers_are_bit_patterns():
    ex = rs.Externs()
    assert rs.parse_arg({"type": "i32", "value": "4294967295"}, ex) == 0xFFFFFFFF
    assert rs.parse_arg({"type": "i64", "value": "18446744073709551615"}, ex) == 2 ** 64 - 1
    assert rs.parse_arg({"type": "f32", "value": "2143289344"}, ex) == 0x7FC00000
    assert rs.parse_arg({"type": "f64", "value": "9218868437227405312"}, ex) == 0x7FF0000000000000


def test_parse_arg_refs_identity():
    ex = rs.Externs()
    a = rs.parse_arg({"type": "externref", "value": "1"}, ex)
    b = rs.parse_arg({"type": "externref", "value": "1"}, ex)
    c = rs.parse_arg({"type": "externref", "value": "2"}, ex)
    assert a is b and a is not c and a.n == 1
    assert rs.parse_arg({"type": "externref", "value": "null"}, ex) is None
    assert rs.parse_arg({"type": "funcref", "value": "null"}, ex) is None
    # 3.0: `ref.host N` as an anyref is the host object of `ref.extern N`
    assert rs.parse_arg({"type": "anyref", "value": "1"}, ex) is a
    for t in ("anyref", "exnref", "nullref", "refnull"):
        assert rs.parse_arg({"type": t, "value": "null"}, ex) is None
    with pytest.raises(ValueError):
        rs.parse_arg({"type": "funcref", "value": "3"}, ex)
    with pytest.raises(ValueError):
        rs.parse_arg({"type": "nosuchtype", "value": "0"}, ex)


def test_v128_lanes():
    ex = rs.Externs()
    v = rs.parse_arg({"type": "v128", "lane_type": "i32",
                      "value": ["1", "2", "3", "4294967295"]}, ex)
    assert v == 1 | 2 << 32 | 3 << 64 | 0xFFFFFFFF << 96
    assert rs.v128_lanes("i16", v)[:3] == [1, 0, 2]
    assert rs.v128_lanes("i8", bytes(range(16))) == list(range(16))
    assert rs.v128_from_lanes("i64", ["18446744073709551615", "0"]) == 2 ** 64 - 1
    with pytest.raises(ValueError):
        rs.v128_from_lanes("i64", ["1"])
    e = {"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4294967295"]}
    assert rs.check_value(e, v, ex) is None
    assert rs.check_value(e, v.to_bytes(16, "little"), ex) is None
    r = rs.check_value(e, v ^ (1 << 64), ex)
    assert r is not None and "lane 2" in r
    assert rs.check_value(e, -1, ex) is not None
    assert rs.check_value(e, 1 << 128, ex) is not None
    assert rs.check_value(e, b"short", ex) is not None
    # float lanes: NaN patterns per lane, exact bits otherwise
    f = {"type": "v128", "lane_type": "f32",
         "value": ["nan:canonical", "nan:arithmetic", "0", "2147483648"]}
    good = rs.v128_from_lanes("f32", [0xFFC00000, 0x7FC00001, 0, 0x80000000])
    assert rs.check_value(f, good, ex) is None
    assert rs.check_value(f, rs.v128_from_lanes("f32", [0x7FC00001, 0x7FC00001, 0, 0x80000000]), ex)
    assert rs.check_value(f, rs.v128_from_lanes("f32", [0x7FC00000, 0x7FC00001, 0, 0]), ex)


def test_either():
    ex = rs.Externs()
    ch = [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]
    assert rs.check_either(ch, [2], ex) is None
    assert rs.check_either(ch, [1], ex) is None
    assert "none of 2" in rs.check_either(ch, [3], ex)
    assert rs.check_either(ch, [1, 2], ex) is not None


def test_reference_result_forms():
    ex = rs.Externs()
    kinds = {"f": "func", "s": "struct", "a": "array", "i": "i31", "x": "exn", "h": "host"}
    kind = lambda v: kinds[v] if isinstance(v, str) else "host"
    for t in ("refnull", "nullref", "nullfuncref", "nullexternref", "nullexnref"):
        assert rs.check_value({"type": t}, None, ex, kind) is None
        assert rs.check_value({"type": t}, "s", ex, kind) is not None
    for t in ("anyref", "exnref", "funcref", "externref"):
        assert rs.check_value({"type": t, "value": "null"}, None, ex, kind) is None
        assert rs.check_value({"type": t, "value": "null"}, "f", ex, kind) is not None
    ok = {"funcref": "f", "structref": "s", "arrayref": "a", "i31ref": "i", "exnref": "x",
          "externref": "h"}
    for t, v in ok.items():
        assert rs.check_value({"type": t}, v, ex, kind) is None, t
        assert rs.check_value({"type": t}, None, ex, kind) is not None, t
    for v in "sai":
        assert rs.check_value({"type": "eqref"}, v, ex, kind) is None
    assert rs.check_value({"type": "eqref"}, "f", ex, kind) is not None
    assert rs.check_value({"type": "structref"}, "a", ex, kind) is not None
    assert rs.check_value({"type": "i31ref"}, "h", ex, kind) is not None
    # `ref.host N` seen as an anyref: that very host object
    h = ex.get(4)
    assert rs.check_value({"type": "anyref", "value": "4"}, h, ex, kind) is None
    assert rs.check_value({"type": "anyref", "value": "4"}, ex.get(5), ex, kind) is not None


def test_join_surrogates():
    assert rs.join_surrogates("abc") == "abc"
    assert rs.join_surrogates("a\ud804\udc7fb") == "a\U0001107fb"
    assert rs.join_surrogates("\ud804") == "\ud804"


def test_check_value_ints_exact_unsigned():
    ex = rs.Externs()
    e = {"type": "i32", "value": "4294967295"}
    assert rs.check_value(e, 0xFFFFFFFF, ex) is None
    r = rs.check_value(e, -1, ex)
    assert r is not None and "negative" in r
    assert rs.check_value({"type": "i64", "value": "5"}, 6, ex) is not None
    assert rs.check_value({"type": "i32", "value": "1"}, True, ex) is not None
    assert rs.check_value({"type": "i32", "value": "1"}, 1.0, ex) is not None


def test_check_value_floats():
    ex = rs.Externs()
    assert rs.check_value({"type": "f32", "value": "2139095040"}, 0x7F800000, ex) is None
    # -0.0 and +0.0 differ in bits
    assert rs.check_value({"type": "f64", "value": "0"}, 0x8000000000000000, ex) is not None
    assert rs.check_value({"type": "f32", "value": "nan:canonical"}, 0xFFC00000, ex) is None
    assert rs.check_value({"type": "f32", "value": "nan:canonical"}, 0x7FC00001, ex) is not None
    assert rs.check_value({"type": "f32", "value": "nan:arithmetic"}, 0x7FC00001, ex) is None
    assert rs.check_value({"type": "f64", "value": "nan:arithmetic"}, 0x7FF0000000000001, ex) is not None
    assert rs.check_value({"type": "f64", "value": "nan:canonical"}, float("nan"), ex) is not None


def test_check_value_refs():
    ex = rs.Externs()
    one = ex.get(1)
    assert rs.check_value({"type": "externref", "value": "1"}, one, ex) is None
    assert rs.check_value({"type": "externref", "value": "1"}, rs.HostRef(1), ex) is not None
    assert rs.check_value({"type": "externref", "value": "null"}, None, ex) is None
    assert rs.check_value({"type": "externref", "value": "null"}, one, ex) is not None
    assert rs.check_value({"type": "funcref", "value": "null"}, None, ex) is None
    assert rs.check_value({"type": "funcref", "value": "0"}, object(), ex) is None
    assert rs.check_value({"type": "funcref", "value": "0"}, None, ex) is not None
    # only the type is given (assert_trap's expected list): nothing to check
    assert rs.check_value({"type": "externref"}, 5, ex) is None


def test_check_results_arity_and_position():
    ex = rs.Externs()
    exp = [{"type": "i32", "value": "1"}, {"type": "i64", "value": "2"}]
    assert rs.check_results(exp, [1, 2], ex) is None
    assert rs.check_results(exp, (1, 2), ex) is None
    assert "2 result" in rs.check_results(exp, [1], ex)
    assert rs.check_results(exp, [1, 3], ex).startswith("result 1:")
    assert rs.check_results([], [], ex) is None
    assert rs.check_results([], None, ex) is not None


def test_python_values_keep_bits():
    """--python-values: raw -> Python value -> raw is the identity, -0.0 and
    signalling NaNs included."""
    cases = [(0x7F, 0x80000000), (0x7F, 5), (0x7E, 0xFFFFFFFFFFFFFFFF),
             (0x7D, 0x80000000), (0x7D, 0x7F800001), (0x7D, 0xFFA00000),
             (0x7D, 0x7FC00000), (0x7D, 0x3F800000), (0x7C, 0x8000000000000000),
             (0x7C, 0x7FF0000000000001), (0x7C, 0xFFF4000000000000)]
    for t, raw in cases:
        v = rs.py_value(t, raw)
        assert rs.raw_value(t, v) == raw, (t, hex(raw), v)
    assert rs.py_value(0x7F, 0xFFFFFFFF) == -1
    assert str(rs.py_value(0x7D, 0x80000000)) == "-0.0"
    ref = object()
    assert rs.py_value(0x6F, ref) is ref and rs.raw_value(0x6F, ref) is ref


def test_normalize_global():
    assert rs.normalize_global("i32", -1) == 0xFFFFFFFF
    assert rs.normalize_global("i64", -2) == 2 ** 64 - 2
    assert rs.normalize_global("f32", 5) == 5
    assert rs.normalize_global("externref", None) is None


def test_is_counted():
    assert rs.is_counted({"type": "assert_return"})
    assert rs.is_counted({"type": "module", "filename": "a.0.wasm"})
    assert rs.is_counted({"type": "assert_malformed", "module_type": "binary"})
    assert not rs.is_counted({"type": "assert_malformed", "module_type": "text"})
    assert not rs.is_counted({"type": "assert_invalid", "module_type": "text"})
    assert not rs.is_counted({"type": "module", "module_type": "text"})
    assert not rs.is_counted({"type": "something_new"})
    # 3.0 kinds; a quoted invalid module that also has its binary form runs
    assert rs.is_counted({"type": "assert_exception"})
    assert rs.is_counted({"type": "instance"})
    assert rs.is_counted({"type": "assert_invalid", "module_type": "text",
                          "binary_filename": "a.1.wasm"})
    assert not rs.is_counted({"type": "assert_malformed", "module_type": "text",
                              "binary_filename": "a.1.wasm"})


# ------------------------------------------------------------ table

def _result(name, passed, failures, skipped=0, msg=0):
    r = rs.FileResult(name)
    for i in range(passed):
        r.add(i + 1, "assert_return")
    for i in range(failures):
        r.add(1000 + i, "assert_trap", "why", i < msg)
    r.skipped = skipped
    return r


def test_format_table():
    a = _result("i32", 10, 2, skipped=3, msg=1)
    b = _result("a_long_file_name", 5, 0)
    b.error = "timeout after 900s"
    lines = rs.format_table([a, b]).splitlines()
    assert lines[-1] == "spec: 15/17"
    assert lines[0].split() == ["file", "total", "passed", "failed", "msg",
                                "skipped", "seconds", "note"]
    row = {l.split()[0]: l.split() for l in lines[2:-1] if l[0] != "-"}
    assert row["i32"][1:6] == ["12", "10", "2", "1", "3"]
    assert row["a_long_file_name"][1:3] == ["5", "5"] and "timeout" in lines[3]
    assert row["TOTAL"][1:6] == ["17", "15", "2", "1", "3"]


def test_summary_dict():
    s = rs.summary_dict([_result("x", 3, 1, msg=1)])
    assert s["passed"] == 3 and s["total"] == 4
    f = s["files"]["x"]
    assert (f["passed"], f["failed"], f["total"]) == (3, 1, 4)
    assert f["failures"][0] == {"line": 1000, "kind": "assert_trap",
                                "reason": "why", "msg_only": True}
    json.dumps(s)


# ------------------------------------------------------------ driver

SAMPLE = {
    "source_filename": "demo.wast",
    "commands": [
        {"type": "module", "line": 1, "filename": "demo.0.wasm"},
        {"type": "assert_return", "line": 5, "action": {"type": "invoke", "field": "f", "args": []}, "expected": []},
        {"type": "assert_return", "line": 5, "action": {"type": "invoke", "field": "g", "args": []}, "expected": []},
        {"type": "assert_malformed", "line": 7, "filename": "demo.1.wat", "text": "x", "module_type": "text"},
        {"type": "assert_trap", "line": 9, "action": {"type": "invoke", "field": "h", "args": []}, "text": "unreachable", "expected": []},
        {"type": "assert_invalid", "line": 11, "filename": "demo.2.wasm", "text": "type mismatch", "module_type": "binary"},
    ],
}


@pytest.fixture
def sample(tmp_path):
    d = tmp_path / "demo"
    d.mkdir()
    p = d / "demo.json"
    p.write_text(json.dumps(SAMPLE))
    return str(p)


def test_parse_stream_complete(sample):
    text = "\n".join([
        "@@ F demo demo.wast", "@@ + 1", "@@ + 5", "@@ - 5 assert_return 0 i32: expected 1",
        "@@ s 7", "@@ - 9 assert_trap 1 message: expected 'unreachable', got 'x'",
        "@@ + 11 assert_invalid", "@@ T 0.250", "@@ END"])
    r = driver.parse_stream(sample, text, None)
    assert (r.passed, r.failed, r.msg, r.skipped, r.total) == (3, 2, 1, 1, 5)
    # kinds from the stream, else from the file by line
    assert r.kinds == {"module": [1, 1], "assert_return": [1, 2], "assert_trap": [0, 1],
                       "assert_invalid": [1, 1]}
    assert r.error is None and r.source == "demo.wast" and r.seconds == 0.25
    assert [f[0] for f in r.failures] == [5, 9]


def test_parse_stream_crash_counts_the_rest(sample):
    text = "@@ F demo demo.wast\n@@ + 1\n@@ + 5\nTraceback...\nMemoryError: memory allocation failed\n"
    r = driver.parse_stream(sample, text, "crashed (exit 1)")
    assert (r.passed, r.failed, r.total) == (2, 3, 5)
    assert "crashed (exit 1)" in r.error and "MemoryError" in r.error
    assert sorted(f[0] for f in r.failures) == [5, 9, 11]
    assert all(f[2].startswith("not run") for f in r.failures)


def test_parse_stream_timeout_nothing_reported(sample):
    r = driver.parse_stream(sample, "", "timeout after 5s")
    assert (r.passed, r.failed, r.skipped) == (0, 5, 1)
    assert r.error.startswith("timeout")


def test_parse_stream_missing_end(sample):
    r = driver.parse_stream(sample, "@@ + 1\n", None)
    assert r.failed == 4 and "exited before the end" in r.error


def test_known_failures_and_compare(tmp_path):
    kf = tmp_path / "kf.txt"
    kf.write_text("# comment\n\ndemo.wast:5  float printing differs\n"
                  "demo.wast:9  TODO\nother.wast:3  still failing elsewhere\n")
    known = driver.load_known(str(kf))
    assert list(known) == ["demo.wast:5", "demo.wast:9", "other.wast:3"]
    r = _result("demo", 3, 0)
    r.source = "demo.wast"
    r.add(5, "assert_return", "bad bits")
    r.add(11, "assert_invalid", "loaded")
    c = driver.compare([r], known, {"passed": 4, "total": 5, "files": {}}, True)
    assert c["new"] == [("demo.wast:11", "assert_invalid: loaded")]
    assert c["fixed"] == ["demo.wast:9"]          # other.wast was not run
    assert c["todo"] == ["demo.wast:9"]
    assert c["below"] and "3/5" in c["below"]
    c = driver.compare([r], known, {"passed": 3, "total": 5, "files": {}}, True)
    assert c["below"] is None
    c = driver.compare([r], known, {"passed": 9, "total": 9, "files": {"demo": {"passed": 2, "total": 9}}}, False)
    assert c["below"] is None


def test_known_wildcards(tmp_path):
    kf = tmp_path / "kf.txt"
    kf.write_text("simd_*.wast:*  no SIMD\ndemo.wast:5  why\nother.wast:*  whole file\n")
    known = driver.load_known(str(kf))
    assert driver.known_reason(known, "simd_lane.wast:10") == "no SIMD"
    assert driver.known_reason(known, "demo.wast:5") == "why"
    assert driver.known_reason(known, "demo.wast:6") is None
    a = _result("simd_lane", 1, 0)
    a.source = "simd_lane.wast"
    a.add(10, "assert_return", "v128")
    o = _result("other", 2, 0)
    o.source = "other.wast"
    c = driver.compare([a, o], known, None, True)
    assert c["new"] == [] and c["fixed"] == ["other.wast:*"]
    bl = tmp_path / "b.json"
    base, entries = driver.update_baseline([a, o], "micropython", str(kf), str(bl))
    assert list(entries) == ["simd_*.wast:*", "demo.wast:5"]    # demo.wast did not run
    # per file: a file listed whole cannot lose passes unseen
    c = driver.compare([a], known, {"passed": 0, "total": 2,
                                    "files": {"simd_lane": {"passed": 2, "total": 2}}}, True)
    assert c["below"] and "simd_lane 1 < 2" in c["below"]


def test_kind_totals():
    r = _result("x", 2, 1)
    r.add(7, "instance")
    assert rs.kind_totals([r, r]) == [("assert_return", 4, 4), ("assert_trap", 0, 2),
                                      ("instance", 2, 2)]
    lines = rs.format_table([r], kinds=True).splitlines()
    assert lines[-1] == "spec: 3/4" and lines[-2].split() == ["instance", "1", "1", "0"]


def test_load_known_rejects_bad_lines(tmp_path):
    kf = tmp_path / "kf.txt"
    kf.write_text("demo.wast  no line number\n")
    with pytest.raises(ValueError):
        driver.load_known(str(kf))


def test_update_baseline_keeps_reasons(tmp_path):
    kf = tmp_path / "kf.txt"
    bl = tmp_path / "baseline.json"
    kf.write_text("demo.wast:5  known reason\nother.wast:3  kept: file not run\ndemo.wast:1  fixed now\n")
    r = _result("demo", 3, 0)
    r.source = "demo.wast"
    r.add(5, "assert_return", "bad bits")
    r.add(11, "assert_invalid", "loaded")
    base, entries = driver.update_baseline([r], "micropython", str(kf), str(bl))
    known = driver.load_known(str(kf))
    assert known["demo.wast:5"] == "known reason"
    assert known["other.wast:3"] == "kept: file not run"
    assert known["demo.wast:11"].startswith("TODO")
    assert "demo.wast:1" not in known
    b = json.loads(bl.read_text())
    assert (b["passed"], b["total"]) == (3, 5) and b["files"]["demo"] == {"passed": 3, "total": 5}


def test_spec_dir_env(tmp_path, monkeypatch):
    (tmp_path / "json" / "x").mkdir(parents=True)
    (tmp_path / "json" / "x" / "x.json").write_text("{}")
    monkeypatch.setenv("WASM_SPEC_DIR", str(tmp_path))
    assert driver.spec_json_dir() == str(tmp_path / "json")
    monkeypatch.setenv("WASM_SPEC_DIR", str(tmp_path / "json"))
    assert driver.spec_json_dir() == str(tmp_path / "json")
    assert driver.list_files([]) == [str(tmp_path / "json" / "x" / "x.json")]
    monkeypatch.setenv("WASM_SPEC_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(driver.SpecDataMissing) as e:
        driver.spec_json_dir()
    assert str(tmp_path / "nowhere") in str(e.value) and "WASM_SPEC_DIR" in str(e.value)


# ------------------------------------------------------------ on MicroPython

def test_pure_logic_on_micropython():
    """The runner itself must run on the MicroPython unix port."""
    out = check_mp("""
import sys
sys.path.insert(0, 'tests/spec')
import run_spec as rs
ex = rs.Externs()
assert rs.nan_ok('nan:canonical', 'f64', 0xFFF8000000000000)
assert not rs.nan_ok('nan:arithmetic', 'f64', 0x7FF0000000000001)
assert rs.nan_ok('nan:arithmetic', 'f32', 0x7FC00001)
assert rs.msg_matches('unknown global 0', 'unknown global')
assert not rs.msg_matches('unknown global', 'unknown global 0')
assert rs.parse_arg({'type': 'i64', 'value': '18446744073709551615'}, ex) == 18446744073709551615
a = rs.parse_arg({'type': 'externref', 'value': '3'}, ex)
assert rs.check_value({'type': 'externref', 'value': '3'}, a, ex) is None
assert rs.check_value({'type': 'i64', 'value': '18446744073709551615'}, -1, ex) is not None
r = rs.FileResult('x')
r.add(1, 'module')
r.add(2, 'assert_trap', 'bad', True)
print(rs.format_table([r]))
import json
print(json.dumps(rs.summary_dict([r])['files']['x']['msg']))
""")
    lines = out.splitlines()
    assert lines[-2] == "spec: 1/2"
    assert lines[-1] == "1"


def test_run_one_crash_is_reported(sample):
    """A runner that dies (here: MicroPython out of heap while reading the
    file) is reported, and every counted command is a failure."""
    r = driver.run_one(sample, heapsize="8K", timeout=60)
    assert r.total == 5 and r.passed == 0
    assert r.error.startswith("crashed (exit 1)") and "MemoryError" in r.error


def test_run_one_timeout_kills_the_runner(sample, monkeypatch):
    script = ("import sys, time\n"
              "print('@@ F demo demo.wast')\nprint('@@ + 1')\n"
              "sys.stdout.flush()\ntime.sleep(120)\n")
    monkeypatch.setattr(driver, "runner_command",
                        lambda path, python, heapsize: [sys.executable, "-c", script])
    seen = []
    real_popen = driver.subprocess.Popen

    def popen(*a, **kw):
        p = real_popen(*a, **kw)
        seen.append(p)
        return p
    monkeypatch.setattr(driver.subprocess, "Popen", popen)
    r = driver.run_one(sample, timeout=2)
    assert r.error.startswith("timeout after 2s")
    assert (r.passed, r.failed) == (1, 4)
    assert seen and seen[0].poll() is not None      # the runner was killed


def test_serve_runs_file_after_file_in_one_process(sample):
    """run_spec.py --serve (tools/spectest --serve): the same results as a
    process per file, file after file in one process, and a runner that
    dies is replaced for the next file."""
    sv = driver.Server(python=True)
    try:
        got = [sv.run(sample, timeout=60) for _ in range(2)]
        first = sv.proc
        assert first is not None and first.poll() is None
        first.kill()                        # dies between files
        first.wait()
        got.append(sv.run(sample, timeout=60))
        assert sv.proc is not first and sv.proc.poll() is None
    finally:
        sv.close()
    one = driver.run_one(sample, python=True, timeout=60)
    assert one.total == 5 and one.failures
    for r in got:
        assert (r.passed, r.total, r.failures, r.error) == \
            (one.passed, one.total, one.failures, one.error)


def test_retry_heapsize_reruns_only_the_failing_files(sample, spec_json):
    """--retry-heapsize: a file with a failure on the small heap runs again
    on the large one and that run is its result; the others run once."""
    nop = os.path.join(spec_json, "nop", "nop.json")
    seen = []
    real = driver._run_suite

    def spy(files, python, jobs, heapsize, *a):
        seen.append((heapsize, [os.path.basename(f) for f in files]))
        return real(files, python, jobs, heapsize, *a)
    import unittest.mock
    with unittest.mock.patch.object(driver, "_run_suite", spy):
        rs_ = driver.run_suite([nop, sample], jobs=2, heapsize="16M", serve=True,
                               retry_heapsize="32M")
    assert seen == [("16M", ["nop.json", "demo.json"]), ("32M", ["demo.json"])]
    assert rs_[0].passed == rs_[0].total > 50 and rs_[1].failures
