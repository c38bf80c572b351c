"""Read-only queries on the server's SQLite file (WAL mode: readers never block the server)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def query(database: Path, sql: str, *args) -> list[sqlite3.Row]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def answers(database: Path, session: str) -> list[sqlite3.Row]:
    return query(database, "SELECT * FROM answer WHERE session = ? ORDER BY trial_index", session)


def answered_indices(database: Path, session: str) -> list[int]:
    return [row["trial_index"] for row in answers(database, session)]


def wait_for_answers(database: Path, session: str, expected: list[int], timeout: float = 20.0) -> None:
    """Waits until the session's recorded trial indices are exactly `expected`."""
    deadline = time.monotonic() + timeout
    got: list[int] = []
    while time.monotonic() < deadline:
        got = answered_indices(database, session)
        if got == expected:
            return
        time.sleep(0.1)
    raise AssertionError(f"session {session}: recorded trials {got}, expected {expected} within {timeout:.0f} s")
