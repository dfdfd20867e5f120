"""Read colour, font and image facts from page content streams."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import pikepdf

from .model import FontInfo, ImageInfo
from .streams import TooLarge, decoded_length  # noqa: F401 - callers catch TooLarge from here

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
OPERATOR_FAMILIES = {"rg": "RGB", "RG": "RGB", "k": "CMYK", "K": "CMYK", "g": "Gray", "G": "Gray"}
NAMED_FAMILIES = {
    "/DeviceRGB": "RGB", "/RGB": "RGB", "/CalRGB": "RGB",
    "/DeviceCMYK": "CMYK", "/CMYK": "CMYK",
    "/DeviceGray": "Gray", "/G": "Gray", "/CalGray": "Gray",
    "/Lab": "Lab", "/Pattern": "Pattern", "/Separation": "Spot", "/DeviceN": "Spot",
}
ICC_FAMILIES = {1: "Gray", 3: "RGB", 4: "CMYK"}
Ident = tuple[int, int] | str
# What one file may ask the walk to read, in all (forms drawn again and again count each time):
# decoded content bytes (a few hundred KB of Flate can inflate to gigabytes) and operators (three
# forms each drawing the next 2,000 times are 8 billion). Both grow with the file's own size, as an
# honest file's content does; a leaflet page holds tens of kilobytes and a few thousand operators.
MIN_CONTENT_BYTES = 8_000_000
MIN_OPERATORS = 250_000


def _content_length(obj: pikepdf.Object, limit: int) -> int:
    """Return the decoded length of the content of `obj` (a page or a form), or more than `limit`."""
    contents = obj.get("/Contents") if not isinstance(obj, pikepdf.Stream) else obj
    streams = [contents] if isinstance(contents, pikepdf.Stream) else \
        [c for c in contents if isinstance(c, pikepdf.Stream)] if isinstance(contents, pikepdf.Array) else []
    total = 0
    for stream in streams:
        total += decoded_length(stream, limit - total)
        if total > limit:
            break
    return total


def inherited(node: object, key: str) -> object:
    """Return a page attribute, looking up the page tree for inheritable ones."""
    for _ in range(64):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """Return the matrix product m x n (apply m, then n)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def colour_family(space: object, resources: pikepdf.Dictionary) -> str:
    """Return the family (RGB, CMYK, Gray, Lab, Spot, Pattern, Other) of a colour space."""
    for _ in range(10):  # named spaces and Indexed bases may refer onwards
        if isinstance(space, pikepdf.Name):
            if str(space) in NAMED_FAMILIES:
                return NAMED_FAMILIES[str(space)]
            space = resources.get("/ColorSpace", {}).get(str(space))
        elif isinstance(space, pikepdf.Array) and len(space) > 1:
            kind = str(space[0])
            if kind == "/ICCBased":
                return ICC_FAMILIES.get(int(space[1].get("/N", 0)), "Other")
            if kind not in ("/Indexed", "/I", "/Pattern"):
                return NAMED_FAMILIES.get(kind, "Other")
            space = space[1]
        elif isinstance(space, pikepdf.Array) and len(space) == 1:
            space = space[0]
        else:
            return "Other"
    return "Other"


def font_info(key: str, font: pikepdf.Dictionary) -> FontInfo:
    """Describe one font dictionary."""
    subtype = str(font.get("/Subtype", "/Unknown"))
    name = str(font.get("/BaseFont") or font.get("/Name") or key).lstrip("/")
    descriptor = font.get("/FontDescriptor")
    if subtype == "/Type0" and font.get("/DescendantFonts"):
        descriptor = font.DescendantFonts[0].get("/FontDescriptor")
    embedded = subtype == "/Type3" or (
        isinstance(descriptor, pikepdf.Dictionary)
        and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")))
    encoding = font.get("/Encoding")
    return FontInfo(name, subtype.lstrip("/"), embedded, bool(SUBSET_TAG.match(name)), "/ToUnicode" in font,
                    str(encoding) if isinstance(encoding, pikepdf.Name) else None)


@dataclass(frozen=True)
class _FormWalk:
    """What one walk of a form cost and found (the forms it drew included)."""

    content_bytes: int
    operators: int
    colours: Counter[str]
    images: tuple[ImageInfo, ...]


class ContentWalker:
    """Interpret content streams, tracking the CTM and current colour spaces."""

    def __init__(self, file_size: int = 0) -> None:
        self.fonts: dict[Ident, FontInfo] = {}
        self.colours: Counter[str] = Counter()
        self.images: list[ImageInfo] = []
        self.content_bytes = max(MIN_CONTENT_BYTES, 20 * file_size)  # what is left to read
        self.operators = max(MIN_OPERATORS, file_size)
        # What walking a form found, by everything the walk depends on (see _draw).
        self._walked: dict[tuple, _FormWalk] = {}
        self._cycles = _CycleCheck(file_size)

    def walk_page(self, number: int, page: pikepdf.Page) -> None:
        """Walk one page's content and resources, then fail it if anything it draws draws itself."""
        self._walk(page.obj, inherited(page.obj, "/Resources"), IDENTITY, number, ())
        self._cycles.check(number, page.obj)

    def _walk(self, stream: pikepdf.Object, resources: object, ctm: Matrix, page: int,
              forms: tuple[Ident, ...]) -> None:
        """Walk a content stream, recursing into Form XObjects."""
        if not isinstance(resources, pikepdf.Dictionary):
            resources = pikepdf.Dictionary()
        self._collect_fonts(resources)
        saved: list[tuple[Matrix, str, str]] = []
        fill = stroke = "Gray"
        self.content_bytes -= _content_length(stream, self.content_bytes)
        if self.content_bytes < 0:
            raise TooLarge(f"its content decodes to too many bytes for its size (page {page}, "
                           "forms drawn again included)")
        instructions = pikepdf.parse_content_stream(stream)
        self.operators -= len(instructions)
        if self.operators < 0:
            raise TooLarge(f"its content holds too many operators for its size (page {page}, "
                           "forms drawn again included)")
        for operands, operator in instructions:
            op = str(operator)
            if op == "q":
                saved.append((ctm, fill, stroke))
            elif op == "Q" and saved:
                ctm, fill, stroke = saved.pop()
            elif op == "cm" and len(operands) == 6:
                ctm = multiply(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
            elif op in OPERATOR_FAMILIES:
                family = OPERATOR_FAMILIES[op]
                self.colours[family] += 1
                fill, stroke = (fill, family) if op.isupper() else (family, stroke)
            elif op in ("cs", "CS") and operands:
                family = colour_family(operands[0], resources)
                self.colours[family] += 1
                fill, stroke = (fill, family) if op == "CS" else (family, stroke)
            elif op in ("sc", "scn", "SC", "SCN"):
                self.colours[stroke if op.isupper() else fill] += 1
            elif op == "sh" and operands:
                shading = resources.get("/Shading", {}).get(str(operands[0]))
                if isinstance(shading, pikepdf.Object):
                    self.colours[colour_family(shading.get("/ColorSpace"), resources)] += 1
            elif op == "Do" and operands:
                self._draw(str(operands[0]), resources, ctm, page, forms)
            elif op == "INLINE IMAGE":
                self._add_image(page, "inline image", operands[0].obj, ctm, resources)

    def _draw(self, name: str, resources: pikepdf.Dictionary, ctm: Matrix, page: int,
              forms: tuple[Ident, ...]) -> None:
        """Handle a Do operator: record an image or walk a form."""
        xobject = resources.get("/XObject", {}).get(name)
        if not isinstance(xobject, pikepdf.Stream):
            return
        if xobject.get("/Subtype") == "/Image":
            self._add_image(page, name.lstrip("/"), xobject, ctm, resources)
        elif xobject.get("/Subtype") == "/Form" and xobject.objgen in forms:
            # A form that draws itself, at once or through others, never ends for a viewer (PDFium
            # unfolds it until memory runs out): the file fails before it reaches one.
            raise TooLarge(f"a form draws itself (page {page}): no viewer can draw it to the end")
        elif xobject.get("/Subtype") == "/Form":
            matrix: Matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))  # type: ignore[assignment]
            ctm, chain = multiply(matrix, ctm), (*forms, xobject.objgen)
            # A form drawn again from the same place (same page, same chain of forms, hence the
            # same resources, and the same CTM) is walked once: its costs and facts are counted
            # again from the first walk, as walking it again would count them. When they would
            # overrun what is left to read, it is walked for real, so that the walk stops where
            # and as it always did.
            key = (page, chain, ctm)
            known = self._walked.get(key)
            if known is not None and known.content_bytes <= self.content_bytes \
                    and known.operators <= self.operators:
                self.content_bytes -= known.content_bytes
                self.operators -= known.operators
                self.colours.update(known.colours)
                self.images.extend(known.images)
                return
            content_bytes, operators = self.content_bytes, self.operators
            colours, images = self.colours.copy(), len(self.images)
            self._walk(xobject, xobject.get("/Resources", resources), ctm, page, chain)
            self._walked[key] = _FormWalk(content_bytes - self.content_bytes, operators - self.operators,
                                          self.colours - colours, tuple(self.images[images:]))

    def _add_image(self, page: int, name: str, image: pikepdf.Object, ctm: Matrix,
                   resources: pikepdf.Dictionary) -> None:
        """Record an image's pixel size, resolution as drawn and colour family."""
        width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        inches_wide, inches_high = math.hypot(ctm[0], ctm[1]) / 72, math.hypot(ctm[2], ctm[3]) / 72
        if not (width and height and inches_wide and inches_high):
            return
        mask = image.get("/ImageMask") is True
        family = "Mask" if mask else colour_family(image.get("/ColorSpace"), resources)
        ppi = min(width / inches_wide, height / inches_high)
        self.images.append(ImageInfo(page, name, width, height, ppi, family))
        if family == "RGB":  # an RGB image puts RGB colour on the page
            self.colours[family] += 1

    def _collect_fonts(self, resources: pikepdf.Dictionary) -> None:
        """Record every font of a resource dictionary, with Type3 font resources."""
        fonts = resources.get("/Font")
        if not isinstance(fonts, pikepdf.Dictionary):
            return
        for key, font in fonts.items():
            if not isinstance(font, pikepdf.Dictionary):
                continue
            ident: Ident = font.objgen if font.is_indirect else f"{key}={font.unparse()!r}"
            if ident in self.fonts:
                continue
            self.fonts[ident] = font_info(key, font)
            if font.get("/Subtype") == "/Type3" and isinstance(font.get("/Resources"), pikepdf.Dictionary):
                self._collect_fonts(font.Resources)


# What content a content stream makes a viewer draw, by the kind of object named (`Do`, `scn`/`SCN`,
# `Tf`, `gs`, the page's annotations): said in a failure when one of them draws itself.
PAGE, FORM, PATTERN, GLYPH, APPEARANCE = ("a page", "a form", "a tiling pattern", "a Type3 font's glyph",
                                          "an annotation's appearance")
DRAWING_OPERATORS = "Do scn SCN Tf gs"
_Node = tuple[pikepdf.Object, object, Ident, str]  # content, its resources, whose resources, kind


class _CycleCheck:
    """Fail a page on which anything drawn draws itself, at once or through others: a form, a
    tiling pattern's cell, a Type3 glyph procedure, a soft mask or an annotation's appearance.
    A viewer rendering it never ends (PDFium runs until stopped, or until memory runs out).

    The content walk follows forms only, for the facts they hold; this check follows everything
    that draws content, for the cycle only: each content stream is read once for each set of
    resources it is drawn with (a form without resources of its own uses its drawer's), so a
    fan-out costs nothing more. It reads within a byte budget of its own, as large as the walk's."""

    def __init__(self, file_size: int) -> None:
        self.content_bytes = max(MIN_CONTENT_BYTES, 20 * file_size)
        self._done: set[tuple[Ident, Ident]] = set()  # read, and nothing drawn from it draws itself

    def check(self, number: int, page: pikepdf.Dictionary) -> None:
        """Raise TooLarge if anything page `number` draws draws itself."""
        resources = inherited(page, "/Resources")
        # Depth first, with a stack (a chain may be thousands long): each entry is a node being
        # read and what it draws still to visit; `chain` holds the nodes being read, each with the
        # kind of thing it was drawn as.
        root: _Node = (page, resources, page.objgen, PAGE)
        stack = [((page.objgen, page.objgen), iter(self._drawn(root, number)))]
        chain = {stack[0][0]: PAGE}
        while stack:
            node = next(stack[-1][1], None)
            if node is None:
                key, _ = stack.pop()
                del chain[key]
                self._done.add(key)
                continue
            content, resources, owner, kind = node
            key = (content.objgen, owner)
            if key in chain:
                raise TooLarge(f"{chain[key]} draws itself (page {number}): no viewer can draw it to the end")
            if key not in self._done:
                chain[key] = kind
                stack.append((key, iter(self._drawn(node, number))))

    def _drawn(self, node: _Node, number: int) -> list[_Node]:
        """Return what the content of `node` draws, each with the resources it is drawn with."""
        content, resources, owner, kind = node
        if not isinstance(resources, pikepdf.Dictionary):
            resources = pikepdf.Dictionary()
        try:
            self.content_bytes -= _content_length(content, self.content_bytes)
            if self.content_bytes < 0:
                raise TooLarge(f"its content decodes to too many bytes for its size (page {number}, "
                               "patterns, glyphs and appearances included)")
            # Only the operators that draw content of their own are handed back (qpdf parses the
            # rest and drops it): a check of a few thousand operators a page costs a few milliseconds.
            instructions = pikepdf.parse_content_stream(content, DRAWING_OPERATORS)
        except pikepdf.PdfError:
            # A pattern, glyph or appearance whose data qpdf cannot decode draws nothing anyone can
            # follow; qpdf's check lists the damage (pdf.opens), as it does for content not drawn.
            return []
        drawn: list[_Node] = []
        for operands, operator in instructions:
            op = str(operator)
            name = str(operands[-1 if op in ("scn", "SCN") else 0]) if operands else ""
            if op == "Do":
                drawn += _node(_entry(resources, "/XObject", name), FORM, resources, owner)
            elif op in ("scn", "SCN") and operands and isinstance(operands[-1], pikepdf.Name):
                pattern = _entry(resources, "/Pattern", name)
                if isinstance(pattern, pikepdf.Stream) and pattern.get("/PatternType") == 1:
                    drawn += _node(pattern, PATTERN, resources, owner)
            elif op == "Tf":
                font = _entry(resources, "/Font", name)
                if isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == "/Type3":
                    # Glyphs are drawn with the font's resources, or else those of the content
                    # showing them; a font written out in a resource dictionary is that
                    # dictionary's, under its name.
                    if isinstance(font.get("/Resources"), pikepdf.Dictionary):
                        resources_of_glyphs = font.Resources
                        owner_of_glyphs: Ident = font.objgen if font.is_indirect else f"{owner}/Font{name}"
                    else:
                        resources_of_glyphs, owner_of_glyphs = resources, owner
                    procs = font.get("/CharProcs")
                    for proc in procs.values() if isinstance(procs, pikepdf.Dictionary) else ():
                        if isinstance(proc, pikepdf.Stream):
                            drawn.append((proc, resources_of_glyphs, owner_of_glyphs, GLYPH))
            elif op == "gs":
                state = _entry(resources, "/ExtGState", name)
                mask = state.get("/SMask") if isinstance(state, pikepdf.Dictionary) else None
                if isinstance(mask, pikepdf.Dictionary):
                    drawn += _node(mask.get("/G"), FORM, resources, owner)
        if kind == PAGE:
            for annotation in _list(content.get("/Annots")):
                appearances = annotation.get("/AP") if isinstance(annotation, pikepdf.Dictionary) else None
                for states in (appearances.values() if isinstance(appearances, pikepdf.Dictionary) else ()):
                    streams = [states] if isinstance(states, pikepdf.Stream) else \
                        list(states.values()) if isinstance(states, pikepdf.Dictionary) else []
                    for stream in streams:
                        drawn += _node(stream, APPEARANCE, resources, owner)
        return drawn


def _node(target: object, kind: str, resources: pikepdf.Dictionary, owner: Ident) -> list[_Node]:
    """Return a stream drawn from content with `resources` (`owner`'s) as a node of the check (none
    when it is not one that draws content): with its own resources, or else its drawer's."""
    if not isinstance(target, pikepdf.Stream) or (kind == FORM and target.get("/Subtype") != "/Form"):
        return []
    own = target.get("/Resources")
    return [(target, own, target.objgen, kind) if isinstance(own, pikepdf.Dictionary)
            else (target, resources, owner, kind)]


def _entry(resources: pikepdf.Dictionary, category: str, name: str) -> object:
    """Return the named entry of a resource category, or None."""
    entries = resources.get(category)
    return entries.get(name) if isinstance(entries, pikepdf.Dictionary) and name else None


def _list(value: object) -> list:
    return list(value) if isinstance(value, pikepdf.Array) else []
