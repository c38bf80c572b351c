"""The HTML report as a researcher sees it in Chromium at 1440 px: every bar has its interval (or says
"n too small") and its n, panels and tables are named by the tasks' questions, labels are whole, tables fit
the width, and the galleries show the images at native size with pixelated rendering, the input as shown."""

from __future__ import annotations

import subprocess

import scripted

def take_the_study(server, *pids: str) -> None:
    """The participants take the study side by side as the page would (images fetched, a person's pace)."""
    sessions = [scripted.start(server, pid) for pid in pids]
    scripted.run_sessions(server, sessions, lambda session, trial, images:
                          "left" if (trial["index"] + len(session["participant"])) % 3 == 0 else "right")


def test_html_report_shows_intervals_names_and_native_galleries(browser, server, studyserver, built_study, tmp_path,
                                                               screenshots):
    take_the_study(server, "r-a", "r-bb", "r-ccc", "r-dddd")
    output = tmp_path / "report.html"
    result = subprocess.run([str(studyserver), "report", "--study", str(built_study), "--db", str(server.database),
                             "--format", "html", "--bootstrap", "200", "--output", str(output)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(output.as_uri())
    html = page.content()
    assert "Which image would you guess is from a camera?" in html
    assert "<h3>task1</h3>" not in html and "…" not in html
    figure = page.evaluate("""() => {
        const svg = document.querySelector('svg');
        return { bars: svg.querySelectorAll('rect').length, whiskers: svg.querySelectorAll('path').length,
                 small: [...svg.querySelectorAll('text')].filter((t) => t.textContent === 'n too small').length,
                 n: [...svg.querySelectorAll('text')].filter((t) => /, n=\\d+$/.test(t.textContent)).length,
                 titles: [...svg.querySelectorAll('text[font-weight="bold"]')].map((t) => t.textContent) };
    }""")
    assert figure["bars"] == figure["whiskers"], f"a bar without its interval: {figure}"
    assert figure["n"] == figure["bars"] + figure["small"], f"a bar without its n: {figure}"
    assert any("camera" in title for title in figure["titles"]), figure
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1440
    images = page.evaluate("""() => [...document.querySelectorAll('figure img')].map((img) => ({
        w: img.getBoundingClientRect().width, natural: img.naturalWidth, rendering: getComputedStyle(img).imageRendering }))""")
    assert images, "the galleries show images"
    for image in images:
        assert image["rendering"] == "pixelated"
        assert image["w"] % image["natural"] == 0, f"not an integer scale: {image}"
    page.screenshot(path=screenshots / "report.png", full_page=True)
    context.close()
