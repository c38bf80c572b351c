"""`studygen build --shard K/N --cache DIR` and `--assemble-only` with the real binary, as a cluster runs
them: shard processes side by side on one shared cache, then the assembly. The result must equal a
single-process build byte for byte; a shard killed mid-run leaves no half-written cache entry; shards
racing on the same outputs agree."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EPOCH = "1800000000"  # SOURCE_DATE_EPOCH: the manifest's builtAt, so two builds can be compared byte for byte

STUDY_YAML = """\
name: sharded
seed: 9
hr_size: 128
lr_size: 16
images:
  folder: images
images_per_participant: 2
participants_per_task: 2
practice_trials: 1
catch_rate: 0
models:
  - id: sr3
    kind: sr3
    checkpoint: {sr3}
    sampler: ddim
    steps: 3
  - id: regression
    kind: regression
    checkpoint: {regression}
  - id: bicubic
    kind: bicubic
"""
OUTPUTS = 3 * 3


def make_study(folder: Path) -> Path:
    images = folder / "images"
    images.mkdir(parents=True)
    for source in sorted((REPO / "data" / "faces128").glob("*.png"))[:3]:
        shutil.copy(source, images / source.name)
    (folder / "study.yaml").write_text(STUDY_YAML.format(sr3=REPO / "models" / "sr3-tiny-16to128.safetensors",
                                                         regression=REPO / "models" / "regression-tiny-16to128.safetensors"))
    return folder


def command(studygen: Path, study: Path, *args: str) -> list[str]:
    return [str(studygen), "build", str(study), "--no-progress-bar", *args]


def environment() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}


def run(studygen: Path, study: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command(studygen, study, *args), capture_output=True, text=True, timeout=600, env=environment())
    assert result.returncode == 0, result.stderr
    return result


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def entries(cache: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (cache / "outputs").iterdir()}


@pytest.fixture(scope="module")
def single_build(tmp_path_factory, studygen) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The build and the cache entries of one `studygen build` in one process."""
    study = make_study(tmp_path_factory.mktemp("single") / "study")
    run(studygen, study)
    build, cache = tree(study / "build"), entries(study / ".cache")
    assert len(cache) == OUTPUTS and "manifest.json" in build
    return build, cache


def test_two_shard_processes_and_the_assembly_equal_a_single_build(studygen, tmp_path, single_build):
    study = make_study(tmp_path / "study")
    cache = tmp_path / "shared-cache"
    shards = [subprocess.Popen(command(studygen, study, "--shard", f"{k}/2", "--cache", str(cache)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment()) for k in (0, 1)]
    for shard in shards:
        out, err = shard.communicate(timeout=600)
        assert shard.returncode == 0, err
        assert "left to other shards" in out
    assert not (study / "build").exists() and not (study / ".cache").exists()
    assert entries(cache) == single_build[1]

    result = run(studygen, study, "--cache", str(cache), "--assemble-only")
    assert "0 computed" in result.stdout and " 1 computed" not in result.stdout
    assert tree(study / "build") == single_build[0]


def test_assembly_without_the_shards_fails_and_writes_nothing(studygen, tmp_path):
    study = make_study(tmp_path / "study")
    result = subprocess.run(command(studygen, study, "--cache", str(tmp_path / "empty"), "--assemble-only"),
                            capture_output=True, text=True, timeout=600, env=environment())
    assert result.returncode != 0
    assert f"{OUTPUTS} model output(s) are not in the cache" in result.stderr, result.stderr
    assert not (study / "build").exists()
    bad = subprocess.run(command(studygen, study, "--shard", "2/2"), capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "numbered 0 to 1" in bad.stderr, bad.stderr


def test_a_killed_shard_leaves_no_half_written_entry(studygen, tmp_path, single_build):
    study = make_study(tmp_path / "study")
    cache = tmp_path / "cache"
    outputs = cache / "outputs"
    # Kill the shard with SIGKILL as soon as it has written 1, then 3 more entries: at that moment it is
    # normally encoding or writing the next one.
    for target in (1, 4):
        shard = subprocess.Popen(command(studygen, study, "--shard", "0/1", "--cache", str(cache)),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment())
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and shard.poll() is None:
            if outputs.is_dir() and len([p for p in outputs.iterdir() if p.suffix == ".png"]) >= target:
                break
            time.sleep(0.005)
        shard.send_signal(signal.SIGKILL)
        shard.wait(timeout=60)
        written = entries(cache)
        complete = {name: data for name, data in written.items() if not name.startswith(".partial-")}
        assert len(complete) < OUTPUTS, "the shard finished before it could be killed"
        # Every entry under its final name is complete and equal to the single build's.
        for name, data in complete.items():
            assert data == single_build[1][name], name
        assert all(name.startswith(".partial-") or name.endswith(".png") for name in written)

    run(studygen, study, "--shard", "0/1", "--cache", str(cache))
    run(studygen, study, "--cache", str(cache), "--assemble-only")
    assert tree(study / "build") == single_build[0]
    assert {n: d for n, d in entries(cache).items() if not n.startswith(".partial-")} == single_build[1]


def test_shards_racing_on_the_same_outputs_agree(studygen, tmp_path, single_build):
    study = make_study(tmp_path / "study")
    cache = tmp_path / "cache"
    racers = [subprocess.Popen(command(studygen, study, "--shard", "0/1", "--cache", str(cache)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment()) for _ in range(2)]
    for racer in racers:
        _, err = racer.communicate(timeout=600)
        assert racer.returncode == 0, err
    assert entries(cache) == single_build[1]


def test_the_slurm_script_runs_the_shards_and_the_assembly(studygen, tmp_path, single_build):
    """deploy/slurm/build-study.sbatch as Slurm would run it: two array tasks, then the dependent job."""
    study = make_study(tmp_path / "study")
    script = REPO / "deploy" / "slurm" / "build-study.sbatch"
    base = {**environment(), "STUDY": str(study), "CACHE": str(tmp_path / "cache"), "SHARDS": "2",
            "STUDYGEN": str(studygen), "SLURM_SUBMIT_DIR": str(tmp_path)}
    tasks = [subprocess.Popen(["bash", str(script)], env={**base, "SLURM_ARRAY_TASK_ID": str(k)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in (0, 1)]
    for task in tasks:
        out, err = task.communicate(timeout=600)
        assert task.returncode == 0, err
        assert "left to other shards" in out
    assembly = subprocess.run(["bash", str(script)], env=base, capture_output=True, text=True, timeout=600)
    assert assembly.returncode == 0, assembly.stderr
    assert tree(study / "build") == single_build[0]
