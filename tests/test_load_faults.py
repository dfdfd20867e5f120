"""YAML faults: each one a positioned error, never a traceback or a silently dropped value."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaflets.matrix import resolve_editions as plan
from leaflets.plan import Filters
from leaflets.diagnostics import ContentError
from leaflets.load import load_yaml


def faults(tmp_path: Path, raw: bytes) -> list[tuple[int, int, str]]:
    path = tmp_path / "leaflet.yaml"
    path.write_bytes(raw)
    with pytest.raises(ContentError) as caught:
        load_yaml(path)
    return [(d.line, d.column, d.code) for d in caught.value.diagnostics]


@pytest.mark.parametrize("raw, expected", [
    (b"document:\n  title: [unclosed\nbody: []\n", [(3, 5, "yaml-syntax")]),
    (b"document:\n  title: A\n   subject: B\n", [(3, 11, "yaml-syntax")]),
    (b"a:\n  b: 1\n c: 2\n", [(3, 2, "yaml-syntax")]),
    (b"a: 1\nb: 2\na: 3\n", [(3, 1, "duplicate-key")]),
    (b"a:\n\tb: 1\n", [(2, 1, "tab-indent")]),
    (b"a: caf\xe9\n", [(1, 7, "encoding")]),
    ("a: 1\n".encode("utf-16"), [(1, 1, "encoding")]),
    (b"", [(1, 1, "empty-file")]),
    (b"  \n\n", [(1, 1, "empty-file")]),
    (b"# only a comment\n", [(1, 1, "empty-file")]),
    (b"a: !!python/object:os.system ls\n", [(1, 4, "unsafe-tag")]),
    (b"a: !!python/name:os.system\n", [(1, 4, "unsafe-tag")]),
    (b"a: !!binary aGVsbG8=\n", [(1, 4, "unsafe-tag")]),
    (b"a: ok\nb: bad \x01 char\n", [(2, 8, "control-character")]),
    (b"a: x\x00\n", [(1, 5, "control-character")]),
    (b"a: &x [1, 2]\nb: *x\n", [(2, 4, "yaml-alias")]),
    (b"a: &x [*x]\n", [(1, 8, "yaml-alias")]),
    (b"? [1, 2]\n: x\n", [(1, 3, "key-not-text")]),
    (b"yes: x\n", [(1, 1, "key-not-text")]),
    (b"~: x\n", [(1, 1, "key-not-text")]),
    (b"a: 1\n---\nb: 2\n", [(2, 1, "yaml-syntax")]),
])
def test_yaml_fault_is_reported_at_its_position(tmp_path, raw, expected):
    assert faults(tmp_path, raw) == expected


def test_billion_laughs_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    codes = {code for _, _, code in faults(tmp_path, "\n".join(lines).encode() + b"\n")}
    assert codes == {"yaml-alias"}


def test_oversized_file_is_refused_before_parsing(tmp_path):
    raw = b"body:\n" + b"  - paragraph: x\n" * 200_000
    assert faults(tmp_path, raw) == [(0, 0, "file-too-large")]


def test_deep_nesting_is_refused(tmp_path):
    raw = b"a: " + b"[" * 60 + b"]" * 60 + b"\n"
    assert {code for _, _, code in faults(tmp_path, raw)} == {"too-deep"}


def test_message_of_a_syntax_error_says_what_to_check(tmp_path):
    path = tmp_path / "leaflet.yaml"
    path.write_bytes(b"a:\n  b: 1\n c: 2\n")
    with pytest.raises(ContentError) as caught:
        load_yaml(path)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.format().endswith(
        "leaflet.yaml:3:2: error[yaml-syntax]: YAML syntax error: while parsing a block mapping: "
        "did not find expected key (check the indentation and quoting on this line and the one above)")


def test_positions_inside_folded_text_point_at_the_character(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("text: >-\n  first line of text\n  second [@key] here\nplain: one\n  two [@x]\n", "utf-8")
    loaded = load_yaml(path)
    folded = loaded.data["text"]
    assert positions(loaded.text_position(("text",), folded.index("[@key]"))) == (3, 10)
    plain = loaded.data["plain"]
    assert positions(loaded.text_position(("plain",), plain.index("[@x]"))) == (5, 7)


def positions(diagnostic):
    return diagnostic.line, diagnostic.column


@pytest.mark.parametrize("edit, code", [
    (("  - heading: Prevalence and outcomes\n", "  - heading: Prevalence and outcomes\n    level: one\n"),
     "invalid-value"),
    (("  - heading: Types of a/mBC\n", "  - heading:\n"), "invalid-value"),
    (("    paper: a4\n", "    paper: a3\n"), "invalid-value"),
])
def test_wrong_values_in_the_shipped_leaflet_are_positioned(project, edit, code):
    leaflet = project / "source" / "ambc" / "leaflet.yaml"
    text = leaflet.read_text("utf-8")
    assert edit[0] in text
    leaflet.write_text(text.replace(edit[0], edit[1], 1), "utf-8")
    with pytest.raises(ContentError) as caught:
        plan(project, Filters())
    codes = {d.code for d in caught.value.diagnostics}
    assert code in codes or "yaml-syntax" in codes
    assert all(d.line > 0 for d in caught.value.diagnostics)


def test_absurd_sizes_end_in_a_clear_error(project):
    leaflet = project / "source" / "ambc" / "leaflet.yaml"
    text = leaflet.read_text("utf-8")
    huge = "Word " * 199_999 + "Word."  # a 1 MB paragraph
    bullets = "".join(f"      - Item {i}\n" for i in range(10_000))
    text = text.replace("body:\n", f"body:\n  - paragraph: {huge}\n  - bullets:\n{bullets}", 1)
    leaflet.write_text(text, "utf-8")
    with pytest.raises(ContentError) as caught:
        plan(project, Filters())
    found = [(d.line, d.column, d.code, d.message) for d in caught.value.diagnostics]
    assert found == [
        (16, 5, "invalid-value", "'paragraph' is 1,000,000 characters long; the limit is 4,000"),
        (17, 5, "invalid-value", "'bullets' has 10,000 items; the limit is 100"),
    ]
