"""Whatever a writer types, a run ends in a PDF or in diagnostics, never in a traceback."""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaflets.matrix import build
from leaflets.plan import Filters
from leaflets.matrix import check_project
from leaflets.diagnostics import ContentError

from conftest import ROOT

# Inline text: words, markup, citation fragments, brackets, numbers, units and odd characters.
PIECES = st.sampled_from([
    "word", "HER2", "a/mBC", "CDK4/6", "ERs", "Als", "20%", "5 mg", "**", "*", "_", "[", "]", "(", ")",
    "[@esmo-guide]", "[@", "@esmo-guide]", "[@]", "[@a;;@b]", "[@esmo-guide, @hopkins-mbc]",
    "[@miziak-2023; @esmo-guide]", "[link](https://example.org)", "[x](javascript:alert(1))",
    "<script>", "</b>", "\\", "e.g.", ".", ",", ";", ":", " ", "\n", "\t", "漢", "🙂", "\u00ad",
    "Estrogen receptor (ER)", "(", "#", "&amp;", "{{ x }}", "{% if %}",
])
INLINE = st.lists(st.one_of(PIECES, st.text(string.printable, max_size=8)), min_size=0, max_size=12).map("".join)

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                    INLINE, st.dates())
KEYS = st.sampled_from(["heading", "paragraph", "bullets", "callout", "table", "level", "title",
                        "paragraphs", "rows", "columns", "caption", "style", "cells", "x"])
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=3)), max_leaves=12)
BLOCKS = st.one_of(
    st.builds(lambda t: {"heading": t}, INLINE),
    st.builds(lambda t, lv: {"heading": t, "level": lv}, INLINE, st.integers(0, 5)),
    st.builds(lambda t: {"paragraph": t}, INLINE),
    st.builds(lambda items: {"bullets": items}, st.lists(INLINE, max_size=4)),
    st.builds(lambda t, ps: {"callout": {"title": t, "paragraphs": ps}}, INLINE, st.lists(INLINE, max_size=3)),
    st.builds(lambda c, rows: {"table": {"columns": c, "rows": rows}},
              st.lists(INLINE, max_size=3), st.lists(st.lists(INLINE, max_size=3), max_size=3)),
    st.dictionaries(KEYS, VALUES, max_size=3),
)


def leaflet_with(body, glossary) -> dict:
    data = yaml.safe_load((ROOT / "source/ambc/leaflet.yaml").read_text("utf-8"))
    data["body"] = body
    data["glossary"] = glossary
    data["editions"] = data["editions"][:1]
    return data


def outcome(project) -> str:
    """Run the check; return 'clean' or 'diagnostics'. Any other exception fails the test."""
    found = check_project(project)
    assert all(d.file and d.code and d.message for d in found)
    return "diagnostics" if any(d.is_error for d in found) else "clean"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=st.lists(BLOCKS, max_size=6), glossary=st.dictionaries(INLINE, INLINE, max_size=3))
def test_random_structures_end_in_diagnostics_or_a_clean_check(project, body, glossary):
    text = yaml.safe_dump(leaflet_with(body, glossary), allow_unicode=True)
    (project / "source/ambc/leaflet.yaml").write_text(text, "utf-8")
    outcome(project)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace"))),
       prefix=st.sampled_from([b"", b"document:\n", b"body:\n  - paragraph: ", b"references:\n  - "]))
def test_random_bytes_end_in_diagnostics(project, raw, prefix):
    (project / "source/ambc/leaflet.yaml").write_bytes(prefix + raw)
    assert outcome(project) == "diagnostics"


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=st.lists(INLINE.filter(str.strip), min_size=1, max_size=3))
def test_rendering_random_inline_text_ends_in_a_pdf_or_diagnostics(project, paragraphs):
    body = [{"heading": "Random text"}] + [{"paragraph": p} for p in paragraphs]
    data = leaflet_with(body, {})
    (project / "source/ambc/leaflet.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    references = project / "source/ambc/references.yaml"  # one project serves every example:
    refs = yaml.safe_load((ROOT / "source/ambc/references.yaml").read_text("utf-8"))  # each rewrites the files
    for ref in refs["references"]:
        ref.setdefault("uncited", "listed for the test")
    references.write_text(yaml.safe_dump(refs, allow_unicode=True), "utf-8")
    try:
        [output] = build(project, project / "out", Filters(paper="a4", profile="screen"))
    except ContentError as exc:
        assert exc.diagnostics and all(d.code for d in exc.diagnostics)
    else:
        assert output.pages >= 1 and (project / "out/ambc/ambc-en-a4-screen.pdf").read_bytes()[:5] == b"%PDF-"
