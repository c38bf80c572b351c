"""Fixtures for the real-browser end-to-end tests: the built binaries, a tiny study built by the real
`studygen build`, a real `studyserver serve` on loopback with a real SQLite file, and Debian's Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from studyserver_process import StudyServerProcess

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / ".build" / "debug"
CHROMIUM = Path("/usr/bin/chromium")

# 4 faces, the two models that need no sampling, one practice trial, one catch trial per 4 main trials.
STUDY_YAML = """\
name: e2e
title: "End-to-end test study"
seed: 7
hr_size: 128
lr_size: 16
images:
  folder: images
models:
  - id: regression
    kind: regression
    checkpoint: {checkpoint}
  - id: bicubic
    kind: bicubic
exposure_ms: 3000
exposure_tolerance_ms: 34
images_per_participant: 4
participants_per_task: 2
practice_trials: 1
catch_rate: 0.25
display:
  image_px: 256
  gap_px: 32
  fixation_ms: 500
completion:
  redirect_url: null
  code: null
"""


def binary(name: str) -> Path:
    path = BUILD / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `swift build` in {REPO} before the end-to-end tests", pytrace=False)
    return path


@pytest.fixture(scope="session")
def studygen() -> Path:
    return binary("studygen")


@pytest.fixture(scope="session")
def studyserver() -> Path:
    return binary("studyserver")


@pytest.fixture(scope="session")
def built_study(tmp_path_factory, studygen) -> Path:
    """A tiny study folder (study.yaml, images/, build/) made by the real `studygen build`."""
    folder = tmp_path_factory.mktemp("study") / "e2e"
    images = folder / "images"
    images.mkdir(parents=True)
    for source in sorted((REPO / "data" / "faces128").glob("*.png"))[:4]:
        shutil.copy(source, images / source.name)
    checkpoint = REPO / "models" / "regression-tiny-16to128.safetensors"
    (folder / "study.yaml").write_text(STUDY_YAML.format(checkpoint=checkpoint))
    build_study(studygen, folder)
    assert (folder / "build" / "manifest.json").is_file(), "studygen build wrote no build/manifest.json"
    return folder


def build_study(studygen: Path, folder: Path) -> Path:
    """Runs the real `studygen build` on `folder` and fails the test with its output if it fails."""
    result = subprocess.run([str(studygen), "build", str(folder)], cwd=REPO, capture_output=True, text=True,
                            timeout=600)
    if result.returncode != 0:
        pytest.fail(f"`studygen build {folder}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}",
                    pytrace=False)
    return folder


def study_variant(tmp_path_factory, studygen: Path, built_study: Path, name: str, edit) -> Path:
    """A copy of the end-to-end study whose study.yaml is `edit(text)`, built by the real `studygen build`."""
    folder = tmp_path_factory.mktemp(name) / "e2e"
    shutil.copytree(built_study, folder)
    text = (folder / "study.yaml").read_text()
    (folder / "study.yaml").write_text(edit(text))
    return build_study(studygen, folder)


def serving(tmp_path: Path, studyserver: Path, study: Path, process_type=StudyServerProcess):
    """For a fixture to `yield from`: `studyserver serve` on `study` on a free loopback port with a fresh SQLite
    file, stopped after the test."""
    process = process_type(binary=studyserver, study=study, database=tmp_path / "responses.sqlite",
                           public=REPO / "Public", cwd=REPO, log=tmp_path / "studyserver.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture()
def server(tmp_path, studyserver, built_study):
    """`studyserver serve` on a free loopback port with a fresh SQLite file; stopped after the test."""
    yield from serving(tmp_path, studyserver, built_study)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")

