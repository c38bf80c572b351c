"""Drives the participant page the way a person does: keys, clicks and taps on what is shown."""

from __future__ import annotations

import time

from playwright.sync_api import Page

TRIAL = '[data-part="trial"]'
# The page ignores Space/Enter for this long after a text screen appears (against double skips).
CONTINUE_ARM_S = 0.3


class Participant:
    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url
        # Uncaught exceptions, and the page's own warnings (e.g. an answer the server refused and the page dropped).
        # Failed requests while the server is away also log console errors; those are expected and not kept.
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", lambda message: self.problems.append(f"console warning: {message.text}")
                if message.type == "warning" else None)

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.base_url}/{query}")

    def screen(self) -> str | None:
        return self.page.evaluate(
            "() => { const s = [...document.querySelectorAll('[data-screen]')].find(e => !e.hidden);"
            " return s ? s.dataset.screen : null; }")

    def wait_for_screen(self, name: str, timeout: float = 20.0) -> None:
        self.page.wait_for_selector(f'[data-screen="{name}"]:not([hidden])', timeout=timeout * 1000)

    def wait_for_message(self, title: str, timeout: float = 20.0) -> None:
        self.page.wait_for_function(
            "title => { const s = document.querySelector('[data-screen=\"message\"]');"
            " return !s.hidden && s.querySelector('[data-part=\"title\"]').textContent === title; }",
            arg=title, timeout=timeout * 1000)

    def continue_message(self, title: str, key: str | None = "Space") -> None:
        """Waits for the text screen titled `title`, then continues with `key`, or a tap on its button."""
        self.wait_for_message(title)
        time.sleep(CONTINUE_ARM_S)
        if key is None:
            self.page.tap('[data-screen="message"] [data-part="continue"]')
        else:
            self.page.keyboard.press(key)
        self.page.wait_for_function(
            "title => { const s = document.querySelector('[data-screen=\"message\"]');"
            " return s.hidden || s.querySelector('[data-part=\"title\"]').textContent !== title; }",
            arg=title, timeout=5000)

    def wait_for_trial(self, index: int, timeout: float = 20.0) -> None:
        """Waits until trial `index` is on the stage (in any phase)."""
        self.page.wait_for_selector(f'{TRIAL}[data-trial="{index}"]', timeout=timeout * 1000)

    def wait_for_phase(self, index: int, phase: str, timeout: float = 20.0) -> None:
        self.page.wait_for_selector(f'{TRIAL}[data-trial="{index}"][data-phase="{phase}"]', timeout=timeout * 1000)

    def answer(self, index: int, key: str | None = None, tap: str | None = None) -> None:
        """Waits until trial `index` asks for the choice, then presses `key` or taps the `tap` side."""
        self.wait_for_phase(index, "choice")
        if key is not None:
            self.page.keyboard.press(key)
        else:
            self.page.tap(f'[data-choice="{tap}"]')
        self.wait_for_phase(index, "answered", timeout=5)

    def token(self) -> str:
        token = self.page.evaluate("() => localStorage.getItem('studyserver.session_token')")
        assert token, "the page stored no session token"
        return token

    def pending_answers(self) -> int:
        return self.page.evaluate(
            "() => JSON.parse(localStorage.getItem('studyserver.pending_answers') || '[]').length")
