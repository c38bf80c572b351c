#!/usr/bin/env bash
# SR3Core U-Net forward time against ONNX Runtime running the same network (graph made from the same
# safetensors by bench/sr3_onnx.py), interleaved in one run: for every repeat, thread count and batch,
# ORT then ours. Prints per-repeat lines and the medians over repeats with the ratio ours / ORT.
# Usage: bench/sr3-bench.sh [--model FILE.safetensors] [--runs N] [--repeats R] [--threads "1 2"]
#                           [--batches "1 4"] [--sampling]   (run from anywhere)
#   --model big97m   makes (once, in $BENCH_TMP) the 97.8 M-parameter config of the most used public SR3
#                    code (inner_channel 64, channel_multiplier [1,2,4,8,8], attn_res [16], res_blocks 2)
#                    with random weights.
#   --sampling       also runs `studygen bench` once with sampling (1 image and a batch of 4, 100 steps).
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=models/sr3-tiny-16to128.safetensors
RUNS=10
REPEATS=3
THREADS="1 2"
BATCHES="1 4"
SAMPLING=0
BENCH_TMP="${BENCH_TMP:-/tmp/sr3-bench}"
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --repeats) REPEATS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --batches) BATCHES="$2"; shift 2 ;;
        --sampling) SAMPLING=1; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$BENCH_TMP"
PY=.venv/bin/python
if [ "$MODEL" = big97m ]; then
    MODEL="$BENCH_TMP/sr3-97m.safetensors"
    [ -f "$MODEL" ] || $PY bench/sr3_onnx.py random-checkpoint --out "$MODEL" --config \
        '{"inner_channel": 64, "channel_mults": [1,2,4,8,8], "attn_res": [16], "res_blocks": 2, "norm_groups": 32, "image_size": 128}' >&2
fi

SCRATCH="${SCRATCH:-.build-release}"
swift build -c release --product studygen --scratch-path "$SCRATCH" >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/studygen"

name="$(basename "$MODEL" .safetensors)"
for b in $BATCHES; do
    onnx="$BENCH_TMP/$name-b$b.onnx"
    [ -f "$onnx" ] && [ "$onnx" -nt "$MODEL" ] || $PY bench/sr3_onnx.py export --checkpoint "$MODEL" --batch "$b" --out "$onnx" >&2
done

echo "machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) cores; model $MODEL"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
LINES="$BENCH_TMP/lines.jsonl"
: > "$LINES"
for r in $(seq 1 "$REPEATS"); do
    for t in $THREADS; do
        for b in $BATCHES; do
            ort="$($PY bench/ort_anchor.py --model "$BENCH_TMP/$name-b$b.onnx" --threads "$t" --runs "$RUNS")"
            ours="$("$BIN" bench --model "$MODEL" --forward-only --threads "$t" --forward-batch "$b" --runs "$RUNS" --json)"
            echo "{\"repeat\": $r, \"threads\": $t, \"batch\": $b, \"ort\": $ort, \"ours\": $ours, \"load\": \"$(cut -d' ' -f1 /proc/loadavg)\"}" | tee -a "$LINES"
        done
    done
done
echo "load after: $(uptime | sed 's/.*load average/load average/')"

$PY - "$LINES" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def ours_ms(row):
    o = row["ours"]
    return o[f"forward_ms_threads{row['threads']}"] if row["batch"] == 1 else o[f"forward_ms_batch{row['batch']}_threads{row['threads']}"]
first = rows[0]["ours"]
gflop, peak = first["gflop_per_pass"], statistics.median(r["ours"]["sgemm_gflops_1thread"] for r in rows)
print(f"\n{first['model']}: {gflop:.2f} GFLOP per 128x128 pass (direct convolution count); sgemm peak {peak:.0f} GFLOP/s per thread; "
      f"3x3 convolutions: {first['algorithm']}; OpenBLAS kernels {first.get('blas_core', '?')} (chosen by {first.get('blas_core_chosen_by', '?')})")
print("threads batch | ours ms (median of repeats) | ORT ms | ratio of medians | median of per-repeat ratios (each pair run back to back) | per-repeat ratios | sgemm floor ms | peak RSS ours / ORT MiB")
for t in sorted({r["threads"] for r in rows}):
    for b in sorted({r["batch"] for r in rows}):
        sel = [r for r in rows if r["threads"] == t and r["batch"] == b]
        o = statistics.median(ours_ms(r) for r in sel)
        a = statistics.median(r["ort"]["median_ms"] for r in sel)
        pair = [ours_ms(r) / r["ort"]["median_ms"] for r in sel]
        ratios = ", ".join(f"{x:.2f}" for x in pair)
        floor = gflop * b / (peak * t) * 1000
        rss = f"{max(r['ours']['peak_rss_mib'] for r in sel):.0f} / {max(r['ort']['peak_rss_mib'] for r in sel):.0f}"
        print(f"{t} {b} | {o:.1f} | {a:.1f} | {o / a:.2f} | {statistics.median(pair):.2f} | {ratios} | {floor:.1f} | {rss}")
PY

if [ "$SAMPLING" = 1 ]; then
    "$BIN" bench --model "$MODEL" --runs "$RUNS" --batch 4 --steps 100
fi
