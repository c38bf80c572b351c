#!/usr/bin/env python3
"""Load generator for `studyserver serve`: N concurrent participants play whole sequences through the
participant API on 127.0.0.1, each over its own keep-alive connection, retrying an unacknowledged answer
with the same idempotency key (as the browser's answer queue does) until the server acknowledges it.

Standard library only. Bounded: at most --participants participants, stops after --max-seconds.
Afterwards it checks the database: every acknowledged answer is there exactly once, nothing else is.

  load_bench.py make-study <folder> [--sequences-per-task 50 --main 16 --catch 2 --practice 3]
  load_bench.py run --port P --participants N --db FILE [--max-seconds 300] [--json out.json]
"""
import argparse
import struct
import zlib
import asyncio
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import time


# ---------------------------------------------------------------- synthetic study

def tiny_png(comment):
    """A valid 1x1 grey PNG carrying `comment` (the server serves PNGs only, padded to one length)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\x00" + comment) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def make_study(folder, sequences_per_task, main, catch, practice):
    """A built study (manifest.json + stimuli/) with fake stimulus bytes: the answer path is what is measured."""
    stimuli = os.path.join(folder, "stimuli")
    os.makedirs(stimuli, exist_ok=True)

    def stimulus(label):
        data = tiny_png(("bench stimulus " + label).encode())
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(stimuli, digest + ".png"), "wb") as f:
            f.write(data)
        return {"file": "stimuli/%s.png" % digest, "sha256": digest}

    models = ["sr3", "regression", "bicubic", "sr3_projected"]
    images = []
    outputs = []
    for i in range(32):
        image_id = "face%03d" % i
        images.append({"id": image_id, "source": image_id + ".png", "source_sha256": "0" * 64,
                       "hr": stimulus(image_id + "hr"), "lr": stimulus(image_id + "lr"),
                       "catch_foil": stimulus(image_id + "foil")})
        for model in models:
            outputs.append({"image": image_id, "model": model, "stimulus": stimulus(image_id + model)})
    rng = random.Random(2021)
    sequences = []
    for task in ("task1", "task2"):
        for n in range(sequences_per_task):
            chosen = rng.sample(range(32), main)
            trials = [{"kind": "practice", "image": "face%03d" % rng.randrange(32), "model": "catch_foil",
                       "model_side": rng.choice(["left", "right"])} for _ in range(practice)]
            body = [{"kind": "main", "image": "face%03d" % i, "model": models[(i + n) % len(models)],
                     "model_side": rng.choice(["left", "right"])} for i in chosen]
            body += [{"kind": "catch", "image": "face%03d" % rng.randrange(32), "model": "catch_foil",
                      "model_side": rng.choice(["left", "right"])} for _ in range(catch)]
            rng.shuffle(body)
            sequences.append({"id": "%s-%03d" % (task, n), "task": task, "trials": trials + body})
    definition = {"name": "loadbench", "title": "Load benchmark", "seed": 2021, "hr_size": 128, "lr_size": 16,
                  "images": {"folder": "images"}, "models": [{"id": m, "kind": "bicubic"} for m in models]}
    manifest = {"format": 1, "definition": definition, "definition_sha256": "0" * 64,
                "built_at": "2026-11-27T00:00:00Z", "images": images,
                "models": [{"id": m, "kind": "bicubic", "label": m, "available": True, "settings": {}} for m in models],
                "outputs": outputs, "metrics": [], "design": {"sequences": sequences}}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    print("study with %d sequences of %d trials in %s" % (len(sequences), practice + main + catch, folder))


# ---------------------------------------------------------------- HTTP/1.1 over asyncio streams

class Connection:
    def __init__(self, port):
        self.port = port
        self.reader = None
        self.writer = None

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except Exception:
                pass
        self.reader = self.writer = None

    async def request(self, method, path, body=None):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = b"" if body is None else json.dumps(body).encode()
        head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (method, path, len(data))).encode()
        self.writer.write(head + data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        payload = await self.reader.readexactly(length) if length else b""
        return status, (json.loads(payload) if payload else None)


# ---------------------------------------------------------------- participants

class Stats:
    def __init__(self):
        self.latencies = []      # seconds, acknowledged answer requests (final attempt)
        self.acknowledged = {}   # key -> (token, index, duplicate)
        self.retries = 0
        self.errors = []
        self.completed = 0


async def call_until_answered(conn, method, path, body, stats, deadline):
    """Sends until an HTTP reply arrives; reconnects and retries on connection failures (server restart)."""
    delay = 0.05
    while True:
        try:
            return await conn.request(method, path, body)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            await conn.close()
            if time.monotonic() > deadline:
                raise
            stats.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)


async def participant(number, run_id, port, stats, deadline, start_gate, think_ms):
    await start_gate.wait()
    conn = Connection(port)
    rng = random.Random(number)
    try:
        status, payload = await call_until_answered(
            conn, "POST", "/api/sessions", {"pid": "%s-%05d" % (run_id, number), "window_w": 1440,
                                            "window_h": 900, "dpr": 2,
                                            "browser_key": "bench-browser-%s-%05d" % (run_id, number)}, stats, deadline)
        if status not in (200, 201):
            stats.errors.append(("session", status, payload))
            return
        token = payload["session"]
        if think_ms:
            await asyncio.sleep(rng.uniform(0, think_ms) / 1000)  # participants are not in lockstep
        for trial in payload["trials"]:
            if time.monotonic() > deadline:
                return
            index = trial["index"]
            if index in payload["answered"]:
                continue
            if think_ms:  # fixation + exposure + decision, as a person would take
                await asyncio.sleep(rng.uniform(0.8, 1.2) * think_ms / 1000)
            key = "%s-%05d-%03d" % (run_id, number, index)
            body = {"key": key, "index": index, "choice": rng.choice(["left", "right"]),
                    "response_ms": rng.uniform(300, 1500), "exposure_ms": 3000 + rng.uniform(-20, 20),
                    "frames": 180, "visibility_lost": False, "focus_lost": False, "window_w": 1440,
                    "window_h": 900, "dpr": 2, "rendered_px": 512}
            started = time.monotonic()
            status, ack = await call_until_answered(conn, "POST", "/api/sessions/%s/answers" % token, body,
                                                    stats, deadline)
            if status != 200 or not ack.get("ok"):
                stats.errors.append(("answer", status, ack))
                return
            stats.latencies.append(time.monotonic() - started)
            stats.acknowledged[key] = (token, index, ack.get("duplicate"))
        status, done = await call_until_answered(conn, "POST", "/api/sessions/%s/complete" % token, None,
                                                 stats, deadline)
        if status == 200:
            stats.completed += 1
        else:
            stats.errors.append(("complete", status, done))
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        stats.errors.append(("exception", type(error).__name__, str(error)[:200]))
    finally:
        await conn.close()


def verify(db_path, run_id, stats):
    db = sqlite3.connect(db_path, timeout=30)
    rows = db.execute("SELECT key, session, trial_index FROM answer WHERE key LIKE ?", (run_id + "-%",)).fetchall()
    db.close()
    stored = {}
    duplicates_in_db = 0
    for key, session, index in rows:
        if key in stored:
            duplicates_in_db += 1
        stored[key] = (session, index)
    lost = [k for k, (token, index, _) in stats.acknowledged.items() if stored.get(k) != (token, index)]
    # Committed before a crash but acknowledged only when the client retried after the restart.
    acknowledged_on_retry = sum(1 for (_, _, duplicate) in stats.acknowledged.values() if duplicate)
    unacknowledged_rows = [k for k in stored if k not in stats.acknowledged]
    return {"rows_in_db": len(rows), "acknowledged": len(stats.acknowledged), "lost": len(lost),
            "duplicate_rows": duplicates_in_db, "rows_never_acknowledged": len(unacknowledged_rows),
            "acknowledged_as_duplicate_on_retry": acknowledged_on_retry}


async def anchor(port, connections, requests_each):
    """The HTTP stack alone: GET /healthz over keep-alive connections, measured in the same run."""
    latencies = []

    async def client():
        conn = Connection(port)
        try:
            for _ in range(requests_each):
                started = time.monotonic()
                status, _ = await conn.request("GET", "/healthz")
                if status != 200:
                    raise RuntimeError("healthz answered %d" % status)
                latencies.append(time.monotonic() - started)
        finally:
            await conn.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"healthz_per_s": round(len(latencies) / elapsed, 1),
            "healthz_p50_ms": round(latencies[len(latencies) // 2] * 1000, 2)}


async def run(args):
    result = {}
    if args.anchor:
        result["anchor"] = await anchor(args.port, 50, 100)
    stats = Stats()
    run_id = args.run_id or "bench%d" % int(time.time())
    deadline = time.monotonic() + args.max_seconds
    gate = asyncio.Event()
    tasks = [asyncio.create_task(participant(n, run_id, args.port, stats, deadline, gate, args.think_ms))
             for n in range(args.participants)]
    started = time.monotonic()
    gate.set()
    await asyncio.wait(tasks, timeout=args.max_seconds + 5)
    for task in tasks:
        task.cancel()
    elapsed = time.monotonic() - started
    lat = sorted(stats.latencies)

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

    result.update({"participants": args.participants, "think_ms": args.think_ms, "completed_sessions": stats.completed,
              "answers_acknowledged": len(stats.acknowledged), "seconds": round(elapsed, 2),
              "answers_per_s": round(len(stats.acknowledged) / elapsed, 1) if elapsed else None,
              "p50_ms": pct(0.50), "p99_ms": pct(0.99),
              "mean_ms": round(statistics.fmean(lat) * 1000, 2) if lat else None,
              "connection_retries": stats.retries, "errors": len(stats.errors),
              "first_errors": stats.errors[:3]})
    if args.db:
        result["db"] = verify(args.db, run_id, stats)
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    ok = not stats.errors and (not args.db or (result["db"]["lost"] == 0 and result["db"]["duplicate_rows"] == 0))
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    study = sub.add_parser("make-study")
    study.add_argument("folder")
    study.add_argument("--sequences-per-task", type=int, default=50)
    study.add_argument("--main", type=int, default=16)
    study.add_argument("--catch", type=int, default=2)
    study.add_argument("--practice", type=int, default=3)
    load = sub.add_parser("run")
    load.add_argument("--port", type=int, required=True)
    load.add_argument("--participants", type=int, required=True)
    load.add_argument("--db")
    load.add_argument("--run-id")
    load.add_argument("--max-seconds", type=float, default=300)
    load.add_argument("--json")
    load.add_argument("--think-ms", type=float, default=0,
                      help="mean pause before each answer (0: answer as fast as the server allows)")
    load.add_argument("--anchor", action="store_true", help="first measure GET /healthz (50 connections x 100)")
    args = parser.parse_args()
    if args.command == "make-study":
        make_study(args.folder, args.sequences_per_task, args.main, args.catch, args.practice)
        return 0
    if not 1 <= args.participants <= 5000:
        parser.error("--participants must be 1-5000")
    if not 0 < args.max_seconds <= 900:
        parser.error("--max-seconds must be in (0, 900]")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
