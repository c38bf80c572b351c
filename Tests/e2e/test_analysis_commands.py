"""The researcher's commands on what a real `studyserver serve` recorded: `studyserver report --fool-rates`
and `studyserver export` read the same study and database and agree with each other and with the record;
bad arguments fail with one clear message and a non-zero exit status."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import scripted
from study_database import query
from studyserver_process import StudyServerProcess

REPO = Path(__file__).resolve().parents[2]


def run(binary: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=300)


def take_the_study(server, *pids: str) -> int:
    """The participants take the study side by side as the page would (images fetched, a person's pace)."""
    sessions = [scripted.start(server, pid) for pid in pids]
    scripted.run_sessions(server, sessions,
                          lambda session, trial, images: "left" if (trial["index"] + len(session["participant"])) % 2 == 0
                          else "right")
    return sum(len(session["trials"]) for session in sessions)


def test_report_and_export_read_what_the_server_recorded(server, studyserver, built_study):
    answered = take_the_study(server, "analyst-1", "analyst-22")
    assert query(server.database, "SELECT COUNT(*) AS n FROM answer")[0]["n"] == answered
    data = ["--study", str(built_study), "--db", str(server.database)]

    result = run(studyserver, "report", "--fool-rates", *data, "--format", "json", "--bootstrap", "200")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("fool_rates", "images", "pairwise", "exclusions"):
        assert key in report, f"the JSON report lacks `{key}`"
    assert {row["model"] for row in report["fool_rates"]} == {"regression", "bicubic"}
    assert {row["task"] for row in report["fool_rates"]} == {"task1", "task2"}
    for row in report["fool_rates"]:
        assert {"task", "model", "fool_rate", "trials", "participants", "images", "ci"} <= row.keys(), row
        for interval in row["ci"]:
            assert {"method", "level", "low", "high"} <= interval.keys(), interval

    result = run(studyserver, "export", *data, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(rows) == answered, "export has one row per recorded answer"
    assert all(row["model"] not in ("", None) for row in rows)
    counted = sum(1 for row in rows if row["counts"])
    assert counted > 0, "some answered main trials count"
    assert counted == sum(row["trials"] for row in report["fool_rates"]), \
        "the report's trials are exactly the exported rows marked `counts`"

    result = run(studyserver, "report", "--fool-rates", *data, "--format", "text", "--bootstrap", "200")
    assert result.returncode == 0, result.stderr
    assert "regression" in result.stdout and "bicubic" in result.stdout


def test_bad_arguments_fail_with_one_clear_message(tmp_path, studygen, studyserver, built_study):
    missing_db = tmp_path / "absent.sqlite"
    result = run(studyserver, "report", "--fool-rates", "--study", str(built_study), "--db", str(missing_db))
    assert result.returncode != 0
    assert str(missing_db) in result.stderr and "serve the study first" in result.stderr, result.stderr
    assert not missing_db.exists(), "a report must not create the database it was asked to read"

    missing_study = tmp_path / "no-such-study"
    result = run(studyserver, "export", "--study", str(missing_study))
    assert result.returncode != 0
    assert "studygen build" in result.stderr, result.stderr

    result = run(studygen, "check", str(missing_study))
    assert result.returncode != 0
    assert "no study definition" in result.stderr and "fix:" in result.stderr, result.stderr

    result = run(studyserver, "report", "--fool-rates", "--study", str(built_study), "--bootstrap", "1")
    assert result.returncode != 0
    assert "--bootstrap must be at least 2" in result.stderr, result.stderr


def test_the_researcher_token_can_come_from_the_environment(tmp_path, monkeypatch, studyserver, built_study):
    token = "e2e-environment-token-4711"
    monkeypatch.setenv("STUDY_ADMIN_TOKEN", token)
    process = StudyServerProcess(binary=studyserver, study=built_study, database=tmp_path / "responses.sqlite",
                                 public=REPO / "Public", cwd=REPO, log=tmp_path / "studyserver.log")
    process.start()
    try:
        def progress(authorization: str | None) -> int:
            headers = {"Authorization": authorization} if authorization else {}
            request = urllib.request.Request(f"{process.url}/api/admin/progress", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    json.loads(response.read())
                    return response.status
            except urllib.error.HTTPError as error:
                assert isinstance(json.loads(error.read()).get("error"), str), "errors are JSON"
                return error.code

        assert progress(None) == 401
        assert progress("Bearer not-the-token") == 401
        assert progress(f"Bearer {token}") == 200
        assert token not in process.output(), "a token given by the environment is not printed"

        # SIGTERM (what a service manager sends) stops the server gracefully: a clean exit, no error logged.
        running = process.process
        assert running is not None
        running.send_signal(signal.SIGTERM)
        assert running.wait(timeout=20) == 0, process.output()
        process.process = None
        assert "error" not in process.output().lower(), process.output()
    finally:
        process.stop()
