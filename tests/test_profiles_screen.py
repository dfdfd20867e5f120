"""The screen PDF as assistive technology reads it: the tag tree, the outline, the links."""

from __future__ import annotations

import pikepdf
import pytest

from leaflets.profiles import PAPERS

SCREEN = [("ambc", "en", paper, "screen") for paper in PAPERS]
HEADINGS = ("/H1", "/H2", "/H3")


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _elements(element):
    """Yield the structure elements under `element` in document order."""
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def _outline(pdf) -> list[tuple[int, str]]:
    entries = []

    def walk(items, depth):
        for item in items:
            entries.append((depth, item.title))
            walk(item.children, depth + 1)

    with pdf.open_outline() as outline:
        walk(outline.root, 1)
    return entries


@pytest.fixture(scope="module", params=SCREEN, ids=[key[2] for key in SCREEN])
def screen(request, built):
    with pikepdf.open(built[request.param]) as pdf:
        yield pdf


def test_catalog_shows_the_title_and_language(screen):
    assert screen.Root.ViewerPreferences.DisplayDocTitle is True
    assert screen.Root.MarkInfo.Marked is True
    assert str(screen.Root.Lang) == "en"


def test_outline_entries_are_the_headings_in_order(screen):
    document = screen.Root.StructTreeRoot.K[0]
    levels = [int(str(e.S)[2]) for e in _elements(document) if str(e.S) in HEADINGS]
    outline = _outline(screen)
    assert [depth for depth, _ in outline] == levels
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:]))  # none skipped
    assert [title for _, title in outline] == [
        "Advanced/metastatic breast cancer (a/mBC)",
        "Advanced/metastatic breast cancer",
        "Hormone receptor-positive (HR+) tumors",
        "Human epidermal growth factor receptor 2 (HER2) in a/mBC",
        "Types of a/mBC",
        "Prevalence and outcomes",
        "Treatment of a/mBC",
        "Endocrine (hormonal/anti-hormonal) therapy for ER+/HER2- a/mBC",
        "Endocrine therapy for ER+/HER2- a/mBC",
        "Abbreviations",
        "References",
        "Other sources consulted",
    ]


def test_a_known_section_is_a_heading_then_its_paragraph(screen):
    document = screen.Root.StructTreeRoot.K[0]
    headings = [e for e in _elements(document) if str(e.S) in HEADINGS]
    titles = [title for _, title in _outline(screen)]
    heading = headings[titles.index("Hormone receptor-positive (HR+) tumors")]
    siblings = [str(kid.S) for kid in _kids(heading.P)]
    at = next(i for i, kid in enumerate(_kids(heading.P)) if kid.objgen == heading.objgen)
    # the heading, its paragraph, then the next section (unless a page ends there: WeasyPrint
    # gives each page's part of <main> its own structure element)
    assert siblings[at:at + 3] in (["/H2", "/P", "/H2"], ["/H2", "/P"])


def test_lists_tables_and_panel_are_tagged_as_such(screen):
    document = screen.Root.StructTreeRoot.K[0]
    tags = [str(e.S) for e in _elements(document)]
    assert tags.count("/L") >= 5  # bullets, abbreviations (2 columns), references, other sources
    for element in _elements(document):
        kinds = {str(kid.S) for kid in _kids(element) if isinstance(kid, pikepdf.Dictionary) and "/S" in kid}
        if str(element.S) == "/L":
            assert kinds <= {"/LI", "/L", "/Caption"}, kinds
        if str(element.S) == "/LI":
            assert kinds <= {"/Lbl", "/LBody"}, kinds
        if str(element.S) == "/Caption":
            assert str(element.P.S) in ("/Table", "/L", "/Figure"), "a caption belongs to its table"


def test_running_heads_and_feet_are_pagination_artifacts(screen):
    for page in screen.pages:
        artifacts = [operands for operands, op in pikepdf.parse_content_stream(page)
                     if str(op) == "BDC" and operands[0] == pikepdf.Name.Artifact]
        assert artifacts and all(str(o[1].Type) == "/Pagination" for o in artifacts)
    nums = screen.Root.StructTreeRoot.ParentTree.Nums
    document = screen.Root.StructTreeRoot.K[0]
    in_tree = {e.objgen for e in _elements(document)}
    for key, value in zip(nums[::2], nums[1::2]):
        if isinstance(value, pikepdf.Array):  # a page's marked content: every entry is in the tree
            assert all(e is None or e.objgen in in_tree for e in value), f"page {int(key) + 1}"


def test_every_citation_links_to_its_reference(screen):
    names = screen.Root.Names.Dests.Names
    destinations = {str(names[i]) for i in range(0, len(names), 2)}
    internal, external = [], []
    for page in screen.pages:
        for annotation in page.get("/Annots", []):
            assert "/StructParent" in annotation  # tagged as Link, reachable by assistive tools
            if "/Dest" in annotation:
                internal.append(str(annotation.Dest))
            else:
                external.append(str(annotation.A.URI))
    assert set(internal) == {f"ref-{n}" for n in range(1, 6)} <= destinations
    assert all(uri.startswith("https://") for uri in external) and len(set(external)) >= 4


def test_links_say_where_they_go(screen):
    """PDF/UA: a link's description is read aloud; a citation says which reference it opens."""
    for page in screen.pages:
        for annotation in page.get("/Annots", []):
            if "/Dest" in annotation:
                number = str(annotation.Dest).removeprefix("ref-")
                assert str(annotation.Contents) == f"Reference {number}"
            else:
                assert str(annotation.Contents) == str(annotation.A.URI)
