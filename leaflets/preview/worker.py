"""The warm render worker: one process that imports WeasyPrint once and renders every rebuild.

Its first render loads the bundled fonts and the hyphenation dictionaries; later renders reuse
them. It returns the PDF (written to build/ by the preview process), each page as a PNG image and
each page's text. The worker ignores Ctrl-C (the preview process stops it), and exits when the
preview process goes away (its end of the pipe closes).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..render import RenderRequest
    from ..workers import Rendered

SCALE = 1.5  # page images at 108 dpi: crisp at 100 % zoom, cheap to make
COLLECT_AFTER_SECONDS = 0.25  # the garbage of a render is collected once this long idle after it
COLLECT_EVERY = 4  # or after this many renders in a row without such a pause


@dataclass(frozen=True)
class PageImage:
    """One rendered page: its image file, its size in pixels, the text it shows and where that
    text comes from: `regions` are (x, y, width, height, "file:line:col"), in fractions of the
    page image, one per laid-out box of an element whose HTML carries a data-source attribute.

    `digest` is that of its pixels; `image` is a PNG of them."""

    digest: str
    image: bytes
    width: int
    height: int
    text: str
    regions: tuple = ()


@dataclass(frozen=True)
class Shown:
    """An edit's new pages, drawn from the new layout before the edition's PDF is written (see
    `Display`); the `Result` follows, with the PDF and the pages read back from it."""

    pages: tuple[PageImage, ...]
    fit: str = ""


@dataclass(frozen=True)
class Result:
    rendered: Rendered
    pages: tuple[PageImage, ...] = ()
    images_seconds: float = 0.0  # making the page images, after rendering
    cpu_seconds: float = 0.0  # the worker's CPU time for all of it (wall time minus waiting for a core)


class Images:
    """Page images by the digest of their pixels: a page that did not change is not encoded again;
    and by the digest of everything the page's PDF objects hold: a page whose content, fonts and
    resources are the same bytes is not even rendered again."""

    def __init__(self, keep: int = 32):
        self.keep = keep
        self.by_pixels: dict[str, bytes] = {}
        self.by_content: dict[tuple, PageImage] = {}

    def known(self, key) -> PageImage | None:
        found = self.by_content.pop(key, None) if key is not None else None
        if found is not None:
            self.by_content[key] = found  # most recently used last
        return found

    def remember(self, key, page: PageImage) -> None:
        if key is not None:
            self.by_content[key] = page
            while len(self.by_content) > self.keep:
                del self.by_content[next(iter(self.by_content))]

    def encode(self, image) -> tuple[str, bytes]:
        """The digest of an image's pixels and its PNG (a BMP, encoded in a tenth of the time, is
        ten times larger: what it saves here, the browser spends fetching and decoding it)."""
        pixels = hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest()
        found = self.by_pixels.pop(pixels, None)
        if found is None:
            stream = io.BytesIO()
            image.save(stream, "PNG", compress_level=1)
            found = stream.getvalue()
        self.by_pixels[pixels] = found  # most recently used last
        while len(self.by_pixels) > self.keep:
            del self.by_pixels[next(iter(self.by_pixels))]
        return pixels, found


def rasterize(pdf: bytes, scale: float = SCALE, images: Images | None = None, *,
              signatures: bool = True) -> tuple[PageImage, ...]:
    """Render each page of a PDF to a PNG with PDFium, and read its text back (without
    `signatures`, every page is rendered: none is looked up by its PDF objects)."""
    import pypdfium2 as pdfium

    images = images or Images()
    signatures = page_signatures(pdf) if signatures else None
    pages = []
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            key = (signatures[index], scale) if signatures else None
            known = images.known(key)
            if known is not None:
                pages.append(known)
                continue
            page = document[index]
            image = page.render(scale=scale).to_pil()
            digest, encoded = images.encode(image)
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
            pages.append(PageImage(digest, encoded, image.width, image.height, text.replace("\r\n", "\n")))
            images.remember(key, pages[-1])
    finally:
        document.close()
    return tuple(pages)


def page_signatures(pdf: bytes) -> list[str] | None:
    """Digest, per page, every PDF object the page's rendering reads: its dictionary, content
    streams and resources (fonts, images, graphics states), annotations, and what those refer to,
    byte for byte. Links up the trees (/Parent, /P) are not followed, and another page named by a
    link counts only as 'a page'. None if the PDF cannot be read this way."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            found = []
            for page in document.pages:
                digest = hashlib.blake2b(digest_size=16)
                _feed(digest, page.obj, {}, page.obj.objgen)
                found.append(digest.hexdigest())
            return found
    except Exception:  # noqa: BLE001 - then every page is rendered, as before
        return None


_UP = {"/Parent", "/P", "/StructParent", "/StructParents"}


def _feed(digest, value, seen: dict, page: tuple) -> None:
    import pikepdf

    objgen = value.objgen if isinstance(value, pikepdf.Object) and value.is_indirect else (0, 0)
    if objgen != (0, 0):
        if objgen in seen:  # shared or cyclic: named by when it was first met
            digest.update(b"@%d;" % seen[objgen])
            return
        seen[objgen] = len(seen)
        if objgen != page and isinstance(value, pikepdf.Dictionary) and value.get("/Type") == "/Page":
            digest.update(b"<another page>")
            return
    if isinstance(value, pikepdf.Stream):
        digest.update(b"stream")
        _feed(digest, value.stream_dict, seen, page)
        digest.update(value.read_raw_bytes())
    elif isinstance(value, pikepdf.Dictionary):
        digest.update(b"<<")
        for key in sorted(value.keys()):
            if key not in _UP:
                digest.update(key.encode() + b" ")
                _feed(digest, value[key], seen, page)
        digest.update(b">>")
    elif isinstance(value, pikepdf.Array):
        digest.update(b"[")
        for item in value:
            _feed(digest, item, seen, page)
        digest.update(b"]")
    elif isinstance(value, pikepdf.Object):  # names, strings
        digest.update(value.unparse() + b";")
    else:  # numbers and booleans, which pikepdf gives as Python values
        digest.update(repr(value).encode() + b";")


class Display:
    """Show an edit's pages before the PDF is written.

    The worker remembers, for the edition it rendered last, a digest of each page's laid-out
    boxes (their kind, place, size, text and the styles that paint them) beside that page's image.
    After the next layout, only the pages whose digest changed are drawn, without tags, into a
    PDF of their own and rendered; the others keep their images; the result goes to the preview
    at once, and the tagged PDF is written after. The pages read back from that PDF are the ones
    kept: a page drawn early has the same pixels (the same drawing, tags aside), so its image is
    found again by its pixels, not encoded twice; a page whose change the digest missed is
    rendered from the PDF and corrects what was shown. Not for profiles whose finishing steps
    draw on the pages (print marks): their early pages would differ from the PDF's.
    """

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.boxes: tuple[str, ...] = ()
        self.pages: tuple[PageImage, ...] = ()
        self._digested: tuple | None = None  # (the document, its box digests) of the render under way

    def early(self, key: tuple, rendered, regions: list, scale: float, images: Images) -> tuple[PageImage, ...] | None:
        """The new layout's pages, the changed ones drawn now; None when there is nothing to
        show before the PDF (another edition, or no page changed)."""
        if key != self.key or not self.pages:
            return None
        boxes = self._boxes(rendered)
        changed = [index for index, digest in enumerate(boxes)
                   if index >= len(self.boxes) or digest != self.boxes[index]]
        if not changed:
            return None
        # Links to pages left out of this PDF have no target: WeasyPrint's warnings about them
        # are not the edition's (the PDF written next reports any of its own).
        logger = logging.getLogger("weasyprint")
        disabled, logger.disabled = logger.disabled, True
        try:
            pdf = _pages_alone(rendered, changed).write_pdf()
        finally:
            logger.disabled = disabled
        drawn = dict(zip(changed, rasterize(pdf, scale, images, signatures=False)))
        return tuple(dataclasses.replace(drawn.get(index) or self.pages[index],
                                         regions=regions[index] if index < len(regions) else ())
                     for index in range(len(boxes)))

    def remember(self, key: tuple, rendered, pages: tuple[PageImage, ...]) -> None:
        self.key, self.boxes, self.pages = key, self._boxes(rendered), pages
        self._digested = None

    def forget_render(self) -> None:
        self._digested = None

    def _boxes(self, rendered) -> tuple[str, ...]:
        if self._digested is None or self._digested[0] is not rendered:
            self._digested = (rendered, tuple(box_digests(rendered)))
        return self._digested[1]


def _pages_alone(rendered, indexes: list[int]):
    """Some pages of a laid-out document, as a document of their own that shares nothing the
    writing of the PDF changes: each colour profile is a copy (WeasyPrint reads a profile's name
    through LittleCMS, which changes the bytes the profile is written as afterwards)."""
    from weasyprint.css import ColorProfile

    profiles = {}
    for name, profile in rendered.color_profiles.items():
        profiles[name] = ColorProfile(io.BytesIO(profile.content), profile.src, profile.rendering_intent,
                                      profile.components)
    return type(rendered)([rendered.pages[i] for i in indexes], rendered.metadata, rendered.url_fetcher,
                          rendered.font_config, profiles, rendered.output_intent)


_PAINT = ("color", "background_color", "font_family", "font_size", "font_weight", "font_style",
          "font_stretch", "font_variant_caps", "text_decoration_line", "text_decoration_color",
          "text_decoration_style", "opacity", "visibility", "border_top_color", "border_top_width",
          "border_bottom_color", "border_bottom_width", "border_left_color", "border_left_width",
          "border_right_color", "border_right_width", "list_style_type", "direction")


def box_digests(document) -> list[str]:
    """Digest, per page of a laid-out document, every box: its kind, element, place and size,
    its text, and the computed styles that paint it (colours, fonts, decorations, borders)."""
    found = []
    painted: dict[int, bytes] = {}  # by style: boxes of one element share theirs
    for page in document.pages:
        digest = hashlib.blake2b(digest_size=16)
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            style = box.style
            paint = painted.get(id(style))
            if paint is None:
                paint = painted[id(style)] = repr([style[name] for name in _PAINT]).encode()
            digest.update(repr((type(box).__name__, box.element_tag, box.position_x, box.position_y,
                                box.width, box.height, getattr(box, "text", None),
                                getattr(box, "justification_spacing", None))).encode())
            digest.update(paint)
            stack.extend(reversed(getattr(box, "children", ())))
        found.append(digest.hexdigest())
    return found


class Fonts:
    """One WeasyPrint font configuration kept across renders, so fonts are loaded once.

    It is kept while the edition, the files under styles/ and the HTML's own @font-face rules
    stay the same; any change of those starts a new one, so a font face removed from a stylesheet
    is never still served from the old configuration.
    """

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.config = None

    def get(self, request: RenderRequest, root: Path):
        from weasyprint.text.fonts import FontConfiguration

        try:
            key = (request.stem, _tree_stamp(root / "styles"), tuple(_FONT_FACE.findall(request.html)))
        except OSError:  # a file went away while looking: start afresh, and again next time
            key = None
        if key is None or key != self.key:
            self.key, self.config = key, FontConfiguration()
        return self.config


_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.I)


def _tree_stamp(folder: Path) -> tuple:
    stamps = []
    for directory, subdirs, files in os.walk(folder):
        subdirs.sort()
        for name in sorted(files):
            stat = os.stat(os.path.join(directory, name))
            stamps.append((directory, name, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def source_regions(document) -> list[tuple]:
    """List, per page of a laid-out WeasyPrint document, the boxes of the elements that carry a
    data-source attribute, as (x, y, width, height, source) in fractions of the whole page (bleed
    included, as the page image shows it). Boxes continuing their parent's element (lines, text,
    markers, anonymous boxes) are left out: an element split over pages or columns gives one
    region per piece."""
    found = []
    for page in document.pages:
        bleed = page.bleed
        width = page.width + bleed["left"] + bleed["right"]
        height = page.height + bleed["top"] + bleed["bottom"]
        regions = []
        stack = [(page._page_box, None)]
        while stack:
            box, outer = stack.pop()
            element = box.element
            if element is not None and element is not outer:
                source = element.get("data-source")
                if source:
                    w, h = box.border_width(), box.border_height()
                    if w > 0 and h > 0:
                        regions.append((round((box.border_box_x() + bleed["left"]) / width, 5),
                                        round((box.border_box_y() + bleed["top"]) / height, 5),
                                        round(w / width, 5), round(h / height, 5), source))
            stack.extend((child, element) for child in reversed(getattr(box, "children", ())))
        found.append(tuple(regions))
    return found


def _render_one(request: RenderRequest, root: Path, font_config, laid_out: list,
                before_write=None) -> Rendered:
    """The build's `workers.render_one`, keeping WeasyPrint's laid-out document in `laid_out`."""
    from .. import render as rendering
    from ..diagnostics import ContentError
    from ..workers import Rendered

    started = time.perf_counter()
    try:
        pdf, pages, fit = rendering.execute(request, root, font_config, laid_out, before_write)
    except ContentError as exc:
        return Rendered(request.stem, None, None, 0, time.perf_counter() - started, tuple(exc.diagnostics))
    except Exception:  # a fault of ours: reported in the panel, the worker carries on
        return Rendered(request.stem, None, None, 0, time.perf_counter() - started, (),
                        traceback.format_exc())
    return Rendered(request.stem, pdf, request.html, pages, time.perf_counter() - started, fit=fit)


def render(request: RenderRequest, root: Path, scale: float = SCALE, fonts: Fonts | None = None,
           images: Images | None = None, display: Display | None = None,
           shown: Callable[[Shown], None] | None = None) -> Result:
    """Render one prepared edition through the build's path, then its page images and the
    source regions of each page. With `display` and `shown`, the pages an edit changed are
    passed to `shown` as soon as they are laid out and drawn, before the PDF is written."""
    from ..finishing import DRAWING_STEPS
    from ..workers import Rendered

    cpu = time.process_time()
    images = images or Images()
    laid_out: list = []
    key = (request.stem, scale)
    regions: list = []
    early = None
    if display is not None and shown is not None and not DRAWING_STEPS.intersection(request.steps):
        def early(document, fit: str) -> None:
            regions[:] = source_regions(document)
            try:
                pages = display.early(key, document, regions, scale, images)
            except Exception:  # noqa: BLE001 - only an early view: the PDF's pages follow anyway
                pages = None
            if pages:
                shown(Shown(pages, fit))
    rendered = _render_one(request, root, fonts.get(request, root) if fonts else None, laid_out, early)
    if not rendered.ok:
        if display is not None:
            display.forget_render()  # its laid-out document is not kept until the next render
        return Result(rendered)
    try:
        started = time.perf_counter()
        if laid_out and not regions:
            regions = source_regions(laid_out[0])
        pages = rasterize(rendered.pdf, scale, images)
        pages = tuple(dataclasses.replace(page, regions=regions[index] if index < len(regions) else ())
                      for index, page in enumerate(pages))
        if display is not None and laid_out:
            display.remember(key, laid_out[0], pages)
        return Result(rendered, pages, time.perf_counter() - started, time.process_time() - cpu)
    except Exception:
        return Result(Rendered(request.stem, None, None, 0, rendered.seconds, (), traceback.format_exc()))


def _serve(connection, root: Path) -> None:
    """The worker's loop: render each request received until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ..workers import _warm

    _warm(rehearsal=True)  # fonts isolated, WeasyPrint imported and rehearsed, before any request
    import pikepdf  # noqa: F401 - page signatures (rasterize), imported before the first save
    import pypdfium2  # noqa: F401

    fonts, images, display = Fonts(), Images(), Display()
    renders, frozen = 0, False
    try:
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                return
            if message is None:
                return
            sequence, request, scale, early = message

            def reply(answer, sequence=sequence) -> None:  # each answer names its request
                connection.send((sequence, answer))
            # The cyclic garbage collector does not run during a render (WeasyPrint makes
            # hundreds of thousands of objects, and each collection would walk them all) but once
            # the result is sent and the browser has had its moment to show it; what the first
            # render loaded (modules, fonts, hyphenation dictionaries) is then frozen, out of
            # every later walk.
            gc.disable()
            try:
                result = render(request, root, scale, fonts, images, display, reply if early else None)
                reply(result)
            except (BrokenPipeError, OSError):
                return
            finally:
                result = None
            renders += 1
            if renders % COLLECT_EVERY == 0 or not connection.poll(COLLECT_AFTER_SECONDS):
                gc.enable()
                gc.collect()
                if not frozen:
                    gc.freeze()
                    frozen = True
    finally:
        fonts.config = None  # WeasyPrint removes the font configuration's temporary folder


class WorkerStopped(Exception):
    """The worker process ended while rendering (killed, out of memory)."""


class RenderWorker:
    """A render worker process: send it a request, wait for its result."""

    def __init__(self, root: Path):
        self.root = root
        self.process = None
        self.connection = None
        self.closed = False
        self.sequence = 0  # of the last request sent: answers to earlier ones are dropped
        self.start()

    def start(self) -> None:
        # A fresh interpreter (spawn): the preview process has threads and a listening socket
        # that a forked child would inherit. Ctrl-C is ignored from the child's first instruction
        # (an ignored signal stays ignored across exec), so it never prints a traceback.
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        # (Only the main thread may change a signal's handling: a worker restarted from the
        # builder thread ignores Ctrl-C from the first line of its loop instead.)
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            self.process = context.Process(target=_serve, args=(theirs, self.root),
                                           name="leaflets-preview-render", daemon=True)
            self.process.start()
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        theirs.close()
        self.connection = ours

    def render(self, request: RenderRequest, scale: float = SCALE) -> Result:
        """Render in the worker; raise WorkerStopped (and start a new one) if it died."""
        self.send(request, scale)
        return self.receive()

    def send(self, request: RenderRequest, scale: float = SCALE, *, early: bool = False) -> None:
        """Ask for a render; with `early`, a `Shown` comes before the `Result` when the edit
        changed pages the worker showed last (receive both)."""
        if self.closed:
            raise WorkerStopped("the preview is stopping")
        self.sequence += 1
        try:
            self.connection.send((self.sequence, request, scale, early))
        except (BrokenPipeError, OSError):
            self._restart()
            raise WorkerStopped("the render worker had stopped; a new one was started") from None

    def receive(self) -> Result | Shown:
        """The next answer to the last request sent. Answers to an earlier request that nobody
        waited for (a rebuild that failed between sending and receiving) are dropped, so a
        rebuild never takes the previous one's pages."""
        try:
            while True:
                sequence, answer = self.connection.recv()
                if sequence == self.sequence:
                    return answer
        except (EOFError, OSError):
            code = self.process.exitcode if self.process else None
            self._restart()
            raise WorkerStopped(f"the render worker stopped (exit code {code}); a new one was started") from None

    def _restart(self) -> None:
        if not self.closed:
            self._stop()
            self.start()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the worker for good: ask, then terminate, then kill; never leave it running."""
        self.closed = True
        self._stop(timeout)

    def _stop(self, timeout: float = 2.0) -> None:
        process, self.process = self.process, None
        if self.connection is not None:
            try:
                self.connection.send(None)
            except (BrokenPipeError, OSError):
                pass
            self.connection.close()
            self.connection = None
        if process is None:
            return
        process.join(timeout)
        if process.is_alive():
            process.terminate()
            process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
