"""One results folder from several ``rlgpt bench`` folders (seeds or tasks run as separate commands).

    .venv/bin/python benchmarks/combine_bench.py RUN_A RUN_B ... --out COMBINED

Reads each folder's ``results.json`` (its command and finished trials) and writes ``results.md``,
``results.json`` and the plot into ``--out`` as the bench would for all the trials together: rows
group trials by task, method and LLM, so seeds of separate commands get one row with the interval
over seeds. The command line shown is every source command, in order.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rlgpt.bench.runner import write_outputs


def combine(folders: list[Path], out: Path) -> Path:
    """Write the combined outputs of ``folders`` into ``out``; return the markdown's path."""
    commands, trials = [], []
    for folder in folders:
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        commands.append(data["command"])
        trials.extend(data["trials"])
    out.mkdir(parents=True, exist_ok=True)
    return write_outputs(out, trials, " ; ".join(commands))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="rlgpt bench --out folders")
    parser.add_argument("--out", type=Path, required=True, help="where the combined outputs go")
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not (f / "results.json").is_file()]
    if missing:
        print(f"no results.json in {', '.join(missing)}: run the bench there first", file=sys.stderr)
        return 2
    print(combine(args.folders, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
