"""Render a view model to HTML with Jinja2, then to PDF with WeasyPrint."""

from __future__ import annotations

import logging
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable
from urllib.parse import unquote, urlsplit

from . import fonts
from .diagnostics import ContentError, Diagnostic, Position, display_path, error
from .paths import read_bytes, read_text

if TYPE_CHECKING:  # the worker processes that render PDFs never load the content models
    import jinja2

    from .finishing import EditionFacts
    from .view import EditionView, Job

# Only these trees of the project may be read while rendering.
READABLE_TREES = ("layouts", "styles", "source")
BASE_TEMPLATE = "leaflet.html.j2"
# Copyfitting: layers tried in turn when a last page would hold too few lines or a lone
# paragraph (page_fills says which pages are judged, and how).
COPYFIT_STEPS = ("styles/copyfit/step-1.css", "styles/copyfit/step-2.css", "styles/copyfit/step-3.css",
                 "styles/copyfit/regroup.css")
MIN_LAST_PAGE_LINES = 6
# Each copyfit step renders the whole document again: worth it for a leaflet, not for a long
# document, where it doubled the time of a 42-page one (docs/performance.md, long documents).
COPYFIT_MAX_PAGES = 16
MIN_LAST_PAGE_BLOCKS = 2


def environment(layouts: Path) -> jinja2.Environment:
    """Make the Jinja2 environment: autoescape on, undefined names are errors."""
    import jinja2  # here: a render worker never fills layouts and need not import it

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(layouts),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)
    return env


@lru_cache(maxsize=8)
def _environment(layouts: Path) -> jinja2.Environment:
    """One environment per layouts folder: templates compile once and recompile when their file
    changes (Jinja2 checks each template's modification time when it is used).

    Its gettext functions look the labels up when called, never when installed: Jinja keeps an
    imported template (the `inline` macros) with the functions it first saw, so labels bound at
    installation would leak from one edition's language into the next one rendered here.
    """
    env = environment(layouts)
    install_labels(env, lambda: env.leaflet_labels)
    return env


def render_html(view: EditionView, root: Path) -> str:
    """Fill the layouts with one edition's view model."""
    import jinja2

    env = _environment((root / "layouts").resolve())
    env.leaflet_labels = view.labels  # what the installed gettext functions read
    try:
        return env.get_template(BASE_TEMPLATE).render(edition=view)
    except jinja2.TemplateSyntaxError as exc:
        where = Position(display_path(Path(exc.filename or root / "layouts" / (exc.name or ""))), exc.lineno, 1)
        raise ContentError([error(where, "template-syntax", exc.message or "template syntax error")])
    except jinja2.TemplateError as exc:
        raise ContentError([error(_template_position(exc, root), "template-error", str(exc))])


def install_labels(env: jinja2.Environment, current) -> None:
    """Install translated layout labels, escaped like every other printed text; `current()`
    returns the labels (a gettext translations object) in force when a label is printed.

    Jinja's newstyle gettext marks what the translation returns as safe markup, since the
    message is the template author's; a translation is a translator's text, so it is escaped
    before that (placeholders are still filled, and escaped, by Jinja).
    """
    from markupsafe import escape

    env.install_gettext_callables(
        lambda message: escape(current().gettext(message)),
        lambda singular, plural, n: escape(current().ngettext(singular, plural, n)),
        newstyle=True,
        pgettext=lambda context, message: escape(current().pgettext(context, message)),
        npgettext=lambda context, singular, plural, n: escape(current().npgettext(context, singular, plural, n)))


def _template_position(exc: Exception, root: Path) -> Position:
    """Find the innermost template frame of a rendering error."""
    tb = exc.__traceback__
    where = Position(display_path(root / "layouts"))
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = Position(display_path(Path(filename)), tb.tb_lineno, 1)
        tb = tb.tb_next
    return where


class _Collector(logging.Handler):
    """Keep WeasyPrint's warnings so they become diagnostics instead of log noise."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass(frozen=True)
class RenderRequest:
    """All a worker needs to render one edition's HTML: plain data, cheap to send."""

    stem: str
    html: str
    base_href: str
    options: dict
    facts: EditionFacts
    steps: tuple = ()          # finishing steps (names of functions in leaflets.finishing)
    attach_sources: bool = False
    extra: dict = field(default_factory=dict)
    audit: bool = True         # False: the caller reads the fonts back itself (workers.Workers)


def prepare(job: Job, root: Path) -> RenderRequest:
    """Fill the layouts for one edition and gather what rendering its PDF needs."""
    from .documents import LEAFLET_FILE, REFERENCES_FILE, outside_project
    from .finishing import EditionFacts
    from .paths import inside
    from .profiles import PAPERS, PROFILES

    e = job.edition
    profile = PROFILES[e.profile]
    sources = ()
    if profile.attach_sources:
        folder = root / "source" / job.document
        catalogue = folder / "locales" / f"{e.locale}.po"
        if catalogue.is_symlink() and not inside(root, catalogue):
            raise ContentError([outside_project(catalogue)])  # never attach a file from elsewhere
        sources = (folder / LEAFLET_FILE, folder / REFERENCES_FILE, *([catalogue] if catalogue.is_file() else []))
    facts = EditionFacts(e.job_code, e.date_of_preparation, PAPERS[e.paper].bleed_mm, sources)
    return RenderRequest(job.stem, render_html(job.view, root), job.view.base_href,
                         dict(profile.options), facts, tuple(profile.finishing),
                         bool(profile.attach_sources))


def execute(request: RenderRequest, root: Path, font_config=None,
            laid_out: list | None = None, before_write: Callable | None = None) -> tuple[bytes, int, str]:
    """Render a prepared request to PDF bytes, a page count and how its last pages are filled.

    A long-lived process may pass the same WeasyPrint `font_config` to every render of an
    edition, so fonts are loaded once (the bytes are the same as with a fresh one). `laid_out`,
    when given, receives WeasyPrint's laid-out document (the preview maps its boxes to sources);
    `before_write(document, fit)` is called once it is laid out without a warning, before the
    PDF is written (the preview shows the changed pages then).
    """
    from .finishing import finisher, source_attachments

    options = dict(request.options)
    if request.attach_sources and request.facts.sources:
        options["attachments"] = source_attachments(request.facts)
    fit: list[str] = []
    pdf, pages = render_pdf(request.html, request.base_href, root, options,
                            finisher(request.steps, request.facts), fit, font_config, laid_out, before_write)
    foreign = fonts.audit(pdf, root, request.stem) if request.audit else []  # only bundled fonts
    if foreign:
        raise ContentError(foreign)
    return pdf, pages, fit[0] if fit else ""


def render_pdf(html: str, base_href: str, root: Path, options: dict,
               finisher: Callable | None = None, fit: list | None = None,
               font_config=None, laid_out: list | None = None,
               before_write: Callable | None = None) -> tuple[bytes, int]:
    """Render HTML to PDF bytes and a page count; a refused fetch or a warning is an error.

    `finisher(document, pdf)` may edit WeasyPrint's PDF object tree before it is written.
    `fit`, when given, receives one line on the last pages' fill (see `describe_fit`).
    """
    fonts.isolate(root)  # before WeasyPrint loads fontconfig: only the bundled fonts
    import weasyprint  # imported here: checking and listing must stay fast

    fetcher = _project_fetcher(weasyprint, root)
    collector = _Collector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    own_fonts = font_config is None
    if own_fonts:
        from weasyprint.text.fonts import FontConfiguration
        font_config = FontConfiguration()
    try:
        document = weasyprint.HTML(string=html, base_url=base_href, url_fetcher=fetcher)
        rendered = document.render(font_config=font_config, **options)
        fitted = None
        # copyfit a leaflet: keep the first step that fixes its last page
        if short_last_page(rendered) and len(rendered.pages) <= COPYFIT_MAX_PAGES:
            for step in COPYFIT_STEPS:
                layer = weasyprint.CSS(filename=str(root / step), url_fetcher=fetcher)
                attempt = document.render(font_config=font_config, **{**options, "stylesheets": [layer]})
                if not short_last_page(attempt):
                    rendered, fitted = attempt, Path(step).stem
                    break
        if fit is not None:
            fit.append(describe_fit(rendered, fitted))
        if laid_out is not None:
            laid_out.append(rendered)
        if before_write is not None and not fetcher.refused and not collector.messages:
            before_write(rendered, fit[-1] if fit else "")
        from .finishing import marked_content_ids
        with marked_content_ids():
            pdf = rendered.write_pdf(finisher=finisher, **options)
    finally:
        logger.removeHandler(collector)
        if own_fonts:
            discard_font_files(font_config)
    problems = [error(_mentioned(root, url), "render-fetch", message, hint)
                for url, message, hint in fetcher.refused]
    refused = [url for url, _, _ in fetcher.refused]
    problems += [_warning_diagnostic(message, root) for message in collector.messages
                 if not any(url in message for url in refused)]  # already said, plainer
    if problems:
        raise ContentError(_unique(problems))
    return pdf, len(rendered.pages)


def discard_font_files(font_config) -> None:
    """Remove the folder where WeasyPrint copied this document's @font-face files.

    WeasyPrint 70 (pinned) removes it only when the configuration is garbage-collected, which a
    worker process that exits, or an object kept in a reference cycle, never reaches: each
    render would leave a copy of the fonts in the system's temporary folder.
    """
    import shutil

    folder = getattr(font_config, "_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        font_config._folder = None


@dataclass(frozen=True)
class PageFill:
    """How one page the fit rule judges is filled (see docs/typography.md, "Page fit")."""

    number: int
    part: str            # "body" or "back matter"
    lines: int           # lines of text in its flow (not the running heads and feet)
    blocks: int          # paragraphs, list items, cells and captions holding text; headings not counted
    percent: int         # how far down the text area its flow reaches
    opens_section: bool  # a section (h2) starts on it
    short: str = ""      # why the page is too short, or ""


def page_fills(rendered) -> list[PageFill]:
    """Judge the body's last page and the back matter's last page, when each part has two pages
    or more (a part on one page ends where the design ends it).

    The body's last page is too short with fewer than MIN_LAST_PAGE_LINES lines or a lone
    paragraph. The back matter starts on a page of its own by design; its last page is too short
    when nothing on it opens a section and it holds fewer than MIN_LAST_PAGE_LINES lines or a
    lone fragment (one paragraph or list item, with or without a sub-heading above it). A complete
    section on the last page, however short, is the design's.
    """
    fills = []
    for name, part in (("body", "body"), ("back-matter", "back matter")):
        numbers = [number for number, page in enumerate(rendered.pages, 1)
                   if page._page_box.page_type.name == name]
        if len(numbers) < 2:
            continue
        fill = _measure(rendered, numbers[-1], part)
        short = ""
        if part == "body" or not fill.opens_section:
            if fill.lines < MIN_LAST_PAGE_LINES:
                short = f"{fill.lines} lines"
            elif fill.blocks < MIN_LAST_PAGE_BLOCKS:
                short = "a lone paragraph" if part == "body" else "a lone fragment of a section"
        fills.append(replace(fill, short=short))
    return fills


def _measure(rendered, number: int, part: str) -> PageFill:
    """Count one page's lines and blocks and how far down its flow reaches."""
    box = rendered.pages[number - 1]._page_box
    lines, blocks, headings = _count(box)
    top, height = box.content_box_y(), box.height
    bottom = max((_bottom(child) for child in box.children), default=top)
    percent = max(0, min(100, round(100 * (bottom - top) / height)))
    return PageFill(number, part, lines, blocks, percent, "h2" in headings)


def short_last_page(rendered) -> int | None:
    """Return the number of the first page the fit rule finds too short (page_fills), else None."""
    return next((fill.number for fill in page_fills(rendered) if fill.short), None)


def describe_fit(rendered, fitted: str | None = None) -> str:
    """Say how full the last pages are, e.g. 'last body page 3: 8 lines, 21% full; back matter
    page 6: 7 lines, 1 block, 25% full (too short: could not copyfit page 6, a lone fragment ...)'."""
    body = [number for number, page in enumerate(rendered.pages, 1)
            if page._page_box.page_type.name == "body"]
    if not body:
        return ""
    fills = {fill.part: fill for fill in page_fills(rendered)}
    if "body" not in fills:  # a one-page body: described, never judged
        fills["body"] = _measure(rendered, body[-1], "body")
    parts = []
    for fill in sorted(fills.values(), key=lambda fill: fill.number):
        text = f"last body page {fill.number}: {fill.lines} lines" if fill.part == "body" else \
            f"back matter page {fill.number}: {fill.lines} lines, {fill.blocks} block{'s' * (fill.blocks != 1)}"
        parts.append(f"{text}, {fill.percent}% full")
    text = "; ".join(parts)
    if fitted:
        text += f" (copyfitted: {fitted})"
    short = [fill for fill in fills.values() if fill.short]
    if short and len(rendered.pages) > COPYFIT_MAX_PAGES:
        text += f" (too short: not copyfitted, longer than {COPYFIT_MAX_PAGES} pages)"
    elif short:
        text += " (too short: " + ", ".join(f"could not copyfit page {fill.number}, {fill.short}"
                                             for fill in short) + ")"
    return text


def _count(box) -> tuple[int, int, list[str]]:
    """Count the lines and the text blocks of a page's flow and list its headings' tags."""
    from weasyprint.formatting_structure import boxes

    lines = blocks = 0
    headings: list[str] = []

    def walk(box) -> None:
        nonlocal lines, blocks
        if isinstance(box, boxes.MarginBox) or box.style["position"] == "fixed":
            return
        if isinstance(box, boxes.LineBox):
            lines += 1
            return
        children = getattr(box, "children", ())
        tag = getattr(box, "element_tag", "")
        if isinstance(box, boxes.BlockContainerBox) and getattr(box, "pseudo_type", None) != "marker" \
                and any(isinstance(child, boxes.LineBox) for child in children):
            if tag in _HEADINGS:
                headings.append(tag)
            else:
                blocks += 1
        for child in children:
            walk(child)

    walk(box)
    return lines, blocks, headings


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _bottom(box) -> float:
    """The lowest edge of a box's in-flow content (margin boxes and fixed marks left out)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.MarginBox) or box.style["position"] == "fixed":
        return 0
    if isinstance(box, boxes.LineBox):
        return box.position_y + box.height
    children = [_bottom(child) for child in getattr(box, "children", ())]
    return max(children, default=box.position_y + (box.height or 0))


_MISSING_GLYPH = re.compile(r'unsupported by fonts: "(?P<text>.*)" \((?P<codes>U\+[0-9A-F, U+]+)\)', re.S)


def _warning_diagnostic(message: str, root: Path) -> Diagnostic:
    """Turn a WeasyPrint warning into a diagnostic, in plain words where we know it."""
    glyph = _MISSING_GLYPH.search(message)
    if glyph:
        text = glyph.group("text")
        return error(_mentioned(root, text[:1]), "missing-glyph",
                     f"'{text}' ({glyph.group('codes')}) is not in the bundled fonts: "
                     "it prints as an empty box",
                     "use another character, or add a font that has it to styles/fonts")
    return error(Position(display_path(root / "layouts" / BASE_TEMPLATE)), "render-warning",
                 message.splitlines()[0])


_QUOTABLE = (".css", ".j2", ".html", ".po", ".yaml")  # files a URL or a character is typed in


def _mentioned(root: Path, needle: str) -> Position:
    """Find where a layout, stylesheet, content file or catalogue mentions a URL or a character."""
    path = unquote(urlsplit(needle).path) if "://" in needle or needle.startswith("file:") else needle
    candidates = [needle, path, Path(path).name] if path else [needle]
    for tree in READABLE_TREES:  # the layouts and styles first; then the content and its catalogues
        inside = (root / tree).resolve()
        for file in sorted((root / tree).rglob("*")):
            if file.suffix not in _QUOTABLE or not file.resolve().is_relative_to(inside):
                continue  # a link out of the tree is never read, not even to quote it
            try:
                lines = read_text(file, errors="replace").splitlines()
            except OSError:  # a pipe or a folder named like a stylesheet: nothing to quote
                continue
            for candidate in filter(None, candidates):
                for number, line in enumerate(lines, 1):
                    if candidate in line:
                        return Position(display_path(file), number, line.index(candidate) + 1)
    return Position(display_path(root / "layouts" / BASE_TEMPLATE))


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return list(dict.fromkeys(diagnostics))


def _project_fetcher(weasyprint, root: Path):
    """Return a URL fetcher that serves files from the readable trees and refuses the rest."""
    allowed = [(root / tree).resolve() for tree in READABLE_TREES]

    class ProjectFetcher(weasyprint.URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",))
            self.refused: list[tuple[str, str, str]] = []  # url, message, hint

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
            if path is None or not any(path.is_relative_to(tree) for tree in allowed):
                self.refused.append((url, f"refused to fetch '{url}'",
                                     "only files under layouts/, styles/ and source/ can be used"))
                raise ValueError(f"refused: {url}")
            if not path.is_file():
                self.refused.append((url, f"file not found: '{display_path(path)}'",
                                     "check the path in the layout or stylesheet"))
                raise FileNotFoundError(url)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(
                url, read_bytes(path), {"Content-Type": mime})

    return ProjectFetcher()
