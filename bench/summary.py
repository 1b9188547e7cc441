"""One table of every figure the benchmarks recorded (`bench/figures.py`), SQLite and
PostgreSQL side by side: what `make bench` prints last."""

import json

from figures import FILE  # run as `python bench/summary.py`: bench/ is on the path


def main() -> None:
    if not FILE.exists():
        print("No figures recorded: run the benchmarks first (make bench).")
        return
    table: dict[tuple[str, str], dict] = {}
    for line in FILE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        key = (row["bench"], row["figure"])
        entry = table.setdefault(key, {"unit": row["unit"], "target": row["target"]})
        entry[row["database"]] = row["value"]
    width = max(len(f"{bench}: {figure}") for bench, figure in table)
    print(f"\n{'figure':<{width}} {'SQLite':>10} {'PostgreSQL':>11}  {'unit':<10} target")
    for (bench, figure), entry in table.items():
        cells = [
            f"{entry[db]:,.1f}"
            if isinstance(entry.get(db), float)
            else f"{entry.get(db, '-'):,}"
            if isinstance(entry.get(db), int)
            else "-"
            for db in ("SQLite", "PostgreSQL")
        ]
        print(
            f"{bench + ': ' + figure:<{width}} {cells[0]:>10} {cells[1]:>11}  "
            f"{entry['unit']:<10} {entry['target']}"
        )


if __name__ == "__main__":
    main()
