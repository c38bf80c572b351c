"""Scripted participants against a real `studyserver serve`: one that reads file sizes and URL reuse to tell
the model's image (it must do no better than a coin flip), one that answers faster than a person can (it
must be flagged and, with the default rules, excluded), and the report saying who was excluded and why."""

from __future__ import annotations

import json
import math
import subprocess
from collections import defaultdict
from pathlib import Path

import scripted
from study_database import query


def export_rows(studyserver: Path, study: Path, database: Path) -> list[dict]:
    result = subprocess.run([str(studyserver), "export", "--study", str(study), "--db", str(database), "--format", "jsonl"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def report(studyserver: Path, study: Path, database: Path) -> dict:
    result = subprocess.run([str(studyserver), "report", "--fool-rates", "--study", str(study), "--db", str(database),
                             "--format", "json", "--bootstrap", "200"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def files_on_disk_differ_in_size(study: Path) -> bool:
    """The built stimuli themselves give the game away by size: every catch foil is smaller than its truth,
    and the files do not all have one size. (What the size attack would exploit without padding.)"""
    manifest = json.loads((study / "build" / "manifest.json").read_text())
    size = lambda ref: (study / "build" / ref["file"]).stat().st_size
    foils_smaller = all(size(image["catch_foil"]) < size(image["hr"]) for image in manifest["images"])
    sizes = {size(o["stimulus"]) for o in manifest["outputs"]} | {size(i["hr"]) for i in manifest["images"]}
    return foils_smaller and len(sizes) > 1


def test_a_script_reading_sizes_and_urls_does_no_better_than_a_coin(server, studyserver, built_study):
    seen_urls: dict[str, set[str]] = defaultdict(set)  # url -> sessions that received it
    lengths: set[int] = set()

    def choose(session, trial, images):
        lengths.update(len(body) for body in images.values())
        left, right = images["left"], images["right"]
        # URL reuse: an image seen in another session pairing is the ground truth, so pick the other one.
        for side, other in (("left", "right"), ("right", "left")):
            if any(s != session["session"] for s in seen_urls[trial[side]]):
                return other
        # File size: the smaller file is the smoother model output.
        return "left" if len(left) < len(right) else "right" if len(right) < len(left) else "left"

    sessions = [scripted.start(server, f"size-bot-{n}") for n in range(8)]
    for session in sessions:
        for trial in session["trials"]:
            for url in scripted.image_urls(trial):
                seen_urls[url].add(session["session"])
    scripted.run_sessions(server, sessions, choose)

    assert all(len(owners) == 1 for owners in seen_urls.values()), "no stimulus URL is shared between sessions"
    assert len(lengths) == 1, f"every stimulus (truth, output, catch foil, input) has one size: {lengths}"

    rows = [r for r in export_rows(studyserver, built_study, server.database)
            if r["participant"].startswith("size-bot") and r["kind"] == "main"]
    assert len(rows) == 8 * 4
    fooled = sum(r["fooled"] for r in rows)
    # On disk the sizes would tell (catch foils above all); served, every size is the same.
    assert files_on_disk_differ_in_size(built_study)
    # A coin flip: within 2.6 standard deviations of half (the balanced sides make it exactly half here).
    assert abs(fooled / len(rows) - 0.5) <= 2.6 * math.sqrt(0.25 / len(rows)), f"{fooled}/{len(rows)}"
    # At a human pace nothing flags its timing; only the catch trials can catch it, which size no longer gives away.
    assert {r["excluded_by"] for r in rows} <= {None, "low_catch_accuracy"}, {r["excluded_by"] for r in rows}


def test_a_script_answering_faster_than_a_person_is_flagged_and_excluded(server, studyserver, built_study):
    # Two honest-paced scripts and two fast ones (one fetches images, one never does).
    honest = [scripted.start(server, f"paced-{n}") for n in range(2)]
    scripted.run_sessions(server, honest, lambda s, t, i: "left" if t["index"] % 2 else "right")
    fetching = scripted.start(server, "fast-fetcher")
    scripted.run_sessions(server, [fetching], lambda s, t, i: "left", pace_s=0)
    blind = scripted.start(server, "fast-blind")
    for trial in blind["trials"]:
        scripted.answer(server, blind, trial["index"], "left")
    scripted.complete(server, blind)

    flags = {row["flag"] for row in query(server.database,
             "SELECT f.flag FROM session_flag f JOIN session s ON s.token = f.session WHERE s.participant = 'fast-fetcher'")}
    assert {"early_answers", "too_fast_session"} <= flags, flags
    flags = {row["flag"] for row in query(server.database,
             "SELECT f.flag FROM session_flag f JOIN session s ON s.token = f.session WHERE s.participant = 'fast-blind'")}
    assert {"unseen_answers", "too_fast_session"} <= flags, flags

    result = report(studyserver, built_study, server.database)
    flagged = {p["participant"]: p for p in result["flagged_participants"]}
    for bot in ("fast-fetcher", "fast-blind"):
        assert flagged[bot]["excluded"] is True
        assert flagged[bot]["reasons"], flagged[bot]
    assert not any(name.startswith("paced-") for name in flagged), "people at a human pace are not flagged"
    counted = [r for r in export_rows(studyserver, built_study, server.database) if r["counts"]]
    assert counted and {r["participant"] for r in counted} == {"paced-0", "paced-1"}
    with_rates = {(r["task"], r["model"]): r["trials"] for r in result["fool_rates"]}
    without = {(r["task"], r["model"]): r["trials"] for r in result["fool_rates_without_exclusions"]}
    assert sum(without.values()) == sum(with_rates.values()) + 2 * 4, "the report shows both, bots' 8 main trials apart"

    text = subprocess.run([str(studyserver), "report", "--fool-rates", "--study", str(built_study), "--db",
                           str(server.database), "--bootstrap", "200"], capture_output=True, text=True, timeout=300)
    assert text.returncode == 0, text.stderr
    assert "Flagged participants: 2, 2 of them excluded" in text.stdout
    assert "fast-blind" in text.stdout and "unseen_answers" in text.stdout


def test_the_html_report_lists_flagged_participants_and_both_fool_rates(server, studyserver, built_study, tmp_path):
    blind = scripted.start(server, "html-blind-bot")
    for trial in blind["trials"]:
        scripted.answer(server, blind, trial["index"], "left")
    output = tmp_path / "report.html"
    result = subprocess.run([str(studyserver), "report", "--study", str(built_study), "--db", str(server.database),
                             "--format", "html", "--bootstrap", "200", "--output", str(output)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    html = output.read_text()
    assert "<h2>Flagged participants</h2>" in html and "html-blind-bot" in html and "unseen_answers" in html
    assert "<h2>Fool rates with and without exclusions</h2>" in html
