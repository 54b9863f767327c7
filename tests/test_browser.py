"""Every built page in a real browser (headless Chromium): maths typeset, diagrams drawn, images loaded, no script
errors, internal links resolve, nothing cut off or scrolling sideways at a 1280-pixel window. A full-page
screenshot (JPEG) of each page is saved to ``_build/screenshots/`` (not under ``CI=true``, where nobody looks).

Without Chromium the test skips with the reason; under ``CI=true`` it fails instead (CI installs Chromium).
"""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "_build" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

# Known noise that is not the book's own: sphinx-thebe is included twice by Jupyter Book 1 (its inline config is
# declared twice); the pydata theme logs a reset of an unset theme preference; the ipywidgets html-manager 1.0 calls
# MathJax 2's `MathJax.Hub.Queue`, which MathJax 3 does not have (the widgets still render), and requests its icon
# fonts relative to the page; browsers ask for a favicon.
IGNORED_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode",
                  "Cannot read properties of undefined (reading 'Queue')")
IGNORED_404 = ("/favicon.ico", "@jupyter-widgets/html-manager/dist/")

CHECK_JS = r"""() => {
  const broken = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const rawMath = [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))
                    .map(e => e.textContent.slice(0, 60));
  const mermaid = [...document.querySelectorAll('.mermaid')];
  const undrawn = mermaid.filter(e => !e.querySelector('svg')).length;
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  // Nothing may stick out of the content column, and no table, equation or code block may need sideways
  // scrolling inside it (the reader would not see its right-hand part).
  const main = document.querySelector('main') || document.body;
  const right = main.getBoundingClientRect().right + 1;
  const scrolls = e => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
  const clipped = [], wide = [];
  for (const e of main.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > right) {
      let p = e.parentElement;
      while (p && p !== main && !scrolls(p)) p = p.parentElement;
      if (!p || p === main) clipped.push(e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40));
    }
    // (inline maths and MathJax's hidden assistive copy of each formula report larger widths than they show)
    if (scrolls(e) && !getComputedStyle(e).display.startsWith('inline') && e.tagName !== 'MJX-ASSISTIVE-MML'
        && e.clientWidth > 0
        && e.scrollWidth > e.clientWidth + 2)
      wide.push(`${e.tagName} ${e.scrollWidth}px in ${e.clientWidth}px: ` + (e.textContent || '').trim().slice(0, 40));
  }
  // A visible code cell made only of bookkeeping (glue calls, headline-metric calls, NBVAL markers) should be hidden.
  const isBook = l => /^(glue|gt\.book\.metric)\(/.test(l) || /NBVAL/.test(l);
  const bookkeeping = [...document.querySelectorAll('div.cell_input pre')].filter(e => e.offsetParent !== null)
    .map(e => e.textContent.split('\n').filter(l => l.trim()))
    .filter(ls => ls.some(isBook) && ls.every(l => isBook(l.trim()) || /^\s/.test(l) || /^#/.test(l.trim())))
    .map(ls => ls[0].slice(0, 60));
  return {images: document.images.length, broken, rawMath, mermaid: mermaid.length, undrawn, links,
          mathCount: document.querySelectorAll('mjx-container').length, clipped, wide, bookkeeping};
}"""


def _pages(html: Path):
    skip = {"_static", "_sources", "_images"}
    return sorted(p for p in html.rglob("*.html") if not skip & set(p.relative_to(html).parts))


@pytest.fixture(scope="module")
def server(built_book):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_every_page_renders_in_a_browser(built_book, server):
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("Chromium is required under CI=true: apt-get install -y --no-install-recommends chromium")
        pytest.skip("Chromium not found (apt-get install chromium) — the browser test needs it")
    playwright = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems, math_total, mermaid_total = [], 0, 0
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        for path in _pages(built_book):
            rel = path.relative_to(built_book).as_posix()
            errors, missing = [], []
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text)
                    if m.type == "error" and "Failed to load resource" not in m.text else None)
            page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
            page.goto(server + rel, wait_until="networkidle")
            # MathJax and mermaid render asynchronously after load: wait for them (and the images) to finish,
            # then let the checks below report whatever is still missing.
            page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
            for ready in ("() => [...document.querySelectorAll('.mermaid')].every(e => e.querySelector('svg'))",
                          "() => [...document.images].every(i => i.complete)"):
                try:
                    page.wait_for_function(ready, timeout=15_000)
                except playwright.TimeoutError:
                    pass
            info = page.evaluate(CHECK_JS)
            if not IN_CI:   # the screenshots are for a person to look at; CI only needs the checks
                page.screenshot(path=str(SHOTS / (rel.replace("/", "__")[:-5] + ".jpg")), full_page=True,
                                type="jpeg", quality=85)
            math_total += info["mathCount"]
            mermaid_total += info["mermaid"]
            errors = [e for e in errors if not any(k in e for k in IGNORED_ERRORS)]
            missing = [u for u in missing if not any(k in u for k in IGNORED_404)]
            if info["broken"]:
                problems.append(f"{rel}: images not loaded: {info['broken']}")
            if info["rawMath"]:
                problems.append(f"{rel}: maths left as raw TeX: {info['rawMath'][:3]}")
            if info["undrawn"]:
                problems.append(f"{rel}: {info['undrawn']} mermaid diagram(s) not drawn")
            if errors:
                problems.append(f"{rel}: script errors: {errors[:3]}")
            if info["clipped"]:
                problems.append(f"{rel}: cut off at the right edge: {info['clipped'][:3]}")
            if info["bookkeeping"]:
                problems.append(f"{rel}: visible code cells of bookkeeping only (tag them remove-cell): "
                                f"{info['bookkeeping'][:3]}")
            if info["wide"]:
                problems.append(f"{rel}: wider than the page, scrolls sideways: {info['wide'][:3]}")
            if missing:
                problems.append(f"{rel}: requests failed: {missing[:3]}")
            for href in info["links"]:
                target = urlparse(urljoin(server + rel, href))
                if target.netloc != urlparse(server).netloc or not target.path:
                    continue
                file = built_book / unquote(target.path.lstrip("/"))
                if file.is_dir():
                    file = file / "index.html"
                if not file.exists():
                    problems.append(f"{rel}: broken link {href}")
            page.close()
        # search works: the index finds a term every chapter uses
        page = browser.new_page()
        page.goto(server + "search.html?q=discriminator", wait_until="networkidle")
        page.wait_for_selector("#search-results ul.search li", timeout=15_000)
        hits = page.locator("#search-results ul.search li").count()
        if hits < 2:
            problems.append(f"search for 'discriminator' found {hits} page(s)")
        page.close()
        browser.close()
    assert not problems, "\n".join(problems)
    assert math_total > 100 and mermaid_total >= 2  # the checks above looked at real content
    print(f"screenshots of {len(_pages(built_book))} pages in {SHOTS}")
