"""The figures every benchmark prints, also appended to var/bench-figures.jsonl so that
`make bench` ends with one table of all of them (`bench/summary.py`)."""

import json
import os
from pathlib import Path

FILE = Path(__file__).resolve().parent.parent / "var" / "bench-figures.jsonl"


def database() -> str:
    return "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"


def record(bench: str, figure: str, value: float, unit: str, target: str = "") -> None:
    """Keep one figure (the benchmark prints its own tables as well)."""
    FILE.parent.mkdir(parents=True, exist_ok=True)
    row = {
        "bench": bench,
        "figure": figure,
        "value": value,
        "unit": unit,
        "target": target,
        "database": database(),
    }
    with FILE.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
