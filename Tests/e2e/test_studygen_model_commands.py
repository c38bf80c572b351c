"""The checkpoint commands a user of SR3Core runs: `studygen unet` reproduces the reference U-Net's
outputs from a safetensors file, `studygen upscale` turns an LR PNG into an HR PNG, and a damaged
checkpoint or a wrong-sized input fails with one clear message naming the file."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "SR3CoreTests" / "Fixtures"
SR3 = REPO / "models" / "sr3-tiny-16to128.safetensors"
REGRESSION = REPO / "models" / "regression-tiny-16to128.safetensors"


def run(binary: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=300, cwd=REPO)


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(entry["shape"])
    return tensors


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_unet_command_reproduces_the_reference_outputs(studygen, tmp_path):
    out = tmp_path / "out.safetensors"
    result = run(studygen, "unet", "--model", str(FIXTURES / "parity-model.safetensors"),
                 "--input", str(FIXTURES / "parity-io.safetensors"), "--output", str(out))
    assert result.returncode == 0, result.stderr
    expected = read_safetensors(FIXTURES / "parity-io.safetensors")["output"]
    got = read_safetensors(out)["output"]
    assert got.shape == expected.shape
    assert float(np.max(np.abs(got - expected))) < 1e-4


def test_upscale_command_writes_an_hr_png_for_both_checkpoints(studygen, tmp_path):
    hr = REPO / "data" / "natural128" / "natural000.png"
    lr = tmp_path / "lr.png"
    # A 128x128 input is refused with a message naming the file and the size the model needs.
    refused = run(studygen, "upscale", "--model", str(SR3), "--input", str(hr), "--output", str(tmp_path / "x.png"))
    assert refused.returncode != 0
    assert "16" in refused.stderr and str(hr.name) in refused.stderr, refused.stderr
    assert not (tmp_path / "x.png").exists()

    lr.write_bytes(tiny_rgb_png(16, 16))
    for checkpoint, extra in ((SR3, ["--steps", "4", "--sampler", "ddim", "--projection", "--seed", "3"]), (REGRESSION, [])):
        out = tmp_path / f"{checkpoint.stem}.png"
        result = run(studygen, "upscale", "--model", str(checkpoint), "--input", str(lr), "--output", str(out), *extra)
        assert result.returncode == 0, result.stderr
        assert png_size(out) == (128, 128)

    # Same seed, same output: the sampler is reproducible from the command line.
    again = tmp_path / "again.png"
    result = run(studygen, "upscale", "--model", str(SR3), "--input", str(lr), "--output", str(again),
                 "--steps", "4", "--sampler", "ddim", "--projection", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == (tmp_path / f"{SR3.stem}.png").read_bytes()


def test_truncated_checkpoint_fails_with_a_message_naming_the_file(studygen, tmp_path):
    broken = tmp_path / "truncated.safetensors"
    broken.write_bytes(SR3.read_bytes()[: 5_000_000])
    lr = tmp_path / "lr.png"
    lr.write_bytes(tiny_rgb_png(16, 16))
    result = run(studygen, "upscale", "--model", str(broken), "--input", str(lr), "--output", str(tmp_path / "o.png"))
    assert result.returncode != 0
    assert "truncated.safetensors" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Fatal error" not in result.stderr
    assert not (tmp_path / "o.png").exists()


def bench_json(studygen: Path, env: dict[str, str]) -> dict:
    """The cheapest `studygen bench --json`: three forward passes of the tiny U-Net on one thread."""
    result = subprocess.run(
        [str(studygen), "bench", "--model", str(SR3), "--forward-only", "--runs", "1", "--threads", "1", "--json"],
        capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_openblas_falling_back_to_prescott_is_corrected_unless_the_user_chose(studygen):
    """OpenBLAS started as Prescott (the test switch does what an unknown CPU model does to OpenBLAS 0.3.21)
    is replaced by the newest kernels this CPU runs; a user's own OPENBLAS_CORETYPE is left alone."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "STUDYGEN_BLAS_FELL_BACK_FROM")}
    flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")).split()
    assert "avx" in flags, "this test needs an x86-64 CPU with AVX, whose kernels are newer than Prescott's"

    # Where OpenBLAS knows this CPU it chose itself; where it does not (the Xeon), studygen did.
    own = bench_json(studygen, env)
    assert own["blas_core_chosen_by"] in ("openblas", "studygen") and own["blas_core"] != "Prescott", own

    corrected = bench_json(studygen, {**env, "STUDYGEN_TEST_ONLY_BLAS_FALLBACK": "Prescott"})
    assert corrected["blas_core_chosen_by"] == "studygen", corrected
    assert corrected["blas_core"] not in ("Prescott", "unknown"), corrected

    users = bench_json(studygen, {**env, "OPENBLAS_CORETYPE": "Prescott"})
    assert users["blas_core"] == "Prescott" and users["blas_core_chosen_by"] == "OPENBLAS_CORETYPE", users

    text = subprocess.run(
        [str(studygen), "bench", "--model", str(SR3), "--forward-only", "--runs", "1", "--threads", "1"],
        capture_output=True, text=True, timeout=300, cwd=REPO, env={**env, "STUDYGEN_TEST_ONLY_BLAS_FALLBACK": "Prescott"})
    assert text.returncode == 0, text.stderr
    assert f"OpenBLAS kernels: {corrected['blas_core']} (chosen by studygen: OpenBLAS alone fell back to Prescott)" in text.stdout


def tiny_rgb_png(width: int, height: int) -> bytes:
    """An 8-bit RGB PNG with a smooth colour ramp (zlib + CRC from the standard library)."""
    import zlib

    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 255 // (width - 1), y * 255 // (height - 1), 128))
        for y in range(height))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
