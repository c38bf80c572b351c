"""Participants driven by a script over plain HTTP, as a bot on a crowd platform would be."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
import urllib.request
import uuid

# What a person's answer looks like to the server, apart from the choice.
ANSWER = {"response_ms": 812.0, "exposure_ms": 3000.2, "frames": 180, "visibility_lost": False, "focus_lost": False,
          "window_w": 1280, "window_h": 800, "dpr": 1, "rendered_px": 256}
# Exposure (3 s) plus the study's minimum response (150 ms), with a margin.
HUMAN_PACE_S = 3.3


def fetch(server, path: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(f"{server.url}{path}", timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def image_urls(trial: dict) -> list[str]:
    return [trial[slot] for slot in ("left", "input", "right") if trial.get(slot)]


def start(server, pid: str) -> dict:
    status, session = server.request("POST", "/api/sessions", {"pid": pid, "window_w": 1280, "window_h": 800, "dpr": 1})
    assert status == 201, session
    return session


def start_from(server, pid: str, address: str) -> dict:
    """Starts a session from its own loopback address (127.0.0.0/8 is all local), as a crowd of bots on
    many machines would, so no per-address limit applies."""
    url = urllib.parse.urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10, source_address=(address, 0))
    try:
        connection.request("POST", "/api/sessions", json.dumps({"pid": pid, "window_w": 1280, "window_h": 800, "dpr": 1}),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        body = json.loads(response.read() or b"null")
    finally:
        connection.close()
    assert response.status == 201, (response.status, body)
    return body


def answer(server, session: dict, index: int, choice: str, fields: dict | None = None) -> None:
    status, body = server.request("POST", f"/api/sessions/{session['session']}/answers",
                                  {**ANSWER, **(fields or {}), "key": str(uuid.uuid4()), "index": index, "choice": choice})
    assert status == 200 and body["ok"] is True, body


def complete(server, session: dict) -> None:
    status, body = server.request("POST", f"/api/sessions/{session['session']}/complete", {})
    assert status == 200, body


def run_sessions(server, sessions: list[dict], choose, pace_s: float = HUMAN_PACE_S, fields: dict | None = None) -> None:
    """Runs every session trial by trial, all sessions side by side: fetch the trial's images as the page
    does, wait `pace_s`, answer with `choose(session, trial, images)` -> "left" | "right" (with `fields` in
    place of the default answer's), then complete."""
    count = len(sessions[0]["trials"])
    for index in range(count):
        fetched = []
        for session in sessions:
            trial = session["trials"][index]
            images = {}
            for slot in ("left", "input", "right"):
                if trial.get(slot):
                    status, body, _ = fetch(server, trial[slot])
                    assert status == 200, f"{trial[slot]}: {status}"
                    images[slot] = body
            fetched.append(images)
        time.sleep(pace_s)
        for session, images in zip(sessions, fetched):
            trial = session["trials"][index]
            answer(server, session, index, choose(session, trial, images), fields)
    for session in sessions:
        complete(server, session)
