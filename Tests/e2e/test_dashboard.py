"""The researcher's dashboard in real Chromium: it asks for the token, refuses a wrong one, and shows live
numbers (sessions by state, answers per cell, flagged participants, fool rates with their interval) that
change while a scripted participant answers through the HTTP API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import scripted
from study_database import query
from studyserver_process import StudyServerProcess

REPO = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "e2e-dashboard-token-0123456789"


class AdminServer(StudyServerProcess):
    def command(self) -> list[str]:
        return super().command() + ["--admin-token", ADMIN_TOKEN]


@pytest.fixture()
def admin_server(tmp_path, studyserver, built_study):
    process = AdminServer(binary=studyserver, study=built_study, database=tmp_path / "responses.sqlite",
                          public=REPO / "Public", cwd=REPO, log=tmp_path / "studyserver.log")
    process.start()
    yield process
    process.stop()


def answer(server, token: str, index: int, choice: str, interruption: str | None = None,
           trial: dict | None = None) -> None:
    """Answers trial `index`; with `trial`, first fetches its images and waits as a person would."""
    if trial is not None:
        for url in scripted.image_urls(trial):
            assert scripted.fetch(server, url)[0] == 200
        time.sleep(scripted.HUMAN_PACE_S)
    body = {"key": f"dash-{token[:8]}-{index}", "index": index, "choice": choice, "response_ms": 700,
            "exposure_ms": 3001, "frames": 180, "visibility_lost": False, "focus_lost": False, "window_w": 1440,
            "window_h": 900, "dpr": 1, "rendered_px": 256, "interruption": interruption}
    status, payload = server.request("POST", f"/api/sessions/{token}/answers", body)
    assert status == 200, payload


def cell_total(page) -> int:
    return page.evaluate("""() => [...document.querySelectorAll('[data-part="cells"] td')]
        .map((td) => td.textContent.match(/^(\\d+) \\/ (\\d+)$/)).filter(Boolean)
        .reduce((sum, m) => sum + Number(m[1]), 0)""")


def test_dashboard_shows_live_numbers_while_a_session_answers(browser, admin_server, screenshots):
    server = admin_server
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/admin.html")
    page.fill("#admin-token", "not-the-token")
    page.click('[data-part="login"] button')
    page.wait_for_function("() => document.querySelector('[data-part=\"login-error\"]').textContent.includes('not accepted')")

    page.fill("#admin-token", ADMIN_TOKEN)
    page.click('[data-part="login"] button')
    page.wait_for_selector('[data-part="dashboard"]:not([hidden])')
    assert not page.locator('[data-part="login"]').is_visible()
    assert cell_total(page) == 0
    sessions = page.locator('[data-part="sessions"]').inner_text()
    assert "Task 1 (with input)" in sessions and "Which of the two images" not in sessions, "short task labels in tables"
    assert "Declined" in sessions and "Screen refused" in sessions and "Dropped out" in sessions and "Planned" in sessions
    assert "Which of the two images" in page.locator('[data-part="tasks"]').inner_text(), "each question shown once"

    status, session = server.request("POST", "/api/sessions", {"pid": "scripted"})
    assert status == 201
    token = session["session"]
    trials = session["trials"]
    # The design (which the participant never sees) says where the catch trials' truth is: answer them right,
    # so that the catch-accuracy rule keeps this participant.
    sequence = query(server.database, "SELECT sequence FROM session WHERE token = ?", token)[0]["sequence"]
    manifest = json.loads((server.study / "build" / "manifest.json").read_text())
    design = next(s for s in manifest["design"]["sequences"] if s["id"] == sequence)["trials"]
    truth = {i: "right" if t["model_side"] == "left" else "left" for i, t in enumerate(design)}
    main = [t["index"] for t in trials if design[t["index"]]["kind"] == "main"]
    others = [t["index"] for t in trials if design[t["index"]]["kind"] != "main"]

    by_index = {t["index"]: t for t in trials}
    for index in others:
        answer(server, token, index, truth[index], trial=by_index[index])
    answer(server, token, main[0], "left", interruption="reload", trial=by_index[main[0]])
    page.wait_for_function("() => document.querySelector('[data-part=\"flagged\"]').textContent.includes('scripted')",
                           timeout=15000)
    flagged = page.locator('[data-part="flagged"]').inner_text()
    assert "interrupted" in flagged, flagged
    first = cell_total(page)

    for index in main[1:]:
        answer(server, token, index, "right", trial=by_index[index])
    page.wait_for_function(f"() => [...document.querySelectorAll('[data-part=\"cells\"] td')].length > 0", timeout=5000)
    page.wait_for_function("""expected => [...document.querySelectorAll('[data-part="cells"] td')]
        .map((td) => td.textContent.match(/^(\\d+) \\/ (\\d+)$/)).filter(Boolean)
        .reduce((sum, m) => sum + Number(m[1]), 0) >= expected""", arg=first + 1, timeout=15000)
    rates = page.locator('[data-part="fool-rates"]').inner_text()
    assert "%" in rates and ("n too small" in rates or "–" in rates), rates
    sessions = page.locator('[data-part="sessions"]').inner_text()
    assert "1" in sessions
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1440
    page.screenshot(path=screenshots / "dashboard.png", full_page=True)
    context.close()
