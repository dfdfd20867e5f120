"""`make_pdf.py preview`: the live preview, driven in headless Chromium, and how it stops.

Each test runs the preview in its own process on a free port, in a temporary copy of the project
whose only document is a small fixture leaflet (tests/fixtures/preview), and edits its files.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "preview"
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
STARTUP_SECONDS = 120  # the first build imports WeasyPrint and warms its fonts, on a busy machine
UPDATE_SECONDS = 60


def make_project(tmp_path: Path) -> Path:
    """A project copy: the code, layouts and styles, and the fixture leaflet as its only document."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "leaflets", root / "leaflets", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "make_pdf.py", root / "make_pdf.py")
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, root / tree)
    shutil.copytree(FIXTURE, root / "source" / "sample")
    return root


class Preview:
    """A preview process started in a project; its URL is read from its first line."""

    def __init__(self, root: Path, *args: str, temp: Path | None = None):
        env = {**os.environ, "PYTHONPATH": str(root), "PYTHONUNBUFFERED": "1"}
        if temp is not None:  # where the preview and its worker keep temporary files
            temp.mkdir()
            env["TMPDIR"] = str(temp)
        self.root = root
        self.process = subprocess.Popen(
            [sys.executable, "make_pdf.py", "preview", "--port", "0", *args], cwd=root, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not match:
            self.process.kill()
            raise AssertionError(f"no URL printed: {line!r} {self.process.stderr.read()}")
        self.url = match.group(0)

    def state(self) -> dict:
        with urllib.request.urlopen(self.url + "state", timeout=10) as response:
            return json.load(response)

    def wait_state(self, condition, seconds: float = STARTUP_SECONDS) -> dict:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            state = self.state()
            if condition(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"state not reached in {seconds} s: {self.state()}")

    def stop(self, how=signal.SIGINT) -> tuple[int, str]:
        self.process.send_signal(how)
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        return self.process.returncode, err


def descendants(pid: int) -> set[int]:
    """The processes started (directly or not) by `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module's browser tests (each opens its own preview's URL)."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Debian's chromium and chromium-driver are not installed "
                    "(apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,900", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def page(driver) -> dict:
    """What the open page shows: pages, their text layer, diagnostics, marks."""
    return driver.execute_script("""
        const pages = [...document.querySelectorAll('#pages .page')];
        return {
          revision: document.body.dataset.revision || null,
          writing: document.body.dataset.writing === 'true',  // pages shown, their PDF not yet written
          stale: document.getElementById('pages').classList.contains('stale'),
          staleBanner: getComputedStyle(document.getElementById('stale')).display !== 'none',
          pages: pages.length,
          loaded: pages.every((p) => p.querySelector('img').complete
                                     && p.querySelector('img').naturalWidth > 0),
          widths: pages.map((p) => p.querySelector('img').naturalWidth),
          text: pages.map((p) => p.querySelector('.text').textContent).join(' ').replace(/\\s+/g, ' '),
          diagnostics: [...document.querySelectorAll('#diagnostics li')].map((li) => li.innerText),
          count: document.getElementById('count').textContent,
          title: document.getElementById('title').textContent,
          injected: document.querySelectorAll('#injected, #inj2, .pwned').length,
          scroll: window.scrollY,
        };""")


def wait_page(driver, condition, seconds: float = UPDATE_SECONDS) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        shown = page(driver)
        if condition(shown):
            return shown
        time.sleep(0.05)
    raise AssertionError(f"the page did not get there in {seconds} s: {page(driver)}")


def test_browser_follows_edits_errors_and_fixes(tmp_path, browser):
    root = make_project(tmp_path)
    leaflet = root / "source" / "sample" / "leaflet.yaml"
    preview = Preview(root, temp=tmp_path / "temp")
    try:
        browser.get(preview.url)
        first = wait_page(browser, lambda s: s["revision"] == "1" and s["loaded"], STARTUP_SECONDS)
        assert "Hormone receptors (HRs) sit in some tumor cells" in first["text"]
        assert first["count"] == f"{first['pages']} page(s)" and first["pages"] >= 1
        assert first["title"] == "sample-en-a4-screen" and not first["stale"]
        browser.execute_script("window.scrollTo(0, 200)")
        scrolled = browser.execute_script("return window.scrollY")
        assert scrolled > 0

        # A save shows the new text without a reload, where the reader was; markup prints as typed.
        edit(leaflet, "sit in some tumor cells.", 'sit in some pineapple cells <b id="injected">x</b>.')
        changed = wait_page(browser, lambda s: "pineapple cells" in s["text"] and s["loaded"])
        assert changed["revision"] == "2" and changed["scroll"] == scrolled
        assert '<b id="injected">x</b>' in changed["text"] and changed["injected"] == 0
        assert browser.execute_script("return window.previewLog.length") == 2  # no reload
        assert any("source/sample/leaflet.yaml:12:59" in d and "warning [html-in-text]" in d for d in changed["diagnostics"])

        # The PDF in build/ is what the browser shows, and the manifest says so (once the page no
        # longer says it is being written: the changed pages are shown first).
        wait_page(browser, lambda s: not s["writing"] and s["revision"] == "2")
        pdf = root / "build" / "sample" / "sample-en-a4-screen.pdf"
        with urllib.request.urlopen(preview.url + "edition.pdf", timeout=10) as response:
            assert response.read() == pdf.read_bytes()
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "pineapple cells" in " ".join(text.split())
        [entry] = json.loads((root / "build" / "manifest.json").read_text())["editions"]
        assert entry["path"] == "build/sample/sample-en-a4-screen.pdf"
        assert sorted(p.relative_to(root / "build").as_posix() for p in (root / "build").rglob("*")
                      if p.is_file()) == [".cache/editions/sample-en-a4-screen.json", "manifest.json",
                                          "sample/sample-en-a4-screen.pdf"]  # the PDF, its record, the manifest

        # An error: the diagnostic appears with its place, code and hint, escaped; the last good
        # pages stay, marked stale.
        edit(leaflet, "  short_title:", '  <i id="inj2">oops</i>: 1\n  short_title:')
        broken = wait_page(browser, lambda s: s["stale"] and s["diagnostics"])
        assert any("source/sample/leaflet.yaml:4:3" in d and "[unknown-field]" in d
                   and "unknown field '<i id=\"inj2\">oops</i>'" in d for d in broken["diagnostics"]), broken
        assert broken["staleBanner"] and broken["injected"] == 0
        assert broken["pages"] == changed["pages"] and broken["loaded"] and "pineapple cells" in broken["text"]
        assert broken["revision"] == "2"

        # Fixing it clears the panel and shows fresh pages.
        edit(leaflet, '  <i id="inj2">oops</i>: 1\n', "")
        edit(leaflet, 'pineapple cells <b id="injected">x</b>.', "mango cells.")
        fixed = wait_page(browser, lambda s: "mango cells" in s["text"] and not s["stale"] and s["loaded"])
        assert fixed["diagnostics"] == [] and not fixed["staleBanner"] and fixed["revision"] == "3"

        # Another edition chosen from the page: US Letter pages are wider than A4 ones.
        from selenium.webdriver.support.ui import Select
        Select(browser.find_element("id", "paper")).select_by_value("letter")
        letter = wait_page(browser, lambda s: s["title"] == "sample-en-letter-screen" and s["revision"] == "4"
                           and s["loaded"])
        assert letter["widths"][0] > fixed["widths"][0]
        assert (root / "build" / "sample" / "sample-en-letter-screen.pdf").is_file()
    finally:
        code, err = preview.stop()
    assert code == 0 and "Traceback" not in err, err
    assert list((tmp_path / "temp").iterdir()) == []  # WeasyPrint's font folders removed

    # The preview's PDFs (its fonts kept warm across rebuilds) are byte for byte the build's.
    shown = {name: (root / "build" / "sample" / name).read_bytes()
             for name in ("sample-en-a4-screen.pdf", "sample-en-letter-screen.pdf")}
    done = subprocess.run([sys.executable, "make_pdf.py", "--force", "--out", "rebuilt", "--jobs", "1"], cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert {name: (root / "rebuilt" / "sample" / name).read_bytes() for name in shown} == shown


def test_each_kind_of_file_rebuilds_then_ctrl_c_leaves_no_process(tmp_path):
    root = make_project(tmp_path)
    preview = Preview(root)
    try:
        preview.wait_state(lambda s: s["revision"] >= 1)
        saves = [  # (file, old, new): a reference, a stylesheet, a layout, a layout catalogue
            ("source/sample/references.yaml", "A guide for patients", "A handbook for patients"),
            ("styles/leaflet.css", "", "\n.preview-test-unused { color: red; }\n"),
            ("layouts/partials/paragraph.html.j2", "", "{# saved #}\n"),
            ("layouts/locales/de.po", "", "\n# saved\n"),
        ]
        for revision, (name, old, new) in enumerate(saves, 2):
            path = root / name
            if old:
                edit(path, old, new)
            else:
                path.write_text(path.read_text("utf-8") + new, "utf-8")
            state = preview.wait_state(lambda s: s["revision"] >= revision, UPDATE_SECONDS)
            assert state["revision"] == revision and not state["diagnostics"], (name, state["diagnostics"])
        assert "A handbook for patients" in " ".join(p["text"] for p in state["pages"])

        # Only requests addressed to this server, and only declared editions.
        request = urllib.request.Request(preview.url + "state", headers={"Host": "elsewhere.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        refused.value.close()
        assert refused.value.code == 403
        select = urllib.request.Request(preview.url + "select", data=b'{"stem": "sample-fr-a4-screen"}',
                                        headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as unknown:
            urllib.request.urlopen(select, timeout=10)
        unknown.value.close()
        assert unknown.value.code == 404

        # A render worker that dies is replaced, and the save it missed is rendered.
        [worker] = [pid for pid in descendants(preview.process.pid)
                    if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        os.kill(worker, signal.SIGKILL)
        edit(root / "source" / "sample" / "leaflet.yaml", "grow slowly", "grow very slowly")
        state = preview.wait_state(lambda s: s["revision"] > revision and not s["building"])
        assert "grow very slowly" in " ".join(p["text"] for p in state["pages"]), state["diagnostics"]

        children = descendants(preview.process.pid)
        assert children, "the render worker runs in its own process"
    finally:
        code, err = preview.stop(signal.SIGINT)
    assert code == 0
    assert err.strip().splitlines()[-1] == "preview stopped"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if alive(pid)]


def test_a_port_in_use_is_a_usage_error_with_another_port_suggested(tmp_path):
    root = make_project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "make_pdf.py", "preview", "--port", str(port)], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr
    suggested = int(re.search(r"try --port (\d+)", done.stderr).group(1))
    assert suggested != port and "Traceback" not in done.stderr


def test_no_matching_edition_is_a_usage_error(tmp_path):
    root = make_project(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "make_pdf.py", "preview", "--port", "0", "--locale", "en",
                           "--paper", "a5"],  # a known locale and paper, but no such edition
                          cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no edition matches the filters" in done.stderr
    # A locale no document has is a slip, said before anything starts.
    done = subprocess.run([sys.executable, "make_pdf.py", "preview", "--port", "0", "--locale", "fr"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown locale 'fr'" in done.stderr and "Traceback" not in done.stderr


def where_on_page(pdf: Path, text: str) -> tuple[int, float, float]:
    """Find `text` in a PDF with PDFium: its page (from 0) and the middle of its first line, in
    fractions of the page (from the top left), the page's whole media box included."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        for number, pdf_page in enumerate(document):
            textpage = pdf_page.get_textpage()
            found = textpage.search(text, match_case=True).get_next()
            if found:
                start, count = found
                left, bottom, right, top = textpage.get_charbox(start)
                x0, y0, x1, y1 = pdf_page.get_mediabox()
                return number, ((left + right) / 2 - x0) / (x1 - x0), (y1 - (bottom + top) / 2) / (y1 - y0)
    finally:
        document.close()
    raise AssertionError(f"{text!r} is not in {pdf}")


def position_in(path: Path, line_text: str, word: str) -> str:
    """`file:line:col` of `word` on the line of `path` that holds `line_text` (read here, plainly)."""
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line_text in line:
            return f"{number}:{line.index(word) + 1}"
    raise AssertionError(f"{line_text!r} is not in {path}")


def click_at(driver, page_number: int, x: float, y: float) -> dict:
    """Click page `page_number` (from 1) at (x, y), fractions of its image; return the source
    panel's text and the outline drawn on the page (its box in fractions of the image)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    img = driver.find_element("css selector", f'#pages .page[data-page="{page_number}"] img')
    # Scroll the point to the middle of the window, then click there as a user would.
    at = driver.execute_script("""
        const img = arguments[0], x = arguments[1], y = arguments[2];
        let r = img.getBoundingClientRect();
        window.scrollBy(0, r.top + y * r.height - window.innerHeight / 2);
        r = img.getBoundingClientRect();
        return [Math.round(r.left + x * r.width), Math.round(r.top + y * r.height)];""", img, x, y)
    assert driver.execute_script("return document.elementFromPoint(...arguments)", *at) == img
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(*at).click()
    actions.perform()
    return driver.execute_script("""
        const img = arguments[0], page = img.closest('.page'), outline = page.querySelector('.outline');
        const r = img.getBoundingClientRect(), o = outline && outline.getBoundingClientRect();
        return {source: document.getElementById('source').textContent,
                outlines: document.querySelectorAll('#pages .outline').length,
                outline: o && [(o.left - r.left) / r.width, (o.top - r.top) / r.height,
                               (o.right - r.left) / r.width, (o.bottom - r.top) / r.height]};""", img)


def test_click_to_source_page_count_fill_and_the_build_record(tmp_path, browser):
    root = make_project(tmp_path)
    leaflet = root / "source" / "sample" / "leaflet.yaml"
    pdf = root / "build" / "sample" / "sample-en-a4-screen.pdf"
    preview = Preview(root, "--paper", "a4")
    try:
        browser.get(preview.url)
        wait_page(browser, lambda s: s["revision"] == "1" and s["loaded"], STARTUP_SECONDS)

        # A click on a heading, a list item and an abbreviation names the line it is written on.
        # Where each is on the page is read from the PDF on disk (PDFium), where it is written
        # from the YAML file, as plain text.
        for text, line_text, word in [("What hormone receptors are", "- heading: What hormone", "What"),
                                      ("Treatment often blocks", "- Treatment often", "Treatment"),
                                      ("estrogen receptor", "ER: estrogen receptor", "estrogen")]:
            number, x, y = where_on_page(pdf, text)
            shown = click_at(browser, number + 1, x, y)
            assert shown["source"] == f"source/sample/leaflet.yaml:{position_in(leaflet, line_text, word)}", text
            left, top, right, bottom = shown["outline"]  # the clicked box is outlined, around the click
            assert shown["outlines"] == 1 and left <= x <= right and top <= y <= bottom, shown
        reference = where_on_page(pdf, "A guide for patients")
        assert click_at(browser, reference[0] + 1, *reference[1:])["source"] == \
            "source/sample/references.yaml:" + position_in(root / "source" / "sample" / "references.yaml",
                                                           "id: guide", "id")

        # Page count and last-page fill, as the PDF on disk has them and the build says them.
        import pypdfium2
        def pages_on_disk() -> int:
            document = pypdfium2.PdfDocument(pdf.read_bytes())
            try:
                return len(document)
            finally:
                document.close()
        before = page(browser)
        fill = browser.find_element("id", "fit").text
        assert before["count"] == f"{pages_on_disk()} page(s)"
        assert re.fullmatch(r"last body page 1: \d+ lines, \d+% full", fill), fill

        # A save that adds text: more pages, another fill, and the heading moved down the file.
        paragraphs = "".join(f"  - paragraph: >-\n      Point {n}. Receptors tell a cell to grow. Tests look "
                             "for them in a sample of the tumor. The result guides the choice of treatment.\n"
                             for n in range(1, 15))
        edit(leaflet, "  - heading: What hormone receptors are\n",
             "  - heading: Why this matters\n" + paragraphs + "  - heading: What hormone receptors are\n")
        after = wait_page(browser, lambda s: s["revision"] == "2" and s["loaded"] and not s["writing"])
        assert after["count"] == f"{pages_on_disk()} page(s)" != before["count"]
        refilled = browser.find_element("id", "fit").text
        assert re.fullmatch(r"last body page \d+: \d+ lines, \d+% full", refilled) and refilled != fill
        number, x, y = where_on_page(pdf, "What hormone receptors are")
        assert number >= 1  # pushed to a later page
        assert click_at(browser, number + 1, x, y)["source"] == \
            f"source/sample/leaflet.yaml:{position_in(leaflet, '- heading: What hormone', 'What')}"

        # The page image the browser shows is the PDF on disk, rendered by PDFium.
        from PIL import Image
        src = browser.execute_script("return document.querySelector('#pages .page img').src")
        with urllib.request.urlopen(src, timeout=10) as response:
            shown_image = Image.open(io.BytesIO(response.read())).convert("RGB")
        document = pypdfium2.PdfDocument(pdf.read_bytes())
        try:
            width = document[0].get_width()
            disk_image = document[0].render(scale=shown_image.width / width).to_pil().convert("RGB")
        finally:
            document.close()
        assert disk_image.size == shown_image.size and disk_image.tobytes() == shown_image.tobytes()
    finally:
        code, err = preview.stop()
    assert code == 0 and "Traceback" not in err, err

    # The preview wrote the edition's build record: a build of that edition afterwards finds it
    # up to date and renders nothing (the PDF file is not even replaced); its line says the fill
    # the page showed.
    written = pdf.stat()
    done = subprocess.run([sys.executable, "make_pdf.py", "--paper", "a4", "--jobs", "1"], cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"build/sample/sample-en-a4-screen.pdf  {after['count'].split()[0]} pages  up to date  {refilled}\n" \
        in done.stdout, done.stdout
    assert "0 built, 1 up to date" in done.stdout, done.stdout
    assert (pdf.stat().st_ino, pdf.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)


def test_source_positions_are_attributes_escaped_never_markup():
    """A source position is printed as an attribute value, escaped: it can never add markup."""
    from xml.etree import ElementTree

    from leaflets.render import environment
    from leaflets.view import BlockView

    hostile = 'x.yaml:1:1" onclick="alert(1)"><b id="pwned">'
    block = BlockView("heading", content=[], level=2, anchor="s-x", sources={"heading": hostile})
    html = environment(ROOT / "layouts").get_template("partials/heading.html.j2").render(block=block)
    element = ElementTree.fromstring(html.strip())
    assert element.tag == "h2" and element.get("data-source") == hostile
    assert element.get("onclick") is None and list(element) == []


def test_translated_text_points_at_its_catalogue_entry_the_rest_at_the_master(tmp_path):
    """In a translated edition, a text the catalogue gave names the line of its msgstr; a gap the
    master text filled (a draft) names the master's line."""
    import tinyhtml5

    from leaflets.matrix import resolve_editions
    from leaflets.plan import Filters
    from leaflets.render import render_html

    root = make_project(tmp_path)
    leaflet = root / "source" / "sample" / "leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8") + "  - locale: de\n    paper: a4\n    profile: screen\n"
                       "    job_code: TEST-DE-0001\n    date_of_preparation: 2026-01-15\n"
                       "    review_date: 2028-01-15\n    status: draft\n", "utf-8")
    done = subprocess.run([sys.executable, "make_pdf.py", "i18n", "update"], cwd=root, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert done.returncode == 0, done.stderr
    catalogue = root / "source" / "sample" / "locales" / "de.po"
    entry = 'msgctxt "body/0/heading"\nmsgid "What hormone receptors are"\nmsgstr ""'
    edit(catalogue, entry, entry[:-2] + '"Was Hormonrezeptoren sind"')

    [job] = resolve_editions(root, Filters("sample", "de", "a4", "screen"), allow_incomplete=True)
    tree = tinyhtml5.parse(render_html(job.view, root))  # the HTML parser WeasyPrint reads with
    xhtml = "{http://www.w3.org/1999/xhtml}"
    heading = next(h for h in tree.iter(xhtml + "h2") if "".join(h.itertext()) == "Was Hormonrezeptoren sind")
    assert heading.get("data-source") == "source/sample/locales/de.po:" + position_in(
        catalogue, 'msgstr "Was Hormonrezeptoren sind"', "Was")
    paragraph = next(p for p in tree.iter(xhtml + "p") if "sit in some tumor cells" in "".join(p.itertext()))
    assert paragraph.get("data-source") == "source/sample/leaflet.yaml:" + position_in(
        leaflet, "Hormone receptors (HRs) sit", "Hormone")


def test_only_pages_whose_pdf_objects_changed_are_rendered_again(tmp_path):
    """The worker renders again only the pages whose PDF objects changed; the images it gives are
    those of a fresh rendering of the new PDF, page for page."""
    from leaflets.matrix import resolve_editions
    from leaflets.plan import Filters
    from leaflets.preview import worker
    from leaflets.render import prepare

    root = make_project(tmp_path)
    leaflet = root / "source" / "sample" / "leaflet.yaml"

    def pdf() -> bytes:
        [job] = resolve_editions(root, Filters("sample", "en", "a4", "screen"))
        rendered = worker.render(prepare(job, root), root).rendered
        assert rendered.ok, rendered
        return rendered.pdf

    first = pdf()
    edit(leaflet, "Some HR tumors grow slowly.", "Some HR tumors slowly grow.")  # the same letters: same fonts
    second = pdf()
    images = worker.Images()
    worker.rasterize(first, worker.SCALE, images)
    rendered_again = []
    known = images.known
    images.known = lambda key: known(key) or rendered_again.append(key)
    reused = worker.rasterize(second, worker.SCALE, images)
    fresh = worker.rasterize(second, worker.SCALE, worker.Images())
    assert [(p.digest, p.text) for p in reused] == [(p.digest, p.text) for p in fresh]
    assert len(fresh) == 2 and len(rendered_again) == 1  # page 1 changed, page 2 did not
    assert "slowly grow" in fresh[0].text and reused[1] is not fresh[1]


def test_remembered_digests_never_miss_a_save(tmp_path, monkeypatch):
    """The preview's cache key hashes files once and remembers them; a file saved again, even
    with the same size and its modification time put back, is hashed again."""
    import hashlib

    from leaflets.preview.session import Digests

    monkeypatch.setattr(Digests, "SETTLED_NS", 300_000_000)  # 2 s in use: the same rule, sooner
    path = tmp_path / "leaflet.yaml"
    path.write_bytes(b"title: one\n")
    before = path.stat()
    digests = Digests()
    assert digests(path) == hashlib.sha256(b"title: one\n").hexdigest()
    path.write_bytes(b"title: two\n")  # the same size, at once
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert digests(path) == hashlib.sha256(b"title: two\n").hexdigest()
    time.sleep(Digests.SETTLED_NS / 1e9 + 0.1)  # settled: remembered from now on...
    assert digests(path) == hashlib.sha256(b"title: two\n").hexdigest() and str(path) in digests.known
    path.write_bytes(b"title: six\n")  # ...until it is saved again: its change time moves
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert digests(path) == hashlib.sha256(b"title: six\n").hexdigest()


def test_the_code_is_keyed_as_it_was_when_the_preview_started(tmp_path):
    """Files frozen at the start (the package's code, as loaded) keep their digests: a record
    never vouches for code the running preview did not load."""
    import hashlib

    from leaflets.preview.session import Digests

    code = tmp_path / "leaflets"
    code.mkdir()
    (code / "render.py").write_text("A = 1\n")
    digests = Digests()
    digests.freeze(code)
    (code / "render.py").write_text("A = 2\n")
    assert digests(code / "render.py") == hashlib.sha256(b"A = 1\n").hexdigest()


def test_a_large_print_edition_is_a_choice_of_its_own():
    """The large-print print edition and the standard print edition on the same paper are two
    choices in the page, and choosing one renders that one."""
    from leaflets.documents import load_all
    from leaflets.matrix import resolve_editions
    from leaflets.preview.session import _choices

    [doc] = [d for d in load_all(ROOT) if any(e.type == "large-print" for e in d.leaflet.editions)]
    choices = _choices(doc)
    assert len({c.stem for c in choices}) == len(choices) == len(doc.leaflet.editions)
    large = [c for c in choices if c.type == "large-print"]
    assert large
    for choice in large:
        standard = [c for c in choices if (c.locale, c.paper, c.profile, c.type)
                    == (choice.locale, choice.paper, choice.profile, "standard")]
        [job] = resolve_editions(ROOT, choice.filters())
        assert (job.stem, job.edition.type) == (choice.stem, "large-print")
        for other in standard:
            [job] = resolve_editions(ROOT, other.filters())
            assert job.edition.type == "standard" and job.stem == other.stem


def test_an_edit_shows_its_changed_pages_before_the_pdf_is_written(tmp_path, monkeypatch):
    """The worker gives the pages an edit changed as soon as they are laid out, before it writes
    the PDF: only the changed pages are drawn then, and what it gives is what the PDF written
    after shows (PDFium's pixels and text). Changes the page digests cannot see show nothing
    early; the PDF's pages still show them. Print editions (marks drawn after) never show early."""
    from leaflets.matrix import resolve_editions
    from leaflets.plan import Filters
    from leaflets.preview import worker
    from leaflets.render import prepare

    root = make_project(tmp_path)
    leaflet = root / "source" / "sample" / "leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8") + "  - locale: en\n    paper: a4\n    profile: print\n"
                       "    job_code: TEST-PRT-0001\n    date_of_preparation: 2026-01-15\n"
                       "    review_date: 2028-01-15\n    status: approved\n", "utf-8")
    display, images = worker.Display(), worker.Images()
    drawn_early = []
    rasterize = worker.rasterize

    def counting(pdf, *args, signatures=True, **kwargs):
        pages = rasterize(pdf, *args, signatures=signatures, **kwargs)
        if not signatures:  # the early drawing's own PDF
            drawn_early.append(len(pages))
        return pages

    monkeypatch.setattr(worker, "rasterize", counting)

    def render(profile="screen"):
        [job] = resolve_editions(root, Filters("sample", "en", "a4", profile))
        shown, drawn_early[:] = [], []
        result = worker.render(prepare(job, root), root, worker.SCALE, None, images, display, shown.append)
        assert result.rendered.ok, result.rendered
        return shown, result

    def as_read(pdf: bytes):  # the PDF's pages, rendered afresh
        return [(p.digest, p.text) for p in rasterize(pdf, worker.SCALE, worker.Images())]

    def shown_as(pages):
        return [(p.digest, p.width, p.height, p.text, p.regions) for p in pages]

    shown, first = render()
    assert shown == [] and len(first.pages) == 2  # nothing shown before: nothing to compare with

    # A word moved on page 1: page 1 alone is drawn early, and it is the PDF's page 1.
    edit(leaflet, "Some HR tumors grow slowly.", "Some HR tumors slowly grow.")
    [early], second = render()
    assert drawn_early == [1]
    assert shown_as(early.pages) == shown_as(second.pages)  # pixels, text and source regions
    assert [(p.digest, p.text) for p in early.pages] == as_read(second.rendered.pdf)
    assert early.pages[0].image.startswith(b"\x89PNG") and early.pages[0].image == second.pages[0].image
    assert "slowly grow" in early.pages[0].text and early.pages[0] != first.pages[0]
    assert early.pages[1] == first.pages[1]

    # A colour the digests see: drawn early, as the PDF has it.
    styles = root / "styles" / "leaflet.css"
    styles.write_text(styles.read_text("utf-8") + "\nh2 { color: rgb(200, 0, 0) !important; }\n", "utf-8")
    [early], third = render()
    assert shown_as(early.pages) == shown_as(third.pages) and early.pages[0].digest != second.pages[0].digest

    # An outline is not in the digests: nothing early, and the PDF's pages show it all the same.
    styles.write_text(styles.read_text("utf-8") + "\nh2 { outline: 2pt solid rgb(0, 0, 200); }\n", "utf-8")
    shown, fourth = render()
    assert shown == [] and drawn_early == []
    assert fourth.pages[0].digest != third.pages[0].digest
    assert [(p.digest, p.text) for p in fourth.pages] == as_read(fourth.rendered.pdf)

    # A print edition's crop marks are drawn after the layout: never shown early.
    render("print")
    edit(leaflet, "Some HR tumors slowly grow.", "Some HR tumors grow slowly.")
    shown, _ = render("print")
    assert shown == [] and drawn_early == []


class _Worker:
    """A render worker in this process: renders with the preview's worker code, then, when told
    to, replaces the result with a failure (as a PDF refused after its pages were drawn)."""

    def __init__(self, root: Path):
        from leaflets.preview import worker

        self.root, self.fail, self.queue, self.before_result = root, None, [], None
        self.display, self.images = worker.Display(), worker.Images()

    def send(self, request, scale=None, *, early=False):
        from leaflets.preview import worker
        from leaflets.workers import Rendered

        shown = []
        result = worker.render(request, self.root, worker.SCALE, None, self.images, self.display,
                               shown.append if early else None)
        if self.fail is not None:
            result = worker.Result(Rendered(request.stem, None, None, 0, 0.0, (self.fail,)))
        self.queue = [*shown, result]

    def receive(self):
        answer = self.queue.pop(0)
        if not self.queue and self.before_result is not None:  # the Result: something happens first
            self.before_result()
        return answer


def test_early_pages_whose_pdf_fails_give_way_to_the_last_good_ones(tmp_path):
    """The preview shows an edit's pages before their PDF is written, marked as being written; once
    it is, the same revision stays (no second swap). When the PDF then fails, the last good pages
    come back (a revision of their own, so the page swaps them back), marked stale, beside the
    error, and the file on disk is still the last good one."""
    from leaflets.diagnostics import Position, error
    from leaflets.plan import Filters
    from leaflets.preview.session import Session

    root = make_project(tmp_path)
    leaflet = root / "source" / "sample" / "leaflet.yaml"
    stub = _Worker(root)
    session = Session(root, root / "build", Filters("sample", "en", "a4", "screen"), stub)
    published = []
    session._publish, publish = (lambda **kw: (publish(**kw), published.append(session.snapshot()))), session._publish

    session.rebuild()
    good = session.snapshot()
    pdf = root / "build" / "sample" / "sample-en-a4-screen.pdf"
    assert good["revision"] == 1 and not good["writing"] and pdf.read_bytes() == session.pdf

    edit(leaflet, "Some HR tumors grow slowly.", "Some HR tumors slowly grow.")
    published.clear()
    session.rebuild()
    early = [s for s in published if s["writing"]]
    assert len(early) == 1 and "slowly grow" in early[0]["pages"][0]["text"] and early[0]["revision"] == 2
    done = session.snapshot()
    assert done["revision"] == 2 and not done["writing"] and done["pages"] == early[0]["pages"]
    assert all(session.images[p["url"].rsplit("/", 1)[1]].startswith(b"\x89PNG") for p in done["pages"])
    assert "slowly grow" in subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                           check=True).stdout
    written = pdf.read_bytes()

    edit(leaflet, "Some HR tumors slowly grow.", "Some HR tumors grow quickly.")
    stub.fail = error(Position("source/sample/leaflet.yaml", 15), "render-warning", "refused after drawing")
    published.clear()
    session.rebuild()
    assert any(s["writing"] and "grow quickly" in s["pages"][0]["text"] for s in published)
    after = session.snapshot()
    assert after["pages"] == done["pages"] and after["stale"] and not after["writing"]
    assert after["revision"] == 4 and [d["code"] for d in after["diagnostics"]] == ["render-warning"]
    assert pdf.read_bytes() == written
    # The page images kept are those of the pages shown; the failed edit's is gone.
    [failed] = {p["url"] for s in published if s["writing"] for p in s["pages"]} - {p["url"] for p in after["pages"]}
    assert failed.rsplit("/", 1)[1] not in session.images
    assert all(session.images[p["url"].rsplit("/", 1)[1]].startswith(b"\x89PNG") for p in after["pages"])


def test_what_happens_while_early_pages_are_written_leaves_no_stale_state(tmp_path):
    """While an edit's early pages wait for their PDF: another edition chosen from the page clears
    them (and the 'writing' mark); a fault of ours brings the last good pages back, marked stale,
    with an internal-error diagnostic, never pages that no PDF holds."""
    import threading

    from leaflets.plan import Filters
    from leaflets.preview.session import Session

    root = make_project(tmp_path)
    leaflet = root / "source" / "sample" / "leaflet.yaml"
    stub = _Worker(root)
    session = Session(root, root / "build", Filters("sample", "en", "a4", "screen"), stub)
    session.rebuild()
    good = session.snapshot()

    # Letter chosen while the A4 edit's PDF is being written: A4's pages are not Letter's.
    edit(leaflet, "Some HR tumors grow slowly.", "Some HR tumors slowly grow.")
    seen = []
    stub.before_result = lambda: (seen.append(session.snapshot()), session.select("sample-en-letter-screen"))
    session.rebuild()
    stub.before_result = None
    assert seen[0]["writing"] and "slowly grow" in seen[0]["pages"][0]["text"]
    chosen = session.snapshot()
    assert chosen["edition"]["stem"] == "sample-en-letter-screen"
    assert chosen["pages"] == [] and not chosen["writing"] and not session.images.keys() & {
        p["url"].rsplit("/", 1)[1] for p in seen[0]["pages"] if p not in good["pages"]}
    session.rebuild()  # the Letter edition's own rebuild
    letter = session.snapshot()
    assert letter["pages"] and not letter["writing"] and letter["pages"][0]["width"] > good["pages"][0]["width"]

    # A fault of ours after the early pages: the last good pages come back, marked stale.
    session.select("sample-en-a4-screen")
    session.rebuild()
    good = session.snapshot()
    edit(leaflet, "Some HR tumors slowly grow.", "Some HR tumors grow quickly.")
    real_write = session._write
    session._write = lambda built: (_ for _ in ()).throw(RuntimeError("a fault of ours"))
    stop = threading.Event()
    session._wanted.clear()  # (the choices above asked for rebuilds this test made itself)
    builder = threading.Thread(target=session.run, args=(stop,))
    builder.start()
    try:
        session.request()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not session.snapshot()["diagnostics"]:
            time.sleep(0.05)
    finally:
        stop.set()
        builder.join()
    session._write = real_write
    after = session.snapshot()
    assert [d["code"] for d in after["diagnostics"]] == ["internal-error"], [d["text"] for d in after["diagnostics"]]
    assert after["stale"] and not after["writing"] and not after["building"]
    assert after["pages"] == good["pages"] and "grow quickly" not in after["pages"][0]["text"]


def test_answers_to_an_earlier_render_are_never_taken_for_the_last_ones():
    """A rebuild that failed between sending its request and reading the answers leaves them in the
    pipe: the next rebuild reads past them to the answers to its own request."""
    from leaflets.preview.worker import RenderWorker

    class Pipe:
        def __init__(self):
            self.sent, self.answers = [], []

        def send(self, message):
            self.sent.append(message)
            sequence = message[0]
            self.answers += [(sequence, f"shown {sequence}"), (sequence, f"result {sequence}")]

        def recv(self):
            return self.answers.pop(0)

    worker = RenderWorker.__new__(RenderWorker)  # its pipe only: no process
    worker.connection, worker.closed, worker.sequence, worker.process = Pipe(), False, 0, None
    worker.send("first", early=True)
    assert worker.receive() == "shown 1"  # ... and then the rebuild failed
    worker.send("second", early=True)
    assert [worker.receive(), worker.receive()] == ["shown 2", "result 2"]
    assert [message[:2] for message in worker.connection.sent] == [(1, "first"), (2, "second")]
