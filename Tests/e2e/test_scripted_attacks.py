"""Scripted participants against a real `studyserver serve`: one that reads file sizes and URL reuse to tell
the model's image (it must do no better than a coin flip), one that answers faster than a person can (it
must be flagged and, with the default rules, excluded), the report saying who was excluded and why, and
human-paced scripts that read PNG internals, downsample to the Task-1 input or learn pixel statistics from
the practice feedback beside a simulated honest crowd (the screening must leave the reported rate theirs)."""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import forensics
import scripted
from conftest import REPO, STUDY_YAML
from study_database import query
from studyserver_process import StudyServerProcess


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
    lengths: dict[str, set[int]] = defaultdict(set)

    def choose(session, trial, images):
        for slot, body in images.items():
            lengths["input" if slot == "input" else "sides"].add(len(body))
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
    # Truths, outputs and catch foils (128x128) have one length; so do the 16x16 Task-1 inputs.
    assert {slot: len(seen) for slot, seen in lengths.items()} == {"sides": 1, "input": 1}, lengths

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


# --- Scripts that tell the images apart by what the bytes and pixels say (issue 18) -----------------------

def screening_yaml() -> str:
    """The e2e study with 16 main trials per participant (the paper's 3 practice trials, 4 catch) and a 1 s exposure."""
    text = STUDY_YAML
    for old, new in (("name: e2e", "name: screening"), ("exposure_ms: 3000", "exposure_ms: 1000"),
                     ("images_per_participant: 4", "images_per_participant: 16"),
                     ("participants_per_task: 2", "participants_per_task: 8"), ("practice_trials: 1", "practice_trials: 3")):
        assert old in text, old
        text = text.replace(old, new)
    return text


# A person's pace in this study (1 s exposure + 150 ms), with a margin; answers report that exposure.
SCREENING_PACE_S = 1.3
SCREENING_ANSWER = {"exposure_ms": 1000.1, "frames": 60}


@pytest.fixture(scope="module")
def screening_study(tmp_path_factory, studygen) -> Path:
    """16 faces and `screening_yaml()`, built by the real `studygen build`."""
    folder = tmp_path_factory.mktemp("screening") / "screening"
    (folder / "images").mkdir(parents=True)
    for source in sorted((REPO / "data" / "faces128").glob("*.png"))[:16]:
        shutil.copy(source, folder / "images" / source.name)
    checkpoint = REPO / "models" / "regression-tiny-16to128.safetensors"
    (folder / "study.yaml").write_text(screening_yaml().format(checkpoint=checkpoint))
    result = subprocess.run([str(studygen), "build", str(folder)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


@pytest.fixture()
def screening_server(tmp_path, studyserver, screening_study):
    process = StudyServerProcess(binary=studyserver, study=screening_study, database=tmp_path / "responses.sqlite",
                                 public=REPO / "Public", cwd=REPO, log=tmp_path / "studyserver.log")
    process.start()
    yield process
    process.stop()


def test_scripts_reading_png_internals_downsampling_or_pixel_statistics_gain_nothing_once_screened(
        screening_server, studyserver, screening_study):
    server = screening_server
    manifest = json.loads((screening_study / "build" / "manifest.json").read_text())
    design = {s["id"]: s["trials"] for s in manifest["design"]["sequences"]}
    kinds = {"honest": 16, "png-bot": 4, "downsample-bot": 4, "pixel-bot": 2}
    pids = [f"{kind}-{n}" for kind, count in kinds.items() for n in range(count)]
    # Each from its own loopback address, as from many machines.
    sessions = [scripted.start_from(server, pid, f"127.0.0.{10 + n}") for n, pid in enumerate(pids)]
    pid_of = {s["session"]: pid for s, pid in zip(sessions, pids)}
    sequence_of = {s["session"]: row["sequence"] for s in sessions
                   for row in query(server.database, "SELECT sequence FROM session WHERE token = ?", s["session"])}
    learned: dict[str, list[float]] = defaultdict(list)  # pixel bot: the truth's high-frequency energy in practice
    layouts: dict[tuple, set] = defaultdict(set)  # (width, height) -> every internals seen
    signals = 0  # trials where the two sides' internals differed
    person = {s["session"]: random.Random(pid_of[s["session"]]) for s in sessions}
    skill = {token: rng.gauss(0, 0.5) for token, rng in person.items()}  # honest people differ (logit scale)

    def choose(session, trial, images):
        nonlocal signals
        pid = pid_of[session["session"]]
        decoded = {slot: forensics.decode(body) for slot, body in images.items()}
        for slot, body in images.items():
            layouts[decoded[slot].shape].add(json.dumps(forensics.internals(body)))
        if forensics.internals(images["left"]) != forensics.internals(images["right"]):
            signals += 1
        truth_side = trial.get("correct")
        blocky = [side for side in ("left", "right") if forensics.is_blocky(decoded[side])]
        if truth_side:  # practice: the page reveals the right answer; scripts learn from it and answer it
            learned[pid].append(forensics.high_frequency_energy(decoded[truth_side]))
            return truth_side
        if blocky and not pid.startswith("honest"):  # a catch foil is plain to a script: answer it right
            return "right" if blocky == ["left"] else "left"
        if pid.startswith("honest"):
            # A person: the design says which side is the truth; fooled as often as their skill and the model allow.
            planned = design[sequence_of[session["session"]]][trial["index"]]
            truth = "right" if planned["model_side"] == "left" else "left"
            if planned["kind"] == "catch":
                return truth if person[session["session"]].random() < 0.95 else planned["model_side"]
            base = {"regression": -1.1, "bicubic": -2.2}[planned["model"]]
            fooled = person[session["session"]].random() < 1 / (1 + math.exp(-(base + skill[session["session"]])))
            return planned["model_side"] if fooled else truth
        if pid.startswith("png-bot"):
            # Learned from the practice trials which internals the truth has; the sides never differ, so: left.
            return "left"
        if pid.startswith("downsample-bot") and "input" in decoded:
            shown = decoded["input"].astype(int)
            distance = {side: np.abs(forensics.downsample(decoded[side], 16).astype(int) - shown).mean()
                        for side in ("left", "right")}
            truth = min(distance, key=distance.get)
            return "right" if truth == "left" else "left"  # pick the model's image as the photo
        if pid.startswith("pixel-bot"):
            level = sum(learned[pid]) / len(learned[pid])
            gap = {side: abs(forensics.high_frequency_energy(decoded[side]) - level) for side in ("left", "right")}
            truth = min(gap, key=gap.get)
            return "right" if truth == "left" else "left"
        return "left"  # a downsampling bot in Task 2 has no input to compare with

    scripted.run_sessions(server, sessions, choose, pace_s=SCREENING_PACE_S, fields=SCREENING_ANSWER)

    # PNG internals: every stimulus of one size has one layout, and the two sides never differed.
    assert signals == 0
    assert set(layouts) == {(128, 128, 3), (16, 16, 3)}, set(layouts)
    for shape, seen in layouts.items():
        assert len(seen) == 1, f"{shape}: {len(seen)} layouts"
    internals = json.loads(next(iter(layouts[(128, 128, 3)])))
    assert internals["chunks"] == [["IHDR", 13], ["IDAT", 49291], ["IEND", 0]] and internals["length"] == 49348

    rows = export_rows(studyserver, screening_study, server.database)
    main = [r for r in rows if r["kind"] == "main"]
    task_of = {pid: next(r["task"] for r in main if r["participant"] == pid) for pid in pids}
    own_rate = {pid: sum(r["fooled"] for r in main if r["participant"] == pid) / 16 for pid in pids}
    forgers = [pid for pid in pids
               if pid.startswith("pixel-bot") or (pid.startswith("downsample-bot") and task_of[pid] == "task1")]
    assert any(pid.startswith("downsample-bot") for pid in forgers), task_of
    for pid in forgers:
        assert own_rate[pid] >= 0.75, f"{pid} tells the images apart: {own_rate[pid]}"

    result = report(studyserver, screening_study, server.database)
    flagged = {p["participant"]: p for p in result["flagged_participants"]}
    for pid in forgers:
        assert pid in flagged, (pid, own_rate, task_of, flagged, result["screening"])
        assert "implausible_fool_rate_high" in [r["flag"] for r in flagged[pid]["reasons"]], flagged[pid]
        assert flagged[pid]["excluded"] is True
    honest = [pid for pid in pids if pid.startswith("honest")]
    screened_honest = [pid for pid in honest
                       if any(r["flag"].startswith("implausible") for r in flagged.get(pid, {}).get("reasons", []))]
    assert len(screened_honest) <= 0.05 * len(honest), screened_honest
    # The reported fool rate counts no forger: it is the crowd's (plus the PNG bots', which learned nothing).
    counted = {r["participant"] for r in rows if r["counts"]}
    assert not counted & set(forgers), counted & set(forgers)
    # (An honest participant may still miss catch trials, as a person does 1 time in 20.)
    assert len(counted & set(honest)) >= 14, sorted(set(honest) - counted)
    for row in result["fool_rates"]:
        kept = [r for r in main if r["counts"] and r["task"] == row["task"] and r["model"] == row["model"]]
        assert row["trials"] == len(kept) and all(r["participant"] not in forgers for r in kept)
    screening = result["screening"]
    assert screening["excludes"] is True and set(forgers) <= set(screening["screened"])
    moved = [r for r in screening["rows"] if r["task"] == "task1" and r["model"] == "regression"][0]
    assert moved["with_screened"]["fool_rate"] > moved["without_screened"]["fool_rate"], moved
