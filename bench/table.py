"""One Markdown table from two runs of `bench/run.py --json` (SQLite and PostgreSQL), as README's benchmark table:

    .venv/bin/python bench/table.py sqlite.json postgresql.json

Pages are matched by their label, with the counts in parentheses (cases the worker refreshed, late cases) dropped
so that the two runs' rows meet, and shown with both runs' counts; a page only one run has keeps its own cell empty
on the other side."""
import json
import re
import sys


def _key(label: str) -> str:
    return re.sub(r"\s*\([^()]*\d[^()]*\)$", "", label)


def _cell(row) -> str:
    if row is None:
        return ""
    if "path" not in row:  # a single timing (the worker's jobs, publishing)
        return f"{row['p50_ms']:,.0f}"
    return f"{row['p50_ms']:.0f} / {row['p95_ms']:.0f}"


def table(first: dict, second: dict) -> str:
    """The Markdown table of both runs' pages, submissions and worker memory."""
    rows, labels, order = {}, {}, []
    for side, run in enumerate((first, second)):
        for row in run["pages"]:
            key = _key(row["page"])
            if key not in rows:
                rows[key], labels[key], order = [None, None], [], order + [key]
            rows[key][side] = row
            counts = row["page"][len(key):].strip(" ()")
            if counts and counts not in labels[key]:
                labels[key].append(counts)
    lines = [f"| page | {first['database']} | {second['database']} | SQL statements |", "|---|---|---|---|"]
    for key in order:
        a, b = rows[key]
        queries = " / ".join(str(r["queries"]) for r in (a, b) if r is not None and "path" in r)
        label = f"{key} ({' / '.join(labels[key])})" if labels[key] else key
        lines.append(f"| {label} | {_cell(a)} | {_cell(b)} | {queries} |")
    if None not in (first["submissions_per_s"], second["submissions_per_s"]):  # not in a `--pages` run
        lines.append(f"| public submissions, 16 clients | {first['submissions_per_s']:.0f}/s, "
                     f"{len(first['submission_errors'])} lost | {second['submissions_per_s']:.0f}/s, "
                     f"{len(second['submission_errors'])} lost | |")
    rss = [f"{min(r['worker_rss_mb']):.0f}–{max(r['worker_rss_mb']):.0f}" for r in (first, second)]
    lines.append(f"| web worker RSS after the run, MB | {rss[0]} | {rss[1]} | |")
    return "\n".join(lines)


if __name__ == "__main__":
    runs = [json.load(open(path, encoding="utf-8")) for path in sys.argv[1:3]]
    print(table(*runs))
