"""The reviewers' HTML in a real browser: Debian's Chromium driven by Playwright (no browser download).

Skipped, with the reason, where /usr/bin/chromium or Playwright is missing. Screenshots go to
the test's temporary folder, or to $REPORT_SCREENSHOT_DIR when set.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from test_preview import start_preview, stop

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(),
                       reason=f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=FLAGS,
                                                       viewport={"width": 1280, "height": 900})
        yield context
        context.close()


@pytest.fixture
def serve():
    """Serve a folder on 127.0.0.1 for the duration of a test; yields a function folder -> base URL."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()


def open_page(browser, url: str):
    """Open ``url``; record console errors and every request that would leave the machine."""
    page = browser.new_page()
    errors, outside = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:", "file:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url, wait_until="load")
    return page, errors, outside


def screenshot(page, tmp_path: Path, name: str) -> Path:
    target = Path(os.environ.get("REPORT_SCREENSHOT_DIR", tmp_path)) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target


def assert_reviewable(page, errors, outside):
    """The checks every rendered page must pass."""
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.getAttribute('src').slice(0, 40), e.naturalWidth])")
    assert images, "page has no images"
    assert all(width > 0 for _, width in images), f"images not loaded: {images}"
    # links within the page need their target here; links to another page of the project (a value's
    # provenance entry, a supplementary table) are checked against that page
    missing = page.eval_on_selector_all(
        "a.quarto-xref, .citation a, a[data-var]",
        "els => els.filter(e => e.pathname === location.pathname)"
        ".filter(e => !document.getElementById(decodeURIComponent(e.hash.slice(1)))).map(e => e.href)")
    assert missing == [], f"links without a target: {missing}"
    elsewhere = page.eval_on_selector_all(
        "a.quarto-xref, a[data-var]",
        "els => els.filter(e => e.pathname !== location.pathname).map(e => [e.pathname, decodeURIComponent(e.hash.slice(1))])")
    for path in {p for p, _ in elsewhere}:
        other = page.context.new_page()
        other.goto(page.url.rsplit("/", 1)[0] + path[path.rfind("/"):], wait_until="load")
        ids = set(other.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        other.close()
        lost = [target for p, target in elsewhere if p == path and target not in ids]
        assert lost == [], f"links to {path} without a target there: {lost[:5]}"
    text = page.inner_text("body")
    for marker in ("?@", "?var:", "??"):
        assert marker not in text, f"marker {marker} in page text"
    assert errors == [], f"console errors: {errors}"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"
    assert outside == [], f"requests leaving the machine: {outside}"


def assert_toc_works(page):
    links = page.eval_on_selector_all("#TOC a", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) >= 2
    for href in links[:6]:
        page.click(f'#TOC a[href="{href}"]')
        assert page.evaluate("location.hash") == href
        top, height = page.evaluate(
            f"[document.getElementById(decodeURIComponent('{href[1:]}')).getBoundingClientRect().top, innerHeight]")
        assert -5 <= top < height, f"{href} not scrolled into view (top={top})"


def test_fixture_page_in_chromium(browser, serve, rendered_fixture, tmp_path):
    base = serve(rendered_fixture / "_output")
    page, errors, outside = open_page(browser, f"{base}/paper.html")
    assert_reviewable(page, errors, outside)
    assert_toc_works(page)
    # markup in a data value shows as text and runs nothing
    assert page.locator("script").count() == 0
    assert "<script>alert(1)</script>" in page.inner_text("body")
    assert page.inner_text("a.quarto-xref >> nth=0") == "Figure\u00a01"
    shot = screenshot(page, tmp_path, "fixture.png")
    assert shot.stat().st_size > 10_000


def test_paper_page_in_chromium(browser, serve, rendered_paper, tmp_path):
    base = serve(rendered_paper / "_output")
    page, errors, outside = open_page(browser, f"{base}/paper.html")
    assert_reviewable(page, errors, outside)
    assert_toc_works(page)
    # quoted values link to their provenance entries, which the supplement holds
    targets = page.eval_on_selector_all("a[data-var]", "els => els.map(e => e.pathname.split('/').pop())")
    assert targets and set(targets) == {"supplement.html"}
    screenshot(page, tmp_path, "paper.png")


def test_supplement_page_in_chromium(browser, serve, rendered_paper, tmp_path):
    base = serve(rendered_paper / "_output")
    page, errors, outside = open_page(browser, f"{base}/supplement.html")
    assert_reviewable(page, errors, outside)
    assert_toc_works(page)
    assert page.locator("#prov-diaspora-uzb-count_2021").count() == 1
    screenshot(page, tmp_path, "supplement.png")


def test_file_url_works_offline_too(browser, rendered_fixture):
    """Reviewers may open the file directly: everything is embedded, nothing is fetched."""
    page, errors, outside = open_page(browser, (rendered_fixture / "_output" / "paper.html").as_uri())
    assert_reviewable(page, errors, outside)


def test_checks_catch_a_broken_page(browser, serve, tmp_path):
    """The browser checks fail on a page with a remote image, a dangling xref and a marker."""
    (tmp_path / "bad.html").write_text(
        '<html><body><img src="https://example.org/x.png"><img src="missing.png">'
        '<a class="quarto-xref" href="#fig-gone">Figure 9</a><p>See ?@fig-gone</p></body></html>',
        encoding="utf-8")
    page, errors, outside = open_page(browser, f"{serve(tmp_path)}/bad.html")
    assert outside == ["https://example.org/x.png"]
    with pytest.raises(AssertionError, match="images not loaded"):
        assert_reviewable(page, errors, outside)
    assert page.eval_on_selector_all("a.quarto-xref", "els => els.filter(e => !document.getElementById(e.hash.slice(1))).length") == 1


def test_preview_reload_keeps_the_scroll_position(browser, fixture_project):
    """After a save, the previewed page reloads where the reader was, not at the top."""
    import time

    process, url = start_preview(fixture_project)
    try:
        page = browser.new_page()
        page.add_init_script("history.scrollRestoration = 'manual'")  # only the preview's own script restores
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="load")
        page.evaluate("document.body.style.minHeight = '4000px'")  # room to scroll in a short fixture page
        page.evaluate("window.scrollTo(0, 600)")
        time.sleep(1.0)  # the page has seen the current version
        chapter = fixture_project / "chapters" / "_method.qmd"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\nEdited during preview.\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Edited during preview.')", timeout=30000)
        page.wait_for_function("window.scrollY > 0", timeout=5000)
        assert page.evaluate("window.scrollY") > 0 and errors == []
    finally:
        stop(process)


def test_preview_shows_a_broken_save_over_the_last_good_page(browser, fixture_project):
    process, url = start_preview(fixture_project)
    try:
        page, errors, _ = open_page(browser, url)
        before = page.inner_text("body")
        chapter = fixture_project / "chapters" / "_method.qmd"
        text = chapter.read_text(encoding="utf-8")
        line = text.count("\n") + 2
        chapter.write_text(text + "\nSee @fig-missing-here.\n", encoding="utf-8")
        page.wait_for_selector("#reportkit-overlay", timeout=30000)
        overlay = page.inner_text("#reportkit-overlay")
        assert f"chapters/_method.qmd:{line}" in overlay and "@fig-missing-here" in overlay
        assert "Fixture Paper" in page.inner_text("h1, .title, header") or "Fixture Paper" in before
        assert page.url.startswith(url.split("paper.html")[0]) and errors == []
        chapter.write_text(text + "\nFixed again.\n", encoding="utf-8")  # a good save reloads, without the overlay
        page.wait_for_function("document.body.innerText.includes('Fixed again.')", timeout=30000)
        assert page.query_selector("#reportkit-overlay") is None
        page.wait_for_function("(document.getElementById('reportkit-status') || {}).textContent"
                               " === 'PDF and checks: passed'", timeout=30000)  # the PDF followed the page
        # a save the page takes but the PDF refuses: the new page, then the PDF's problem over it
        chapter.write_text(text + "\nFine in HTML.\n\n```{=typst}\n#nowhere-defined()\n```\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Fine in HTML.')", timeout=30000)
        page.wait_for_selector("#reportkit-overlay", timeout=30000)
        overlay = page.inner_text("#reportkit-overlay")
        assert "the PDF or the checks after it failed" in overlay and f"chapters/_method.qmd:{line + 3}" in overlay
        assert page.inner_text("#reportkit-status") == "PDF and checks: failed"
    finally:
        stop(process)
