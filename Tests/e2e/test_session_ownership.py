"""Only the browser that started a session can resume it: the same participant id from another browser is
refused with a plain message and learns no token or completion code; the first browser resumes."""

from __future__ import annotations

from participant import Participant
from study_database import query

VIEWPORT = {"width": 1280, "height": 800}


def test_another_browser_with_the_same_prolific_id_is_refused(browser, server, screenshots):
    query_string = "?PROLIFIC_PID=owner-1&STUDY_ID=s&SESSION_ID=v"
    owner_context = browser.new_context(viewport=VIEWPORT)
    owner = Participant(owner_context.new_page(), server.url)
    owner.open(query_string)
    owner.wait_for_message("Welcome")
    token = owner.token()

    thief_context = browser.new_context(viewport=VIEWPORT)
    thief_page = thief_context.new_page()
    thief = Participant(thief_page, server.url)
    seen: list[str] = []
    thief_page.on("response", lambda response: seen.append(response.text()) if "/api/" in response.url else None)
    thief.open(query_string)
    thief.wait_for_screen("error")
    text = thief_page.locator('[data-screen="error"]').inner_text()
    assert "already started" in text, text
    thief_page.screenshot(path=screenshots / "session-owned-elsewhere.png")
    assert all(token not in body for body in seen), "the other browser never sees the session's token"
    assert thief_page.evaluate("() => localStorage.getItem('studyserver.session_token')") is None

    # The owner reloads and resumes the same session.
    owner.page.reload()
    owner.wait_for_message("Welcome")
    assert owner.token() == token
    sessions = query(server.database, "SELECT token FROM session WHERE participant = 'owner-1'")
    assert [row["token"] for row in sessions] == [token]
    owner_context.close()
    thief_context.close()
