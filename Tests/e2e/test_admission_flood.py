"""A flood of new sessions from many addresses locks nobody out: a participant mid-study reloads and resumes
at once, and new participants in real browsers are told that they are waiting for a place, work for it
(the 429's proof-of-work challenge) and get their sessions."""

from __future__ import annotations

import http.client
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import REPO
from participant import Participant
from study_database import query
from studyserver_process import StudyServerProcess

VIEWPORT = {"width": 1280, "height": 800}
FLOOD = 400

# Every text the loading screen shows, kept by the page itself (a short wait could be missed by polling).
RECORD_LOADING_TEXTS = """
window.__loadingTexts = [];
document.addEventListener('DOMContentLoaded', () => {
  const part = document.querySelector('[data-screen="loading"] [data-part="text"]');
  new MutationObserver(() => window.__loadingTexts.push(part.textContent))
    .observe(part, { childList: true, characterData: true, subtree: true });
});
"""


def create_from(port: int, address: str) -> int:
    """POST /api/sessions from `address` (any of 127.0.0.0/8), ignoring any challenge: a flooder."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(address, 0))
    try:
        connection.request("POST", "/api/sessions", body=b"{}", headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_flood_from_many_addresses_locks_out_no_browser(browser, tmp_path, studyserver, built_study):
    server = StudyServerProcess(
        binary=studyserver, study=built_study, database=tmp_path / "responses.sqlite", public=REPO / "Public",
        cwd=REPO, log=tmp_path / "studyserver.log",
        extra_args=["--sessions-per-minute", "5", "--sessions-per-network-per-minute", "5",
                    "--sessions-per-client-per-minute", "5", "--challenge-bits", "14"])
    server.start()
    try:
        # A participant mid-study, before the flood.
        mid_context = browser.new_context(viewport=VIEWPORT)
        mid = Participant(mid_context.new_page(), server.url)
        mid.open("?pid=mid-study-1")
        mid.wait_for_message("Welcome")
        token = mid.token()
        status, _ = server.request("POST", f"/api/sessions/{token}/answers", {
            "key": "mid-study-answer-0", "index": 0, "choice": "left", "response_ms": 700, "exposure_ms": 3001,
            "frames": 180, "visibility_lost": False, "focus_lost": False, "window_w": 1280, "window_h": 800, "dpr": 1,
            "rendered_px": 256})
        assert status == 200, "one answer recorded: the participant is mid-study"

        # The flood: each request from an address (and a /24) of its own; it stops after FLOOD requests.
        addresses = [f"127.{100 + n // 250}.{n % 250}.9" for n in range(FLOOD)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda a: create_from(server.port, a), addresses))
        assert statuses.count(201) <= 4, "the flood gets at most the free budget"
        assert set(statuses) <= {201, 429}

        # The participant mid-study reloads: resumed at once, never asked to wait.
        mid.page.add_init_script(RECORD_LOADING_TEXTS)
        started = time.monotonic()
        mid.page.reload()
        mid.wait_for_message("Welcome back", timeout=10)
        assert mid.token() == token
        assert not any("waiting for a place" in t for t in mid.page.evaluate("() => window.__loadingTexts"))
        print(f"resume after the flood: {time.monotonic() - started:.2f} s")

        # New participants in real browsers: told they wait, then admitted.
        for number in range(3):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.add_init_script(RECORD_LOADING_TEXTS)
            participant = Participant(page, server.url)
            started = time.monotonic()
            participant.open(f"?pid=new-after-flood-{number}")
            participant.wait_for_message("Welcome", timeout=60)
            texts = page.evaluate("() => window.__loadingTexts")
            assert any("waiting for a place" in t for t in texts), texts
            assert participant.problems == [], participant.problems
            print(f"new participant {number}: session after {time.monotonic() - started:.2f} s")
            context.close()
        rows = query(server.database, "SELECT participant FROM session WHERE participant LIKE 'new-after-flood-%'")
        assert len(rows) == 3
        mid_context.close()
    finally:
        server.stop()
