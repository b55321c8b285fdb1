"""Per-report cost of the Markdown stage: to_html + to_text of each sample report's body.

Run: .venv/bin/python benchmarks/markdown_cost.py
Each call gets a slightly different text, so no cache can answer; prints the median over 3,000 rounds.
The house rule (STYLE, issue 10): hand-written code instead of a library only if it saves ≥ 5 % of a
report's time (4.4 ms in README "Performance", so ≥ 0.22 ms here).
"""

import statistics
import time
from pathlib import Path

import yaml

from pipeline.render import markdown

REPORTS = Path(__file__).resolve().parents[1] / "content" / "reports"


def main() -> None:
    bodies = [yaml.safe_load(path.read_text(encoding="utf-8"))["body"] for path in sorted(REPORTS.glob("[0-9]*.yaml"))]

    def one_round(i: int) -> float:
        total = 0.0
        for body in bodies:
            text = body + " " * (i % 7 + 1) + f"\n\n{i}\n"
            started = time.perf_counter()
            markdown.to_html(text)
            markdown.to_text(text)
            total += time.perf_counter() - started
        return total / len(bodies)

    for i in range(200):  # warm-up
        one_round(i)
    median = statistics.median(one_round(i) for i in range(200, 3200))
    print(f"Markdown per report body: {median * 1e3:.3f} ms (median, {len(bodies)} sample bodies)")


if __name__ == "__main__":
    main()
