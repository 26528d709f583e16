"""`make soak`: the suite's mixed-traffic soak, for minutes, with its figures.

    .venv/bin/python scripts/soak.py [--seconds 180] [--clients 8] [--listeners 50] [--no-doc]

The same traffic and checks as tests/test_soak.py (tests/traffic.py), longer:
a real daphne with the shipped defaults (DEBUG off, the PostgreSQL pool at its
default size, the Redis channel layer) in a database of its own on the
PostgreSQL of DATABASE_URL (default: the local one), Redis at REDIS_URL
under a name prefix of its own. Prints the figures and every finding, saves
them as bench/results/soak-<time>.json (and soak-latest.json), rewrites the
results section of docs/reliability.md, and exits 1 when a check failed.
Figures come from one busy shared machine: compare them only with each other.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/livegallery")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("REDIS_PREFIX", f"live-gallery-soak-{os.getpid()}")

from bench.lib import rewrite_section  # noqa: E402
from tests import traffic  # noqa: E402
from tests.live_server import LiveServer, postgres_url  # noqa: E402

DOC = ROOT / "docs" / "reliability.md"
RESULTS = ROOT / "bench" / "results"
KINDS = ("page", "image bytes", "preview", "API list", "API item", "upload", "page upload",
         "delete", "refused delete", "racing upload", "racing delete")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="length of the load")
    parser.add_argument("--clients", type=int, default=8, help="keep-alive visitors")
    parser.add_argument("--racers", type=int, default=6, help="requests in each race")
    parser.add_argument("--listeners", type=int, default=50, help="live WebSocket listeners")
    parser.add_argument("--no-doc", action="store_true", help=f"do not rewrite {DOC.name}")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    if postgres_url() is None:
        sys.exit("soak: DATABASE_URL must name a PostgreSQL server")
    plan = traffic.Plan(seconds=args.seconds, clients=args.clients, racers=args.racers,
                        listeners=args.listeners)
    with tempfile.TemporaryDirectory(prefix="lg-soak-") as folder:
        root = Path(folder)
        temporary = root / "tmp"
        temporary.mkdir()
        print(f"soak: {plan.seconds:.0f} s, {plan.clients} clients, {plan.listeners} listeners",
              flush=True)
        with LiveServer.production(root, TMPDIR=str(temporary)) as server:
            report = traffic.run(server, plan)
            findings = traffic.problems(report, server, temporary)
    figures = report.figures()
    figures["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    figures["machine"] = f"{os.cpu_count()} cores, {platform.python_implementation()} " \
                         f"{platform.python_version()}, load {os.getloadavg()[0]:.1f} at the end"
    save(figures, findings)
    print(render(figures, findings))
    for kind, lines in findings.items():
        for line in lines[:20]:
            print(f"  {kind}: {line}")
    if not args.no_doc:
        rewrite_section(DOC, "soak results", render(figures, findings))
        print(f"soak: wrote {DOC.relative_to(ROOT)}")
    return 1 if any(findings.values()) else 0


def save(figures: dict, findings: dict):
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps({**figures, "findings": findings}, indent=2)
    stamp = figures["when"].replace(":", "").replace("-", "")
    (RESULTS / f"soak-{stamp}.json").write_text(text)
    (RESULTS / "soak-latest.json").write_text(text)


def render(figures: dict, findings: dict) -> str:
    plan = figures["plan"]
    lines = [
        f"Last `make soak`: {figures['when']}, {figures['seconds']:.0f} s of load, "
        f"{plan['clients']} keep-alive clients, races of {plan['racers']}, "
        f"{plan['listeners']} live listeners ({figures['machine']}).",
        "",
        f"- **{figures['requests']:,} requests, {figures['requests_per_second']:.0f}/s**; "
        f"answers: " + ", ".join(f"{n:,} × {s}" for s, n in figures["statuses"].items()),
        f"- {figures['created']:,} images created, {figures['deleted']:,} deleted; races: "
        + ", ".join(f"{n} {k}" for k, n in figures["races"].items()),
        f"- every listener heard {figures['events_per_listener']:,} events "
        f"({figures['listeners'] * figures['events_per_listener']:,} in all)",
        f"- peak RSS of the server process (VmHWM): {figures['peak_rss_mib']:.0f} MiB",
        "- checks: " + ", ".join(
            f"{kind} {'**' + str(len(lines)) + ' failed**' if lines else 'held'}"
            for kind, lines in findings.items()
        ),
        "",
        "| route kind | requests | p50 ms | p95 ms | max ms | answers |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for kind in KINDS:
        if row := figures["kinds"].get(kind):
            answers = ", ".join(f"{n} × {s}" for s, n in row["statuses"].items())
            lines.append(f"| {kind} | {row['requests']:,} | {row['p50_ms']:.0f} | "
                         f"{row['p95_ms']:.0f} | {row['max_ms']:.0f} | {answers} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
