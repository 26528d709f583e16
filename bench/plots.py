"""Figures of docs/performance/ from bench results (matplotlib: the bench group only).

    .venv/bin/python bench/plots.py [bench/results/latest.json]

fanout.png      every delivery's latency (upload start → arrival), as a CDF per scenario
throughput.png  req/s per route through nginx vs its floors (4× today, 0.5× healthz)
memory.png      RSS per idle socket of one live process, against the 64 KiB budget
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
FIGURES = HERE.parent / "docs" / "performance"


def fanout(r: dict, path: Path):
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, key, limit in (("1,000 on 2 processes", "split", 100),
                              ("2,000 on 2 processes", "double", 250)):
        values = r[key]["every_ms"]
        if not values:
            continue
        shares = [(i + 1) / len(values) for i in range(len(values))]
        line, = ax.plot(values, shares, label=f"{label} (p99 of last: "
                        f"{r[key]['to_last_subscriber_ms']['p99']:.0f} ms)")
        ax.axvline(limit, color=line.get_color(), linestyle=":", linewidth=1)
    ax.set_xlabel("upload start → delivery (ms); dotted: p99 target of the last subscriber")
    ax.set_ylabel("share of deliveries")
    ax.set_title("Live fan-out: every delivery")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def throughput(r: dict, path: Path):
    routes = list(r["routes"])
    rows = [r["routes"][route] for route in routes]
    healthz = r["routes"]["healthz"]["nginx_granian_rps"]
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = range(len(routes))
    ax.bar([x - 0.2 for x in xs], [row["nginx_granian_rps"] for row in rows], 0.4,
           label="nginx → granian (HTTP tier)")
    ax.bar([x + 0.2 for x in xs], [row["daphne_rps"] for row in rows], 0.4,
           label="daphne alone (before)")
    for x, row in zip(xs, rows, strict=True):
        if row["today_rps"]:
            floor = max(4 * row["today_rps"], 0.5 * healthz)
            ax.hlines(floor, x - 0.4, x + 0.4, colors="black", linestyles="--")
    ax.set_xticks(list(xs), routes)
    ax.set_ylabel("requests per second (median)")
    ax.set_title("Throughput per route; dashed: the floor (4× today, 0.5× healthz)")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def memory(r: dict, path: Path):
    per = r["per_socket_kib"]
    parts = {"anonymous (heap, buffers)": per.get("RssAnon", 0),
             "file-backed": per.get("RssFile", 0), "shared": per.get("RssShmem", 0)}
    fig, ax = plt.subplots(figsize=(7, 2.8))
    left = 0.0
    for label, value in parts.items():
        ax.barh(["per socket"], [max(value, 0)], left=left, label=f"{label}: {value:.1f} KiB")
        left += max(value, 0)
    ax.axvline(64, color="black", linestyle="--", label="budget: 64 KiB")
    ax.set_xlabel(f"KiB of RSS per idle socket ({r['sockets']:,} sockets, one live process)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, max(70, left * 1.1))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def draw(results: dict) -> list[Path]:
    FIGURES.mkdir(parents=True, exist_ok=True)
    made = []
    for section, make in (("fanout", fanout), ("throughput", throughput), ("memory", memory)):
        if section in results.get("sections", {}):
            path = FIGURES / f"{section}.png"
            make(results["sections"][section], path)
            made.append(path)
    return made


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results" / "latest.json"
    for path in draw(json.loads(source.read_text())):
        print(path)
