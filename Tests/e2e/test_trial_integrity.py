"""A trial whose exposure began is never shown again unmarked: a reload, back/forward, a hidden tab or a resized
window during the exposure each lead to a message, the same trial once more, and an answer flagged
`interrupted` + `interrupted_<reason>` (dropped by the default exclusions). A phone is refused before consent."""

from __future__ import annotations

import pytest

from participant import Participant
from study_database import answers, query, wait_for_answers

VIEWPORT = {"width": 1280, "height": 800}
INTERRUPTED_TITLE = "This trial was interrupted"


def start_main_trial(browser, server, pid: str):
    """A participant past consent, instructions and the practice trial, with trial 1's exposure on screen."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    person = Participant(page, server.url)
    person.open(f"?pid={pid}")
    person.continue_message("Welcome")
    person.continue_message("Instructions")
    token = person.token()
    person.continue_message("Practice")
    person.answer(0, key="f")
    person.continue_message("The practice is over")
    person.wait_for_phase(1, "exposure")
    return context, page, person, token


def finish_interrupted_trial(person: Participant, server, token: str, reason: str) -> None:
    person.continue_message(INTERRUPTED_TITLE)
    person.answer(1, key="j")
    wait_for_answers(server.database, token, [0, 1])
    row = answers(server.database, token)[1]
    flags = row["flags"].split(",")
    assert "interrupted" in flags and f"interrupted_{reason}" in flags, dict(row)
    events = [r["kind"] for r in query(server.database, "SELECT kind FROM event WHERE session = ?", token)]
    assert "trial_interrupted" in events


def hide_page(page, hidden: bool) -> None:
    """What a tab switch does to the page: visibilityState changes and visibilitychange fires."""
    page.evaluate("""hidden => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' });
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
        document.dispatchEvent(new Event('visibilitychange'));
    }""", hidden)


def test_reload_during_the_exposure_marks_the_rerun(browser, server):
    context, page, person, token = start_main_trial(browser, server, "reloader")
    page.reload()
    person.continue_message("Welcome back")
    finish_interrupted_trial(person, server, token, "reload")
    context.close()


def test_back_then_forward_during_the_exposure_marks_the_rerun(browser, server):
    context, page, person, token = start_main_trial(browser, server, "navigator")
    page.goto(f"{server.url}/healthz")
    page.go_back()
    person.continue_message("Welcome back")
    finish_interrupted_trial(person, server, token, "back_forward")
    context.close()


def test_hidden_tab_during_the_exposure_hides_the_images_and_says_so(browser, server):
    context, page, person, token = start_main_trial(browser, server, "switcher")
    hide_page(page, True)
    page.wait_for_selector('[data-part="trial"][data-phase="interrupted"]', timeout=5000)
    assert page.evaluate("() => getComputedStyle(document.querySelector('[data-part=\"stimuli\"]')).visibility") == "hidden"
    hide_page(page, False)
    finish_interrupted_trial(person, server, token, "hidden")
    context.close()


def test_resized_window_during_the_exposure_is_marked(browser, server):
    context, page, person, token = start_main_trial(browser, server, "resizer")
    page.set_viewport_size({"width": 1200, "height": 760})
    finish_interrupted_trial(person, server, token, "resize")
    context.close()


def test_uninterrupted_trials_are_not_marked(browser, server):
    context, page, person, token = start_main_trial(browser, server, "steady")
    person.answer(1, key="f")
    wait_for_answers(server.database, token, [0, 1])
    assert all("interrupted" not in (r["flags"] or "") for r in answers(server.database, token))
    context.close()


@pytest.mark.parametrize("device", [
    {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True},
    {"viewport": {"width": 844, "height": 390}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True},
])
def test_phone_is_refused_before_consent(browser, server, screenshots, device):
    context = browser.new_context(**device)
    page = context.new_page()
    person = Participant(page, server.url)
    person.open("?pid=phone")
    person.wait_for_screen("display-check")
    section = page.locator('[data-screen="display-check"]')
    assert section.get_attribute("data-reason") == "device"
    text = section.inner_text()
    assert "cannot be done on a phone" in text and "computer" in text
    assert "zoom" not in text.lower() and "Ctrl" not in text
    page.screenshot(path=screenshots / f"phone-refused-{device['viewport']['width']}.png")
    page.wait_for_timeout(500)
    assert person.screen() == "display-check", "nothing goes on to consent"
    events = [r["kind"] for r in query(server.database, "SELECT kind FROM event")]
    assert "display_refused" in events and "consent" not in events
    context.close()


def test_a_second_tab_is_turned_away_and_leaves_the_first_tab_alone(browser, server, screenshots):
    context, page, person, token = start_main_trial(browser, server, "two-tabs")
    second = context.new_page()
    other = Participant(second, server.url)
    other.open("?pid=two-tabs")
    other.wait_for_screen("error")
    text = second.locator('[data-screen="error"]').inner_text()
    assert "already open in another tab" in text, text
    second.screenshot(path=screenshots / "second-tab.png")
    # The first tab answers the trial it was showing: a clean answer, not marked as interrupted by the second tab.
    person.answer(1, key="j")
    wait_for_answers(server.database, token, [0, 1])
    row = answers(server.database, token)[1]
    assert "interrupted" not in row["flags"].split(","), dict(row)
    events = [r["kind"] for r in query(server.database, "SELECT kind FROM event WHERE session = ?", token)]
    assert "trial_interrupted" not in events and "resumed" not in events, events
    # Once the first tab is gone, the page opens normally again (and resumes, with nothing lost).
    page.close()
    second.reload()
    other.wait_for_message("Welcome back")
    context.close()
