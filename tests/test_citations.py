"""Citation numbering, range collapsing and AMA placement on small inputs."""

from __future__ import annotations

import pytest

from leaflets.citations import Numbering, collapse, place_citations, superscript_label
from leaflets.inline import Cite, MarkerError, Span, Text, parse_inline, plain_text


def printed(source: str, numbering: Numbering | None = None) -> str:
    """Return the text as printed, superscripts written as ^label."""
    nodes = place_citations(parse_inline(source))
    (numbering or Numbering()).apply(nodes)
    return _flatten(nodes)


def _flatten(nodes) -> str:
    out = []
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Cite):
            out.append("^" + "".join(part.text for part in node.parts))
        else:
            out.append(_flatten(node.children))
    return "".join(out)


@pytest.mark.parametrize("numbers, label", [
    ([1], "1"),
    ([1, 2], "1,2"),
    ([1, 2, 3], "1-3"),
    ([3, 1, 2], "1-3"),
    ([1, 3, 4, 5, 8], "1,3-5,8"),
    ([2, 2, 4, 5], "2,4,5"),
    ([1, 2, 3, 4, 6, 7], "1-4,6,7"),
])
def test_superscript_labels_collapse_runs_of_three_or_more(numbers, label):
    assert superscript_label(numbers) == label


def test_collapse_returns_runs():
    assert collapse([5, 1, 2, 3]) == [(1, 3), (5, 5)]


@pytest.mark.parametrize("source, expected", [
    ("brain.[@a]", "brain.^1"),            # typed after the period: stays
    ("brain[@a].", "brain.^1"),            # typed before the period: moves after it
    ("brain [@a].", "brain.^1"),           # the space before a citation goes
    ("cancer[@a], a/mBC", "cancer,^1 a/mBC"),
    ("e.g.:[@a]", "e.g.^1:"),              # typed after a colon: moves before it
    ("e.g.[@a]:", "e.g.^1:"),
    ("first;[@a] then", "first^1; then"),
    ("x[@a][@b].", "x.^1,2"),              # adjacent markers merge
    ("x [@a] [@b].", "x.^1,2"),
])
def test_superscripts_are_placed_by_ama_rules(source, expected):
    assert printed(source) == expected


def test_numbers_follow_first_citation_and_are_reused():
    numbering = Numbering()
    assert printed("One[@c].", numbering) == "One.^1"
    assert printed("Two[@a; @c].", numbering) == "Two.^1,2"
    assert printed("Three[@b; @a; @c].", numbering) == "Three.^1-3"
    assert numbering.numbers == {"c": 1, "a": 2, "b": 3}


def test_each_number_links_to_its_reference():
    nodes = place_citations(parse_inline("See[@a; @b; @d; @c]."))
    numbering = Numbering()
    numbering.number("d")
    numbering.number("x")
    numbering.apply(nodes)  # a=3, b=4, d=1, c=5
    cite = next(n for n in nodes[-1].children if isinstance(n, Cite))
    assert [(p.text, p.href) for p in cite.parts] == [
        ("1", "#ref-1"), (",", None), ("3", "#ref-3"), ("-", None), ("5", "#ref-5")]


def test_superscript_is_bound_to_the_word_before_it():
    nodes = place_citations(parse_inline("less aggressive[@a]. Next"))
    assert isinstance(nodes[1], Span) and nodes[1].kind == "nobreak"
    assert plain_text(nodes[1].children) == "aggressive."
    assert plain_text(nodes) == "less aggressive. Next"


def test_markup_is_parsed_and_html_is_text():
    nodes = parse_inline("**Bold** and *italic* [site](https://example.org) <b>x</b>")
    assert [n.kind for n in nodes] == ["strong", "text", "em", "text", "link", "text"]
    assert nodes[4].href == "https://example.org"
    assert nodes[-1].text == " <b>x</b>"


@pytest.mark.parametrize("source", ["bad [@]", "bad [@a;;@b]", "bad [@a b]"])
def test_malformed_markers_are_refused(source):
    with pytest.raises(MarkerError):
        parse_inline(source)
