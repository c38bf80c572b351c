"""A Prolific participant's visit: the device requirement on the first screen, instructions written for the
task, practice on main-like pairs, choice boxes with no side cue, the study's fixed completion code with a
copy button and the automatic redirect to Prolific; a decline on consent ends politely; text meets WCAG AA."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from participant import Participant
from study_database import query
from studyserver_process import StudyServerProcess

REPO = Path(__file__).resolve().parents[2]

CODE = "C0DE1234"
REDIRECT = f"https://app.prolific.com/submissions/complete?cc={CODE}"
VIEWPORT = {"width": 1280, "height": 800}

# Every visible text node's colour against its effective background, as WCAG 2 contrast ratios.
CONTRAST = """() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('[hidden]') || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || Number(style.opacity) === 0) continue;
    const a = lum(parse(style.color)), b = lum(background(el));
    found.push({ text: node.textContent.trim().slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) });
  }
  return found;
}"""

CHOICE_LOOK = """() => [...document.querySelectorAll('.choice')].map((b) => {
  const s = getComputedStyle(b);
  return [s.backgroundColor, s.borderStyle, s.borderColor, s.outlineStyle, s.outlineColor, s.boxShadow, s.color].join('|');
})"""


def assert_contrast(page, where: str) -> None:
    texts = page.evaluate(CONTRAST)
    assert texts, f"no text found on {where}"
    low = [t for t in texts if t["ratio"] < 4.5]
    assert not low, f"{where}: text below 4.5:1 contrast: {low}"


@pytest.fixture(scope="module")
def prolific_study(tmp_path_factory, studygen, built_study):
    """The end-to-end study with Prolific's completion code and URL and practice on bicubic pairs."""
    folder = tmp_path_factory.mktemp("prolific") / "e2e"
    shutil.copytree(built_study, folder)
    text = (folder / "study.yaml").read_text()
    text = text.replace("  redirect_url: null\n  code: null\n", f"  redirect_url: \"{REDIRECT}\"\n  code: {CODE}\n")
    text = text.replace("practice_trials: 1\n", "practice_trials: 1\npractice_model: bicubic\n")
    (folder / "study.yaml").write_text(text)
    result = subprocess.run([str(studygen), "build", str(folder)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


@pytest.fixture()
def prolific_server(tmp_path, studyserver, prolific_study):
    process = StudyServerProcess(binary=studyserver, study=prolific_study, database=tmp_path / "responses.sqlite",
                                 public=REPO / "Public", cwd=REPO, log=tmp_path / "studyserver.log")
    process.start()
    yield process
    process.stop()


def test_practice_uses_the_declared_model(prolific_study):
    manifest = json.loads((prolific_study / "build" / "manifest.json").read_text())
    practice = [t for s in manifest["design"]["sequences"] for t in s["trials"] if t["kind"] == "practice"]
    assert practice and all(t["model"] == "bicubic" for t in practice)


def test_prolific_participant_gets_the_study_code_and_is_sent_back(browser, prolific_server, screenshots):
    server = prolific_server
    context = browser.new_context(viewport=VIEWPORT)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    context.route("https://app.prolific.com/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                            body="<p>Prolific: submission complete</p>"))
    page = context.new_page()
    person = Participant(page, server.url)
    person.open("?PROLIFIC_PID=prolific-1&STUDY_ID=s1&SESSION_ID=v1")

    person.wait_for_message("Welcome")
    welcome = page.locator('[data-screen="message"]').inner_text()
    assert "computer" in welcome and "phone" in welcome and "at least" in welcome, welcome
    assert page.locator('[data-part="decline"]').is_visible()
    assert_contrast(page, "the consent screen")
    page.screenshot(path=screenshots / "prolific-consent.png")
    person.continue_message("Welcome")

    person.wait_for_message("Instructions")
    session = server.session(person.token())
    instructions = page.locator('[data-screen="message"] [data-part="text"]').inner_text()
    assert session["task"]["question"] in instructions
    assert "3 seconds" in instructions and "F or ←" in instructions and "J or →" in instructions
    assert ("middle" in instructions) == session["task"]["show_input"]
    person.continue_message("Instructions")

    trials = session["trials"]
    person.continue_message("Practice")
    for trial in trials:
        index = trial["index"]
        person.wait_for_phase(index, "exposure")
        if index == 1:
            # The pointer rests over where the left choice box appears: it must not look different.
            box = page.locator('[data-choice="left"]').bounding_box()
            if box is None:
                page.mouse.move(VIEWPORT["width"] / 2 - 200, VIEWPORT["height"] / 2)
            else:
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            person.wait_for_phase(index, "choice")
            left, right = page.evaluate(CHOICE_LOOK)
            assert left == right, f"the choice boxes differ: {left} vs {right}"
            assert_contrast(page, "the choice screen")
        person.answer(index, key="f" if index % 2 else "j")
        if trial["practice"]:
            person.continue_message("The practice is over")

    person.wait_for_screen("done", timeout=30)
    assert page.locator('[data-part="code"]').inner_text() == CODE
    assert_contrast(page, "the completion screen")
    page.screenshot(path=screenshots / "prolific-done.png")
    page.click('[data-part="copy-code"]')
    page.wait_for_function("() => document.querySelector('[data-part=\"copied\"]').textContent !== ''")
    assert page.evaluate("() => navigator.clipboard.readText()") == CODE
    page.wait_for_url(REDIRECT, timeout=10000)
    assert "submission complete" in page.content()
    stored = query(server.database, "SELECT completion_code FROM session")[0]["completion_code"]
    assert stored == CODE
    assert person.problems == []
    context.close()


def test_decline_on_consent_ends_politely(browser, prolific_server):
    server = prolific_server
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    person = Participant(page, server.url)
    person.open("?PROLIFIC_PID=prolific-declines")
    person.wait_for_message("Welcome")
    page.wait_for_timeout(300)
    page.click('[data-part="decline"]')
    person.wait_for_screen("done")
    text = page.locator('[data-screen="done"]').inner_text()
    assert "chose not to take part" in text and "return" in text.lower()
    assert not page.locator('[data-part="code-block"]').is_visible()
    page.wait_for_timeout(300)
    kinds = [r["kind"] for r in query(server.database, "SELECT kind FROM event")]
    assert "consent_declined" in kinds and "consent" not in kinds
    assert query(server.database, "SELECT COUNT(*) AS n FROM answer")[0]["n"] == 0
    # The decline is final: a reload shows it again, never the consent (the sequence has gone to someone else).
    page.reload()
    person.wait_for_screen("done")
    assert "chose not to take part" in page.locator('[data-screen="done"]').inner_text()
    assert not page.locator('[data-part="decline"]').is_visible()
    kinds = [r["kind"] for r in query(server.database, "SELECT kind FROM event")]
    assert kinds.count("consent_declined") == 1, kinds
    context.close()
