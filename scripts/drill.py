"""`make drill`: the fault drill, each scenario against a fresh real server.

    .venv/bin/python scripts/drill.py [--only postgres,redis,quiet,kill,disk] [--no-doc]

The scenarios of tests/drill.py (and their verdicts), longer than in the
suite: PostgreSQL cut for 10 s under a crowd with live listeners, then cut
while idle; Redis cut for 10 s; kill -9 mid-upload and restart; the media
disk full (and, as a finding, the temporary folder on that same disk).
PostgreSQL and Redis are the ones of DATABASE_URL and REDIS_URL (default: the
local ones), reached only through proxies of the drill's own. Prints what
clients saw, saves bench/results/drill-latest.json, rewrites the drill
section of docs/reliability.md (not after --only), and exits 1 when a verdict
failed.
"""

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/livegallery")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("REDIS_PREFIX", f"live-gallery-drill-{os.getpid()}")

from bench.lib import rewrite_section  # noqa: E402
from tests import drill  # noqa: E402

DOC = ROOT / "docs" / "reliability.md"
RESULTS = ROOT / "bench" / "results"


def postgres(root):
    with drill.server_behind_proxies(root) as (server, proxy, _):
        result = drill.outage(server, proxy, before=5, during=10, after=10, clients=6,
                              listeners=20)
    return result, drill.outage_verdict(result, "PostgreSQL")


def quiet(root):
    with drill.server_behind_proxies(root) as (server, proxy, _):
        result = drill.quiet_outage(server, proxy, during=5)
    return result, drill.quiet_outage_verdict(result)


def redis(root):
    with drill.server_behind_proxies(root) as (server, _, proxy):
        result = drill.outage(server, proxy, before=5, during=10, after=10, clients=6,
                              listeners=20)
    return result, drill.outage_verdict(result, "Redis")


def kill(root):
    with drill.server_behind_proxies(root) as (server, _, _):
        result = drill.kill_mid_upload(server, uploaders=4, spoolers=4)
    return result, drill.kill_verdict(result)


def disk(root, *, temporary_too=False):
    with drill.small_disk(root / "disk") as mounted:
        if mounted is None:
            return {"skipped": "cannot mount a tmpfs here (needs root)"}, []
        settings = {"MEDIA_ROOT": str(mounted / "media")}
        if temporary_too:
            settings["TMPDIR"] = str(mounted / "tmp")
        with drill.server_behind_proxies(root, **settings) as (server, _, _):
            result = drill.full_disk(server)
    return result, drill.full_disk_verdict(result)


SCENARIOS = {
    "postgres": ("PostgreSQL away for 10 s under load", postgres),
    "quiet": ("PostgreSQL away for 5 s while idle, then the first requests", quiet),
    "redis": ("Redis away for 10 s under load", redis),
    "kill": ("kill -9 mid-upload, restart, reconcile_media --fix", kill),
    "disk": ("the media disk full", disk),
    "disk+tmp": ("the media disk full, the temporary folder on it too",
                 lambda root: disk(root, temporary_too=True)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    parser.add_argument("--no-doc", action="store_true", help=f"do not rewrite {DOC.name}")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    results = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "scenarios": {}}
    for name in chosen:
        title, scenario = SCENARIOS[name]
        print(f"drill: {title} …", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"lg-drill-{name}-") as folder:
            result, verdict = scenario(Path(folder))
        results["scenarios"][name] = {"title": title, "result": result, "verdict": verdict}
        print(f"  {'held' if not verdict else 'FAILED'}", *verdict[:10], sep="\n  ", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "drill-latest.json").write_text(json.dumps(results, indent=2, default=str))
    text = render(results)
    print(text)
    if not args.no_doc and not args.only:  # the doc shows a whole drill
        rewrite_section(DOC, "drill results", text)
        print(f"drill: wrote {DOC.relative_to(ROOT)}")
    return 1 if any(s["verdict"] for s in results["scenarios"].values()) else 0


def _answers(result: dict, phase: str) -> str:
    counts = drill.status_counts(result["answers"], phase)
    return ", ".join(f"{n} × {status or 'no answer'}" for status, n in sorted(counts.items()))


def render(results: dict) -> str:
    lines = [f"Last `make drill`: {results['when']} (one busy shared machine).", "",
             "| scenario | what clients saw | afterwards | verdict |", "|---|---|---|---|"]
    for name, entry in results["scenarios"].items():
        result, verdict = entry["result"], entry["verdict"]
        saw, after = _cells(name, result)
        held = "held" if not verdict else "**failed**: " + "; ".join(v[:160] for v in verdict[:3])
        lines.append(f"| {entry['title']} | {saw} | {after} | {held} |")
    return "\n".join(lines)


def _cells(name: str, result: dict) -> tuple[str, str]:
    if "skipped" in result:
        return result["skipped"], "—"
    if name in ("postgres", "redis"):
        saw = (f"during: {_answers(result, 'during')}; after: {_answers(result, 'after')}; "
               f"a new WebSocket during: {result['websocket_connect_during']}")
        after = (f"/readyz 200 again {result['ready_again_s']} s after the return; "
                 f"{result['created']} created, {result['deleted']} deleted "
                 f"({result['committed_in']} by phase)")
        if name == "redis":
            lost = result["events_after_restore"]["lost_before_per_listener"]
            after += f"; events lost per listener (count: listeners): {lost}"
        return saw, after
    if name == "quiet":
        return (f"first requests in order: {result['first_in_order']}; then {result['then']}",
                "—")
    if name == "kill":
        saw = (f"{result['answers']} (0: connection cut); {result['committed']} answered 201, "
               f"{result['listed']} listed after the restart")
        after = (f"temporary files: {len(result['temp_after_kill'])} after the kill, "
                 f"{len(result['temp_after_start'])} after the start, "
                 f"{len(result['temp_after_fix'])} after reconcile_media --fix; "
                 f"reconcile_media: {result['reconcile_report'][-1]}")
        return saw, after
    saw = (f"filling: {result['fill_statuses']}; while full: {result['while_full']}")
    after = (f"deletes {result['freed']}, then an upload: {result['upload_after_freeing']}")
    return saw, after


if __name__ == "__main__":
    sys.exit(main())
