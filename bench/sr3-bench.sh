#!/usr/bin/env bash
# SR3Core benchmark: our U-Net / sampler (`studygen bench`) and ONNX Runtime's forward pass of the
# same network, in the same run on the same machine. Prints the ratio ours / ORT per thread count.
# Usage: bench/sr3-bench.sh [--runs N] [--batch B] [--steps S]   (run from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=20
BATCH=4
STEPS=100
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --batch) BATCH="$2"; shift 2 ;;
        --steps) STEPS="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

swift build -c release --product studygen >&2
BIN="$(swift build -c release --show-bin-path)/studygen"

echo "machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) cores"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
ORT1="$(.venv/bin/python bench/ort_anchor.py --threads 1 --runs "$RUNS")"
ORT2="$(.venv/bin/python bench/ort_anchor.py --threads 2 --runs "$RUNS")"
OURS="$("$BIN" bench --json --runs "$RUNS" --batch "$BATCH" --steps "$STEPS")"
echo "load after: $(uptime | sed 's/.*load average/load average/')"

.venv/bin/python - "$OURS" "$ORT1" "$ORT2" <<'PY'
import json, sys
ours, ort1, ort2 = (json.loads(a) for a in sys.argv[1:4])
print(f"SR3Core  forward 128x128, batch 1: 1 thread {ours['forward_ms_threads1']:.1f} ms, 2 threads {ours['forward_ms_threads2']:.1f} ms (median of {ours['runs']})")
print(f"{ort1['engine']}: 1 thread {ort1['median_ms']:.1f} ms, 2 threads {ort2['median_ms']:.1f} ms (median)")
print(f"ratio ours/ORT: 1 thread {ours['forward_ms_threads1'] / ort1['median_ms']:.2f}, 2 threads {ours['forward_ms_threads2'] / ort2['median_ms']:.2f}")
print(f"sampling one image, {ours['steps']} steps: {ours['sample_one_image_s']:.2f} s")
print(f"batch of {ours['batch']}, {ours['steps']} steps: {ours['batch_images_per_s']:.3f} images/s")
print(f"peak RSS (getrusage ru_maxrss): {ours['peak_rss_mib']:.0f} MiB")
PY
