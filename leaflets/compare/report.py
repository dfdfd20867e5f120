"""Write the comparison report: JSON for tools, HTML and a PDF set with the project's layouts.

All report text goes through Jinja2 with autoescape on (layouts/compare.html.j2), so content of
either version (a sentence, a reference, a catalogue entry) prints as text and never as markup.
The PDF is rendered by the normal render path (leaflets.render.render_pdf) with its restricted
fetcher: only the layouts, the styles and the report's own page images can be read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from markupsafe import Markup, escape

from ..outputs import write_atomic
from ..paths import project_files, read_bytes

TEMPLATE = "compare.html.j2"
STYLESHEET = "styles/compare.css"
REPORT_FILES = {"layouts/compare.html.j2", "styles/compare.css"}  # the report's own files: not the edition's


def design_changes(old_root: Path, new_root: Path) -> list[dict]:
    """Files under layouts/ and styles/ added, removed or changed between the two versions."""
    def files(root: Path) -> dict[str, str]:
        found = {}
        for tree in ("layouts", "styles"):
            # A link out of the project or a pipe is compared by what it is, never read.
            for relative, path, marker in project_files(root / tree) if (root / tree).is_dir() else ():
                name = f"{tree}/{relative}"
                if name not in REPORT_FILES:
                    found[name] = marker or hashlib.sha256(read_bytes(path)).hexdigest()
        return found

    if old_root.resolve() == new_root.resolve():
        return []
    a, b = files(old_root), files(new_root)
    changes = []
    for name in sorted(set(a) | set(b)):
        if name not in a:
            changes.append({"file": name, "change": "added"})
        elif name not in b:
            changes.append({"file": name, "change": "removed"})
        elif a[name] != b[name]:
            changes.append({"file": name, "change": "changed"})
    return changes


_CITE = re.compile(r"\[(\d+(?:[,-]\d+)*)\]")


def cites(text) -> Markup:
    """Escape report text, then print citation numbers ([1,3]) as superscripts, as the leaflet does."""
    return Markup(_CITE.sub(r'<sup class="cite">\1</sup>', str(escape(text))))


def json_text(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def html_text(report: dict, pages: dict | None, root: Path, *, stylesheet: str | None = None,
              base_href: str | None = None) -> str:
    """Fill the report layout; without a stylesheet link the CSS is inlined (standalone HTML)."""
    from ..render import environment

    env = environment(root / "layouts")
    env.filters["cites"] = cites
    css = None if stylesheet else (root / STYLESHEET).read_text("utf-8")
    return env.get_template(TEMPLATE).render(report=report, pages=pages, stylesheet=stylesheet,
                                             css=css, base_href=base_href)


def pdf_bytes(report: dict, pages: dict | None, root: Path, pages_folder: Path | None) -> bytes:
    """Render the report PDF with the project's layouts and styles and the page images."""
    from ..render import render_pdf

    with tempfile.TemporaryDirectory(prefix="leaflets-report-") as temp:
        # A render root whose readable trees are the project's layouts and styles and, as its
        # `source` tree, the page images: the fetcher refuses everything else.
        stage = Path(temp)
        for tree in ("layouts", "styles"):
            os.symlink((root / tree).resolve(), stage / tree)
        images = stage / "source"
        images.mkdir()
        shown = None
        if pages is not None and pages_folder is not None:
            shown = dict(pages, shown=[])
            for page in pages["shown"]:
                entry = dict(page)
                for side in ("old_image", "new_image"):
                    if entry.get(side):
                        write_atomic(images / entry[side], (pages_folder / entry[side]).read_bytes())
                        entry[side] = "source/" + entry[side]
                shown["shown"].append(entry)
        html = html_text(report, shown, root, stylesheet=STYLESHEET, base_href=stage.resolve().as_uri() + "/")
        pdf, _ = render_pdf(html, stage.resolve().as_uri() + "/", stage, {"pdf_variant": "pdf/ua-1", "pdf_tags": True})
    return pdf


def for_json(report: dict, pages: dict | None) -> dict:
    data = dict(report)
    if pages is not None:
        data["pages"] = {k: v for k, v in pages.items() if k != "shown"}
    return data
