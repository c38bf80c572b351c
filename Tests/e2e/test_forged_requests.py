"""Requests a participant's page never sends, straight to a real `studyserver serve`: each is refused with a
JSON error, and the record holds exactly the one honest answer."""

from __future__ import annotations

import json

import uuid

from study_database import answers, query

HONEST = {"choice": "left", "response_ms": 512.5, "exposure_ms": 3000.1, "frames": 180, "visibility_lost": False,
          "focus_lost": False, "window_w": 1280, "window_h": 800, "dpr": 1, "rendered_px": 256}


def key() -> str:
    return str(uuid.uuid4())


def assert_refused(status: int, body, what: str, expected: range | int = range(400, 500)) -> None:
    if isinstance(expected, int):
        assert status == expected, f"{what}: answered {status} {body}, expected {expected}"
    else:
        assert status in expected, f"{what}: answered {status} {body}, expected a 4xx refusal"
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], \
        f"{what}: no JSON error message in {body!r}"


def test_forged_and_repeated_answers_are_refused_and_the_record_stays_exact(server):
    status, session = server.request("POST", "/api/sessions", {"pid": "forger", "window_w": 1280, "window_h": 800, "dpr": 1})
    assert status == 201, session
    token = session["session"]
    count = len(session["trials"])
    answers_path = f"/api/sessions/{token}/answers"

    def post(**fields):
        return server.request("POST", answers_path, {**HONEST, **fields})

    for index in (count, 10_000, -1):
        status, body = post(key=key(), index=index)
        assert_refused(status, body, f"an answer to trial {index} of a {count}-trial sequence")
        assert status != 409
    status, body = post(key=key(), index=0, choice="middle")
    assert_refused(status, body, "choice 'middle'")
    status, body = server.request("POST", answers_path, {"key": key(), "index": 0})
    assert_refused(status, body, "an answer without a choice")
    status, body = server.request("POST", answers_path, {**HONEST, "key": key(), "index": "0; DROP TABLE answer"})
    assert_refused(status, body, "a non-numeric index")
    status, body = server.request("POST", f"/api/sessions/{'0' * 32}/answers", {**HONEST, "key": key(), "index": 0})
    assert_refused(status, body, "an unknown session token", expected=404)
    status, body = server.request("POST", f"/api/sessions/{token}/complete", {})
    assert_refused(status, body, "completing with no answers", expected=409)
    assert answers(server.database, token) == []

    honest_key = key()
    status, body = post(key=honest_key, index=0)
    assert status == 200 and body["ok"] is True and body["duplicate"] is False, body
    status, body = post(key=honest_key, index=0)
    assert status == 200 and body["duplicate"] is True, f"a retried answer (same key): {status} {body}"
    status, body = post(key=key(), index=0, choice="right")
    assert_refused(status, body, "a second answer to trial 0 under another key", expected=409)
    status, body = post(key=honest_key, index=1)
    assert_refused(status, body, "the same key reused for trial 1")

    rows = answers(server.database, token)
    assert [(r["trial_index"], r["key"], r["choice"]) for r in rows] == [(0, honest_key, "left")]
    assert query(server.database, "SELECT COUNT(*) AS n FROM answer")[0]["n"] == 1

    status, refused = server.request("POST", "/api/sessions", {"pid": "forger"})
    assert status == 409 and refused["reason"] == "participant_has_session", "a pid alone never hands over a session"
    assert token not in json.dumps(refused)
    status, resumed = server.request("POST", "/api/sessions", {"pid": "forger", "resume_token": token})
    assert status == 200, resumed
    assert resumed["session"] == token and resumed["resumed"] is True
    assert resumed["answered"] == [0] and resumed["next_index"] == 1
