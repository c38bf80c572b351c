"""A real `studyserver serve` process on 127.0.0.1, and plain-HTTP access to its JSON API."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

LISTENING = re.compile(rb"participants:\s+http://127\.0\.0\.1:(\d+)/")


class StudyServerProcess:
    """Starts, kills and restarts `studyserver serve` for one study and one database file. The first start
    takes any free port (`--port 0`, read back from the server's banner); restarts reuse that port, as a
    participant's page keeps talking to the same address."""

    def __init__(self, binary: Path, study: Path, database: Path, public: Path, cwd: Path, log: Path,
                 extra_args: list[str] | None = None):
        self.extra_args = extra_args or []
        self.binary = binary
        self.study = study
        self.database = database
        self.public = public
        self.cwd = cwd
        self.log = log
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        assert self.port is not None, "the server has not been started"
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [str(self.binary), "serve", "--study", str(self.study), "--db", str(self.database),
                "--public", str(self.public), "--host", "127.0.0.1", "--port", str(self.port or 0),
                "--log-level", "warning", *self.extra_args]

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def start(self, timeout: float = 30.0) -> None:
        assert self.process is None, "server already running"
        with open(self.log, "ab") as log:
            log.write(f"\n$ {' '.join(self.command())}\n".encode())
            offset = log.tell()
            self.process = subprocess.Popen(self.command(), cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise RuntimeError(f"studyserver serve exited with status {code}; its output:\n{self.output()}")
            if self.port is None:
                found = LISTENING.search(self.log.read_bytes()[offset:])
                if found:
                    self.port = int(found.group(1))
            elif self.answers():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"studyserver serve did not answer within {timeout:.0f} s; its output:\n{self.output()}")

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as when the machine loses power."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None

    # Plain HTTP, as a forger would send it.

    def request(self, method: str, path: str, body: object | None = None) -> tuple[int, object | None]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, (json.loads(raw) if raw else None)
            except json.JSONDecodeError:
                return error.code, raw.decode(errors="replace")

    def session(self, token: str) -> dict:
        status, payload = self.request("GET", f"/api/sessions/{token}")
        assert status == 200, f"GET /api/sessions/{token} answered {status}: {payload}"
        assert isinstance(payload, dict)
        return payload
