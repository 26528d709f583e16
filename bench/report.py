"""Render bench results (JSON) as docs/performance.md, and as a terminal summary.

    .venv/bin/python bench/report.py [bench/results/latest.json]   # rewrites the doc

The numbers come from the JSON only; bench/findings.md (hand-written analysis
of the limits, with the measurements behind it) is appended as it stands.
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FINDINGS = HERE / "findings.md"
KB = 1000
MIB = 1024 * 1024
MB_PER_MIB = 1.048576

SECTION_TITLES = {
    "serving": "1. Image bytes",
    "throughput": "1b. Page throughput: the HTTP tier",
    "previews": "1c. Previews against libvips",
    "thumbnails": "2. Gallery thumbnails",
    "scale": "3. A gallery of 10,000 images",
    "fanout": "4. Live fan-out",
    "memory": "4b. Memory per live subscriber",
    "uploads": "5. Uploads",
    "resumable": "5b. Resumable uploads (tus) against one-shot uploads",
    "pool": "6. Database connection pool",
    "s3": "7. Media on S3",
}


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("**yes**" if ok else "**no**")


def _rps(arm: dict) -> str:
    return f"{arm['median_rps']:,.0f}"


def _p(summary: dict) -> str:
    return f"p50 {summary['p50']:.0f}, max {summary['max']:.0f}"


def _serving_rows(r: dict) -> list:
    arms = r["arms"]
    daphne = f"{r['ratio_daphne_image']:.3f}× ({_rps(arms['daphne_image'])} req/s); "
    daphne += f"304: {_rps(arms['daphne_304'])} req/s"
    if wedged := r.get("daphne_wedged_after"):
        runs = 2 * len(arms["daphne_image"]["runs"])
        daphne += f"; **unready after {len(wedged)} of {runs} runs**"
    return [
        (
            "`GET /image/<id>`: nginx with the project's config vs nginx plain static",
            "≥ 0.9×",
            f"{r['ratio_nginx_image']:.2f}× ({_rps(arms['nginx_image'])} vs "
            f"{_rps(arms['nginx_static'])} req/s)",
            _met(r["ratio_nginx_image"] >= 0.9),
        ),
        ("`GET /image/<id>`: daphne alone vs nginx plain static", "— (reported)", daphne, "—"),
    ]


def _thumbnail_rows(r: dict) -> list:
    measured = f"{r['bytes_1x_total'] / KB:,.0f} KB (2×: {r['bytes_2x_total'] / KB:,.0f} KB)"
    return [
        (
            "Gallery first page, 24 photos: image bytes a 1× desktop browser loads",
            "≤ 300 KB",
            measured,
            _met(r["bytes_1x_total"] <= 300 * KB),
        )
    ]


def _scale_rows(r: dict) -> list:
    q, ratios = r["queries"], r["ratios"]
    first_last = (q["gallery first page, 10k"], q["gallery last page, 10k"])
    api_first_last = (q["API first page, 10k"], q["API last page, 10k"])
    measured = (
        f"queries {first_last[0]}/{first_last[1]} (gallery), "
        f"{api_first_last[0]}/{api_first_last[1]} (API); time last/first: gallery "
        f"{ratios['gallery last / first']}×, API {ratios['API last / first']}×"
    )
    same = first_last[0] == first_last[1] and api_first_last[0] == api_first_last[1]
    return [
        (
            "10,000 images: first vs last page (SQL queries; server time reported)",
            "same queries",
            measured,
            _met(same),
        )
    ]


def _fanout_rows(r: dict) -> list:
    split, double = r["split"], r["double"]
    last_split, last_double = split["to_last_subscriber_ms"], double["to_last_subscriber_ms"]
    none = r["no_subscribers"]["upload_response_ms"]["p50"]
    missed = split["missed_deliveries"] + double["missed_deliveries"]
    duplicates = split["duplicate_deliveries"] + double["duplicate_deliveries"]
    return [
        (
            f"Fan-out, {split['sockets']:,} subscribers on 2 live processes: upload start → "
            "last subscriber, p99",
            "< 100 ms",
            f"{last_split['p99']:.0f} ms ({_p(last_split)})",
            _met(last_split["p99"] < 100),
        ),
        (
            f"Fan-out, {double['sockets']:,} subscribers on 2 live processes, p99",
            "< 250 ms",
            f"{last_double['p99']:.0f} ms ({_p(last_double)})",
            _met(last_double["p99"] < 250),
        ),
        (
            f"Upload response time with {split['sockets']:,} subscribers vs none (p50)",
            "≤ 1.3×",
            f"{r['upload_ratio_split_vs_none']}× "
            f"({split['upload_response_ms']['p50']:.0f} vs {none:.0f} ms)",
            _met(r["upload_ratio_split_vs_none"] <= 1.3),
        ),
        (
            "Events lost or duplicated",
            "none",
            f"{missed} missed deliveries, {duplicates} duplicates",
            _met(missed == 0 and duplicates == 0),
        ),
        (
            f"{split['stalled']} subscribers that never read, among the {split['sockets']:,}",
            "slow no one; dropped at a bounded backlog",
            f"p99 above; {split['stalled_dropped']} dropped within the run (64 KiB backlog "
            "cap, tests/test_live_backlog.py)",
            "—",
        ),
    ]


def _throughput_rows(r: dict) -> list:
    rows = []
    for route, row in r["routes"].items():
        if row["today_rps"] is None:
            continue
        rows.append(
            (
                f"{route}: nginx → HTTP tier req/s vs 4× today's {row['today_rps']} "
                "and vs 0.5× its `/healthz`",
                "≥ 4× and ≥ 0.5×",
                f"{row['nginx_granian_rps']:,.0f} req/s: {row['vs_today']}× today, "
                f"{row['vs_healthz']}× healthz; daphne alone in this run "
                + (
                    f"{row['daphne_rps']:,.0f} ({row['vs_daphne_same_run']}×)"
                    if row["vs_daphne_same_run"]
                    else "nothing (see the findings)"
                ),
                _met(row["vs_today"] >= 4 and row["vs_healthz"] >= 0.5),
            )
        )
    return rows


def _jpeg_rows(r: dict) -> list:
    jpegs = r.get("jpeg_uploads_through_nginx")
    if not jpegs:
        return []
    return [
        (
            f"{jpegs['file_bytes'] / 1e6:.1f} MB JPEG uploads through nginx to the HTTP tier, "
            f"{jpegs['in_flight']} at a time",
            "— (reported)",
            f"{jpegs['per_second']} uploads/s ({jpegs['mb_per_second']} MB/s; "
            f"p50 {jpegs['latency_ms']['p50']:.0f} ms)",
            "—",
        )
    ]


def _preview_rows(r: dict) -> list:
    jpeg, png = r["jpeg"], r["png"]
    return [
        (
            f"Both previews of a 12 MP camera JPEG and of a {png['pixels']} PNG vs "
            "`vipsthumbnail` making the same sizes (median)",
            "≤ 1.5×",
            f"JPEG {jpeg['ratio']}× ({jpeg['ms']['ours']:.0f} vs {jpeg['ms']['vips']:.0f} ms), "
            f"PNG {png['ratio']}× ({png['ms']['ours']:.0f} vs {png['ms']['vips']:.0f} ms)",
            _met(r["worst_ratio"] <= 1.5),
        )
    ]


def _memory_rows(r: dict) -> list:
    per = r["per_socket_kib"]
    return [
        (
            f"{r['sockets']:,} idle subscribers on one live process: RSS per socket",
            "≤ 64 KiB",
            f"{per['VmRSS']:.1f} KiB (anonymous {per.get('RssAnon', 0):.1f} KiB)",
            _met(per["VmRSS"] <= 64),
        )
    ]


def _upload_rows(r: dict) -> list:
    jpeg, memory = r["latency"]["jpeg_5m"], r["memory"]
    uploads = f"{memory['uploads_at_once']} × {memory['file_bytes'] / 1e6:.1f} MB uploads"
    return [
        (
            "5 MB JPEG: HTTP upload vs bare `image_create` (p50)",
            "≤ 1.5×",
            f"{jpeg['ratio_http_vs_bare']}× "
            f"({jpeg['http_ms']['p50']:.0f} vs {jpeg['bare_ms']['p50']:.0f} ms)",
            _met(jpeg["ratio_http_vs_bare"] <= 1.5),
        ),
        (
            f"Peak RSS of daphne above idle, {uploads} at once",
            "≤ 150 MB",
            f"{memory['peak_above_idle_mib'] * 1.048576:.0f} MB "
            f"(idle {memory['idle_rss_mib']:.0f} MiB, peak {memory['peak_rss_mib']:.0f} MiB)",
            _met(memory["peak_above_idle_mib"] * 1.048576 <= 150),
        ),
    ]


def _resumable_rows(r: dict) -> list:
    uploads = f"{r['uploads_at_once']} × {r['file_bytes'] / MIB:.0f} MiB uploads"
    rows = []
    for kind, arms in r["memory"].items():
        tus, one_shot = arms["tus"]["peak_above_idle_mib"], arms["one_shot"]["peak_above_idle_mib"]
        rows.append((
            f"Peak RSS of {kind} above idle, {uploads} at once through tus "
            f"({r['chunk_bytes'] / MIB:.0f} MiB chunks)",
            "≤ 100 MB",
            f"{tus * MB_PER_MIB:.0f} MB (one-shot: {one_shot * MB_PER_MIB:.0f} MB)",
            _met(tus * MB_PER_MIB <= 100),
        ))
    for kind, t in r["time"].items():
        rows.append((
            f"{r['file_bytes'] / MIB:.0f} MiB upload on {kind}: tus vs one-shot (p50)",
            "≤ 1.3×",
            f"{t['ratio_tus_vs_one_shot']}× ({t['tus_ms']['p50']:,.0f} vs "
            f"{t['one_shot_ms']['p50']:,.0f} ms)",
            _met(t["ratio_tus_vs_one_shot"] <= 1.3),
        ))
    return rows


def _pool_rows(r: dict) -> list:
    arms = r["arms"]
    measured = "; ".join(
        f"{_load_label(r, load)}: {ratio}× ({_rps(arms[f'pool_10_{load}'])} vs "
        f"{_rps(arms[f'no_pool_{load}'])} req/s)"
        for load, ratio in r["ratios_pool_vs_none"].items()
    )
    return [
        (
            "psycopg pool (DATABASE_POOL_SIZE=10) vs none",
            "— (show the effect)",
            measured,
            "—",
        )
    ]


def _s3_rows(r: dict) -> list:
    warm, arms, delete = r["warm"], r["warm"]["arms"], r["delete"]
    uploads = "; ".join(
        f"{_size(u['bytes'])}: {u['s3_ms']['p50']:.0f} vs {u['disk_ms']['p50']:.0f} ms "
        f"({u['ratio_s3_vs_disk']}×)"
        for u in r["uploads"].values()
    )
    return [
        (
            "Media on S3: warm `/image/<id>` through nginx vs nginx from disk",
            "≥ 0.8×",
            f"{warm['ratio_s3_cached_vs_disk']:.2f}× ({_rps(arms['nginx_s3_cached'])} vs "
            f"{_rps(arms['nginx_disk'])} req/s)",
            _met(warm["ratio_s3_cached_vs_disk"] >= 0.8),
        ),
        (
            "Media on S3: a deleted image no longer served by any path",
            "≤ 5 s",
            f"max {delete['max_s']} s over {delete['deletes']} deletes",
            _met(delete["max_s"] <= 5),
        ),
        ("Upload p50 on S3 (moto) vs disk", "— (reported)", uploads, "—"),
    ]


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n > 1e6 else f"{n / KB:.0f} KB"


def _load_label(r: dict, load: str) -> str:
    path, connections = r["loads"][load]["path"], r["loads"][load]["connections"]
    what = "list" if path == "/api/images/" else "one image"
    return f"{what}, {connections} connections"


TARGET_ROWS = {
    "serving": _serving_rows,
    "throughput": lambda r: _throughput_rows(r) + _jpeg_rows(r),
    "previews": _preview_rows,
    "memory": _memory_rows,
    "thumbnails": _thumbnail_rows,
    "scale": _scale_rows,
    "fanout": _fanout_rows,
    "uploads": _upload_rows,
    "resumable": _resumable_rows,
    "pool": _pool_rows,
    "s3": _s3_rows,
}


def targets(results: dict) -> list[tuple[str, str, str, str]]:
    """(what, target, measured, met) for every section that ran."""
    rows = []
    for name, make in TARGET_ROWS.items():
        if name in results.get("sections", {}):
            rows += make(results["sections"][name])
    return rows


def summary(results: dict) -> str:
    lines = [
        f"{what}: {measured}  [target {target}; met {met.strip('*')}]"
        for what, target, measured, met in targets(results)
    ]
    for name, error in results.get("errors", {}).items():
        lines.append(f"{name}: FAILED ({error.strip().splitlines()[-1]})")
    for name, why in results.get("skipped", {}).items():
        lines.append(f"{name}: skipped ({why})")
    lines.append(f"total {results['timings_s'].get('total', '?')} s")
    return "\n".join(lines)


def _table(header: list[str], rows: list) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


MS_HEADER = ["p50 ms", "p90 ms", "p99 ms", "max ms", "n"]


def _ms(summary: dict) -> list:
    return [summary["p50"], summary["p90"], summary["p99"], summary["max"], summary["n"]]


def _runs(values) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


SERVING_ARMS = {
    "nginx_image": "nginx, project config: `/image/<id>` from disk (`try_files`)",
    "nginx_static": "nginx: the same file as a plain static file (baseline)",
    "daphne_image": "daphne alone: `/image/<id>` (Django async view, streamed)",
    "daphne_304": "daphne alone: `/image/<id>` with `If-None-Match` → 304",
    "nginx_thumbnail": "nginx, project config: `/image/<id>/w320.webp`",
}


def render_serving(r: dict, duration: int) -> str:
    arms = r["arms"]
    static = arms["nginx_static"]["median_rps"]
    rows = [
        [
            SERVING_ARMS[name],
            _rps(arm),
            f"{arm['median_rps'] / static:.3f}×",
            arm["median_latency_avg_ms"],
            arm["median_latency_p99_ms"],
            _runs(arm["runs"]),
            arm["errors"],
        ]
        for name, arm in arms.items()
    ]
    header = ["arm", "req/s (median)", "vs plain", "avg ms", "p99 ms", "runs (req/s)", "errors"]
    differences = "\n".join(
        f"- `{key}`: nginx `{value['nginx']}`, app `{value['app']}`"
        for key, value in r["header_differences"].items()
    )
    commands = "\n".join(f"    {arm['command']}" for arm in arms.values())
    if wedged := r.get("daphne_wedged_after", []):
        wedge = (
            f"**daphne alone stopped answering after {len(wedged)} of its runs** "
            f"({', '.join(wedged)}): `/readyz` answered 503 (database pool exhausted) a "
            "second after wrk ended, so the bench replaced the process before the next run."
        )
    else:
        wedge = "daphne alone answered `/readyz` after every run."
    served = "yes" if r["served_by_nginx"] else "**no** (the app answered)"
    return f"""A {r["file_bytes"]:,}-byte PNG uploaded through the API;
`wrk -t2 -c32 -d{duration}s`, arms alternated run by run, median of the runs. nginx answered
`/image/<id>` itself: {served} (its ETag is nginx's, not the SHA-256).

{_table(header, rows)}

`errors`: non-2xx/3xx answers and socket errors over all runs. {wedge}

Response headers of `/image/<id>` that differ between nginx and daphne (Date, Server, the ETag
value, Last-Modified, Accept-Ranges and Connection left aside):

{differences or "- none"}

Commands:

{commands}
"""


def render_thumbnails(r: dict, duration: int) -> str:
    rows = [
        [
            "24 × 320w thumbnails (1× screens)",
            f"**{r['bytes_1x_total'] / KB:,.0f} KB** (median {r['bytes_1x_median'] / KB:.1f} KB, "
            f"max {r['bytes_1x_max'] / KB:.1f} KB)",
        ],
        [
            "24 × 640w thumbnails (2× screens)",
            f"{r['bytes_2x_total'] / KB:,.0f} KB (median {r['bytes_2x_median'] / KB:.1f} KB)",
        ],
        ["the originals, for comparison", f"{r['original_bytes_total'] / KB:,.0f} KB"],
        ["the HTML page itself", f"{r['html_bytes'] / KB:.1f} KB"],
    ]
    shown = "yes" if r["page_shows_uploaded"] else "**no**"
    return f"""{r["photos"]} camera-like {r["photo_pixels"]} JPEGs (median
{r["original_bytes_median"] / 1e6:.1f} MB; bench/media.py) uploaded through the API (median
{r["upload_seconds_median"] * 1000:.0f} ms each), then `GET /` and every tile image it references.
Tiles declare `sizes="{r["sizes_attribute"]}"`: a 1× desktop browser wants 256 px and takes the
320w candidate (`src`); a 2× screen wants 512 px and takes 640w.

{_table(["what the first page loads", "bytes"], rows)}

Thumbnail type: {", ".join(r["thumbnail_types"])}. The page showed exactly the uploaded images:
{shown}. KB = 1,000 bytes.
"""


PREVIEW_FILES = {
    "jpeg": "12 MP camera JPEG (4000×3000, q90, EXIF-turned to portrait)",
    "png": "photo PNG",
}


def render_previews(r: dict, duration: int) -> str:
    rows = []
    for label, name in PREVIEW_FILES.items():
        f = r[label]
        ms = f["ms"]
        codec = ms["vips"] - ms["vips start-up"]
        rows.append([
            f"{name}, {f['pixels']}, {_size(f['file_bytes'])}",
            f"**{ms['ours']:.0f}**",
            f"{ms['vips']:.0f} (start-up {ms['vips start-up']:.0f})",
            f"{ms['vips, 1 thread']:.0f}",
            f"**{f['ratio']}×**",
            f"{f['ratio_one_thread']}×",
            f"{f['ratio_codec']}× ({codec:.0f} ms)" if f["ratio_codec"] else "—",
        ])
    quality_rows = []
    for label, name in PREVIEW_FILES.items():
        f = r[label]
        ours, vips = f["bytes"]["ours"], f["bytes"]["vips"]
        quality_rows.append([
            name,
            "×".join(map(str, f["sizes_640"]["ours"])),
            "×".join(map(str, f["sizes_640"]["vips"])),
            f"{f['psnr_640_db']['ours']} / {f['psnr_640_db']['vips']}",
            f"{ours['320'] / KB:.1f} / {vips['320'] / KB:.1f}",
            f"{ours['640'] / KB:.1f} / {vips['640'] / KB:.1f}",
        ])
    animations = r.get("animations", {})
    animation_rows = [
        [f"{frames} frame{'s' if frames != '1' else ''}", _size(a["file_bytes"]), f"{a['ms']:.0f}"]
        for frames, a in animations.items()
    ]
    animation_text = "" if not animations else f"""
Animations: a whole `image_create` (validation decodes every frame; the still previews; for an
animation the animated preview of its first frames, at most 50; the files and the row) of GIFs
of 400×300 full-canvas frames, median of {r["rounds"]}:

{_table(["GIF", "file", "image_create ms"], animation_rows)}
"""
    jpeg = r["jpeg"]
    settings = f"quality {jpeg['quality']}, effort {jpeg['effort']}"
    return f"""Both WebP previews (320w and 640w, {settings}) of one upload: ours is
`images.renditions.render` in a helper process, as an upload calls it (one decode, both previews
and the placeholder); libvips is Debian's `vipsthumbnail`, one run per width with
the same settings (`--size <w>x -o out.webp[Q={jpeg["quality"]},effort={jpeg["effort"]},strip]`),
by default (a thread per CPU) and with `VIPS_CONCURRENCY=1`; "start-up" is the same two runs on a
64×64 PNG, and "codec" the default runs less it. {r["rounds"]} rounds, arms alternating, medians
(bench/previews.py).

{_table(["file", "ours ms", "vipsthumbnail ms", "vips, 1 thread ms", "ours vs vips",
         "vs 1 thread", "vs vips less start-up"], rows)}

Quality: PSNR of each 640w preview against the whole file decoded at full size, turned and
shrunk by Lanczos to the same size (WebP's own loss dominates both), and bytes (KB = 1,000):

{_table(["file", "ours 640w", "vips 640w", "PSNR dB ours / vips", "320w KB ours / vips",
         "640w KB ours / vips"], quality_rows)}
{animation_text}"""


def render_scale(r: dict, duration: int) -> str:
    rows = [[label, *_ms(summary)] for label, summary in r["times_ms"].items()]
    queries = [[label, count] for label, count in r["queries"].items()]
    ratios = ", ".join(f"{k}: **{v}×**" for k, v in r["ratios"].items())
    return f"""{r["rows"]:,} rows bulk-inserted (no files, {r["insert_seconds"]} s) and `VACUUM
ANALYZE`d, as autovacuum would have by then; another database, copied from the same migrated
template, stays empty; one daphne each. Each URL is requested in turn,
{r["requests_per_url"]} times, over a keep-alive connection, timed at the client (after 5 warm-up
rounds).

{_table(["URL", *MS_HEADER], rows)}

Ratios of medians: {ratios}.

SQL queries per request (Django's test client in a helper process; tests/test_scale.py asserts
first == last):

{_table(["page", "queries"], queries)}
"""


def render_fanout(r: dict, duration: int) -> str:
    scenarios = [("1,000 on 2 live processes", r["split"]), ("2,000 on 2", r["double"])]
    rows = []
    for label, sc in scenarios:
        rows.append(
            [f"{label}: upload start → **last** subscriber", *_ms(sc["to_last_subscriber_ms"])]
        )
        rows.append([f"{label}: upload start → each delivery", *_ms(sc["to_every_subscriber_ms"])])
        rows.append([f"{label}: upload response", *_ms(sc["upload_response_ms"])])
    rows.append(
        ["no subscribers: upload response", *_ms(r["no_subscribers"]["upload_response_ms"])]
    )
    checks = []
    for label, sc in scenarios:
        cpu = ", ".join(f"{n} {ms} ms" for n, ms in sc.get("cpu_ms_per_event", {}).items())
        rss = ", ".join(f"{n} {mib} MiB" for n, mib in sc.get("rss_after_mib", {}).items())
        checks.append(
            f"- {label}: {sc['sockets']} sockets ({sc['failed_to_connect']} failed to connect), "
            f"{sc['events']} events, {sc['missed_deliveries']} missed deliveries, "
            f"{sc['sockets_missing_an_event']} sockets missing an event, "
            f"{sc['duplicate_deliveries']} duplicates; {sc['stalled']} clients that never read "
            f"({sc['stalled_dropped']} dropped by the end). CPU per event: {cpu}. RSS: {rss}."
        )
    return f"""Layer `{r["layer"]}` on a private redis-server; {r["servers"]}, with PostgreSQL.
Uploads: {r["upload"]}, one at a time; after each the bench waits until every socket has the
event (at most 5 s), then pauses 150 ms. Subscribers: `websockets` clients in
{r["client_processes"]} processes of their own, half the sockets each, Origin set; arrivals
stamped with CLOCK_MONOTONIC, as is each upload's start. The first 3 uploads of each scenario
warm up.

{_table(["scenario", *MS_HEADER], rows)}

Upload response with 1,000 subscribers vs none (p50): **{r["upload_ratio_split_vs_none"]}×**.

{chr(10).join(checks)}

CPU per event is the CPU time each process used during the scenario divided by the uploads: it does
not depend on what else the machine was doing, unlike the latencies. The clients that never read
are not dropped within a run of this length: 30 events fit in the kernel's buffers, so the live
process holds nothing for them yet; tests/test_live_backlog.py shows the drop at the 64 KiB cap.

![Fan-out latency distribution](performance/fanout.png)
"""


def render_throughput(r: dict, duration: int) -> str:
    rows = [
        [
            route,
            f"{row['nginx_granian_rps']:,.0f}",
            f"{row['daphne_rps']:,.0f}",
            f"{row['vs_daphne_same_run']}×" if row["vs_daphne_same_run"] else "—",
            f"{row['vs_healthz']}×",
            row["today_rps"] or "—",
            f"{row['vs_today']}×" if row["vs_today"] else "—",
        ]
        for route, row in r["routes"].items()
    ]
    header = [
        "route", "nginx → granian req/s", "daphne alone req/s", "vs daphne", "vs its healthz",
        "today (issue)", "vs today",
    ]
    commands = "\n".join(f"    {arm['command']}" for arm in r["arms"].values())
    profile = r.get("profile", {})
    spots = list(next(iter(next(iter(profile.values())).values()))) if profile else []
    costs = [
        [f"{route}, page cache {state.split()[-1]}", *(f"{cost[s]:.2f}" for s in spots)]
        for route, states in profile.items()
        for state, cost in states.items()
    ]
    where = _table(["ms per request (cumulative)", *spots], costs) if costs else "Not profiled."
    jpegs = ""
    if upload := r.get("jpeg_uploads_through_nginx"):
        jpegs = (
            f"\n{upload['uploads']} JPEGs of {upload['file_bytes'] / 1e6:.1f} MB uploaded through "
            f"nginx to the HTTP tier, {upload['in_flight']} in flight: **{upload['per_second']} "
            f"uploads/s** ({upload['mb_per_second']} MB/s), each p50 "
            f"{upload['latency_ms']['p50']:.0f} ms, p90 {upload['latency_ms']['p90']:.0f} ms.\n"
        )
    return f"""{r["photos"]} photos uploaded; `wrk -t2 -c16 -d{duration}s`, no cookies (a first
visit), arms alternated run by run. nginx with the project's config in front of granian
(WSGI, core.wsgi) with {r["workers"]} workers and Redis, as the compose stack runs it (page
cache on); daphne alone without Redis (page cache off) is the shape the issue measured "today" in.

{_table(header, rows)}

![Throughput per route](performance/throughput.png)

{commands}
{jpegs}

### Where a request's time goes

cProfile in one process (bench/django_helper.py `profile`: Django's test client, 200 requests per
route after 10 warm-up ones, no cookies), cumulative milliseconds per request spent inside each
function. They nest — templates reverse URLs and run the page's lazy queries — so the columns do
not add up; profiling slows everything by about 2×, so compare columns, not absolute figures.

{where}
"""


def render_memory(r: dict, duration: int) -> str:
    rows = [
        [field, r["before_kib"][field], r["after_kib"][field], r["per_socket_kib"][field]]
        for field in r["before_kib"]
    ]
    heard = "yes" if r["heard_broadcast"] else "**no**"
    return f"""One live process (uvicorn, core.asgi, Redis layer): /proc/<pid>/status before and
after {r["sockets"]:,} idle sockets (one socket and one broadcast before, so the hub and every
import are in place). Every socket heard a broadcast afterwards: {heard}.

{_table(["field", "before KiB", "after KiB", "per socket KiB"], rows)}

![Memory per socket](performance/memory.png)
"""


def render_uploads(r: dict, duration: int) -> str:
    rows = []
    for name, label in (("png_100k", "PNG"), ("jpeg_5m", "JPEG")):
        lat = r["latency"][name]
        size = (
            f"{lat['bytes'] / 1e6:.1f} MB" if lat["bytes"] > 1e6 else f"{lat['bytes'] / KB:.0f} KB"
        )
        rows.append([f"{size} {label}: HTTP `POST /api/images/`", *_ms(lat["http_ms"])])
        rows.append([f"{size} {label}: bare `image_create`", *_ms(lat["bare_ms"])])
    throughput = [
        [
            name,
            t["uploads"],
            t["in_flight"],
            t["per_second"],
            t["mb_per_second"],
            t["latency_ms"]["p50"],
            t["latency_ms"]["p90"],
            round(1000 / r["latency"][name]["bare_ms"]["p50"], 1),
        ]
        for name, t in r["throughput"].items()
    ]
    header = ["file", "uploads", "in flight", "uploads/s", "MB/s", "p50 ms", "p90 ms", "bare /s"]
    m = r["memory"]
    ratios = ", ".join(f"{n}: **{lat['ratio_http_vs_bare']}×**" for n, lat in r["latency"].items())
    return f"""Latency: HTTP uploads to daphne (PostgreSQL) alternate, in small batches, with
`images.services.image_create` on the same file in a helper process: validation, metadata,
thumbnails, the row and the file — the work itself, without HTTP. Every upload has its own name.

{_table(["upload", *MS_HEADER], rows)}

HTTP vs bare (p50): {ratios}.

Throughput with 4 uploads in flight (bare: one process, one at a time, = 1 / p50):

{_table(header, throughput)}

Memory: a fresh daphne, idle after one small upload: **{m["idle_rss_mib"]} MiB** VmRSS. Then
{m["uploads_at_once"]} uploads of a {m["file_bytes"] / 1e6:.1f} MB JPEG at once (VmRSS sampled
every 5 ms, {m["samples"]} samples, and VmHWM): peak **{m["peak_rss_mib"]} MiB, i.e.
{m["peak_above_idle_mib"]} MiB above idle**; {m["rss_after_mib"]} MiB a second later. Those uploads
took p50 {m["upload_ms"]["p50"]:,.0f} ms, max {m["upload_ms"]["max"]:,.0f} ms.
"""


MEMORY_HEADER = ["server, uploads", "idle", "peak", "peak above idle", "p50 ms", "max ms",
                 "samples"]


def render_resumable(r: dict, duration: int) -> str:
    memory = [
        [f"{kind}, {label}", m["idle_rss_mib"], m["peak_rss_mib"],
         f"**{m['peak_above_idle_mib']}**", f"{m['upload_ms']['p50']:,.0f}",
         f"{m['upload_ms']['max']:,.0f}", m["samples"]]
        for kind, arms in r["memory"].items()
        for way, label in (("one_shot", "one-shot `POST /api/images/`"), ("tus", "tus"))
        if (m := arms[way])
    ]
    times = [
        [kind, t["rounds"], f"{t['one_shot_ms']['p50']:,.0f}", f"{t['tus_ms']['p50']:,.0f}",
         f"**{t['ratio_tus_vs_one_shot']}×**"]
        for kind, t in r["time"].items()
    ]
    return f"""The same {r["file_bytes"] / MIB:.1f} MiB JPEG as section 5, through tus: `POST
/api/uploads/`, then PATCHes of {r["chunk_bytes"] / MIB:.0f} MiB (UPLOAD_CHUNK_SIZE) on one
keep-alive connection; the last one runs the upload pipeline. daphne serves as `make run` does
(the whole body reaches the app at once); granian as the compose stack's HTTP tier
(`--interface wsgi --blocking-threads 8`; the app reads the body from the socket).

Memory: a fresh server process per row, idle after one small upload, then
{r["uploads_at_once"]} uploads at once (VmRSS sampled every 5 ms, and VmHWM), in MiB:

{_table(MEMORY_HEADER, memory)}

Time: one server of each kind, the file uploaded one-shot then through tus, alternating, one at a
time; p50 in ms:

{_table(["server", "rounds", "one-shot", "tus", "tus / one-shot"], times)}
"""


def render_pool(r: dict, duration: int) -> str:
    labels = {"pool_10": "POOL_SIZE=10 (default)", "no_pool": "POOL_SIZE=0"}
    rows = []
    for arm_name, arm in r["arms"].items():
        setting = "pool_10" if arm_name.startswith("pool_10") else "no_pool"
        load = arm_name.removeprefix(setting + "_")
        rows.append(
            [
                labels[setting],
                f"`{r['loads'][load]['path']}`",
                r["loads"][load]["connections"],
                _rps(arm),
                arm["median_latency_avg_ms"],
                _runs(arm["runs"]),
                arm["connections_per_request"],
                arm["errors"],
            ]
        )
    header = ["DATABASE_", "path", "wrk -c", "req/s", "avg ms", "runs", "new conns/req", "errors"]
    commands = "\n".join(f"    {arm['command']}" for arm in r["arms"].values())
    ratios = ", ".join(
        f"{_load_label(r, load)}: **{v}×**" for load, v in r["ratios_pool_vs_none"].items()
    )
    return f"""Two daphne processes on the same database (holding the images of the sections
before), one per setting; `wrk` alternates between them. New PostgreSQL connections counted by
`pg_stat_database.sessions`.

{_table(header, rows)}

Pool vs none, requests per second: {ratios}.

{commands}
"""


S3_ARMS = {
    "nginx_static": "nginx: the same file as a plain static file",
    "nginx_disk": "nginx, project config, media on disk: `try_files`",
    "nginx_s3_cached": "nginx, project config, media on S3: its cache of the app's answers",
    "nginx_s3_uncached": "nginx → app on every request (app streams from S3), no cache",
}


def render_s3(r: dict, duration: int) -> str:
    uploads = [
        [f"{_size(u['bytes'])} {name.split('_')[0].upper()}: {backend}", *_ms(u[f"{backend}_ms"])]
        for name, u in r["uploads"].items()
        for backend in ("disk", "s3")
    ]
    warm = r["warm"]
    disk = warm["arms"]["nginx_disk"]["median_rps"]
    arms = [
        [
            S3_ARMS[name],
            _rps(arm),
            f"{arm['median_rps'] / disk:.3f}×",
            arm["median_latency_avg_ms"],
            arm["median_latency_p99_ms"],
            _runs(arm["runs"]),
            arm["errors"],
        ]
        for name, arm in warm["arms"].items()
    ]
    cold = r["cold"]
    first = [
        ["media on disk, first request", *_ms(cold["disk_ms"])],
        ["media on S3, first request (cache miss: nginx → app → S3)", *_ms(cold["s3_ms"])],
        ["media on S3, second request (cache hit)", *_ms(cold["s3_warm_ms"])],
    ]
    commands = "\n".join(f"    {arm['command']}" for arm in warm["arms"].values())
    d = r["delete"]
    return f"""Two daphne processes on one database, one with `MEDIA_ROOT`, one with `S3_BUCKET`
on a private `moto_server` (in-memory S3 on the same CPUs: it stands for the object store and
the network, not for AWS's latency), each behind nginx with the project's config. Uploads
alternate between them in small batches:

{_table(["upload (`POST /api/images/`)", *MS_HEADER], uploads)}

Warm bytes: one {_size(warm["file_bytes"])} PNG, `wrk -t2 -c32 -d{duration}s`, arms alternated:

{_table(["arm", "req/s", "vs disk", "avg ms", "p99 ms", "runs", "errors"], arms)}

{commands}

Cold bytes: the first request for each of {cold["images"]} different {_size(cold["file_bytes"])}
images through nginx, one after another on one connection:

{_table(["request", *MS_HEADER], first)}

Delete: an image and its two previews read twice through the S3 nginx (the second time from its
cache), then deleted through the app; every address polled every 50 ms until all answer 404:
median **{d["median_s"]} s**, max **{d["max_s"]} s** over {d["deletes"]} deletes.
"""


RENDERERS = {
    "serving": render_serving,
    "throughput": render_throughput,
    "previews": render_previews,
    "memory": render_memory,
    "thumbnails": render_thumbnails,
    "scale": render_scale,
    "fanout": render_fanout,
    "uploads": render_uploads,
    "resumable": render_resumable,
    "pool": render_pool,
    "s3": render_s3,
}


def _version(text: str) -> str:
    """The version in `nginx -v`, `wrk -v` and `redis-server --version` banners."""
    match = re.search(r"(?:/|v=)(\S+)", text) if " " in text else None
    return match.group(1) if match else text


def _header(results: dict) -> str:
    m = results["machine"]
    versions = ", ".join(f"{name} {_version(version)}" for name, version in m["versions"].items())
    target_rows = [list(row) for row in targets(results)]
    timings = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results["timings_s"].items())
    loads = ", ".join(f"{name} {value:.1f}" for name, value in results["load_average"].items())
    options = " ".join(results["argv"]) or "none"
    # A section taken from another run (bench/run.py --only …) says so here.
    note = f"\n\n{results['note']}" if results.get("note") else ""
    return f"""# Performance

Measured by `make bench` (`bench/run.py`, options: {options}) on {results["started"]}, rendered
from `bench/results/{results["id"]}.json` — rerun rather than edit. Medians of several runs; arms
being compared alternate run by run. Machines are noisy: compare inside one run, not across runs
or machines.{note}

## Targets

{_table(["what", "target", "measured", "met?"], target_rows)}

## Machine

| | |
|---|---|
| CPUs (nproc) | {m["nproc"]} |
| CPU model | {m["cpu_model"]} |
| memory | {m["memory_gib"]} GiB |
| OS, kernel | {m["os"]}, {m["kernel"]} |
| versions | {versions} |
| open-files limit | {results["open_files_limit"]} |
| 1-minute load average (start, before each section, end) | {loads} |

A load average above 0 at the start means other work shared the machine: the latencies below
then include waiting for a CPU. Time taken: {timings}. Clients (wrk, the bench, the WebSocket
subscribers) ran on the same {m["nproc"]} CPUs as the servers.

Set-up: a throwaway PostgreSQL database `lg_bench_<pid>` (and two copies for section 3), migrated;
MEDIA_ROOT and STATIC_ROOT in a temporary folder; daphne run as the Dockerfile runs it (`daphne
--proxy-headers --application-close-timeout 10 --verbosity 0 core.asgi:application`) with
`DEBUG=false`, a `SECRET_KEY`, `ALLOWED_HOSTS=127.0.0.1,localhost`, `LOG_LEVEL=INFO` (a log line
per request, to a file), no upload rate limit, `SERVE_STATIC=true` for daphne alone. nginx: every
`deploy/nginx/templates/*.template` rendered with envsubst as the nginx image does, its container
paths (`/srv/media`, `/srv/static`, `/etc/nginx/conf.d/`) rewritten to the bench's folders in the
rendered copies, inside the nginx image's `nginx.conf` settings (access log on, `worker_processes
auto`); the app upstream is a daphne with `TRUST_PROXY_HEADERS=true`, `SERVE_STATIC=false`.
Sections 1b, 4 and 4b run the compose stack's tiers instead: the HTTP tier as granian
(`--interface wsgi core.wsgi:application`), the live tier as uvicorn (`--ws websockets-sansio
--ws-max-size 65536 --lifespan off core.asgi:application`), with the private Redis.
"""


def render(results: dict) -> str:
    duration = results["options"]["duration"]
    parts = [_header(results)]
    for name, title in SECTION_TITLES.items():
        if name in results["sections"]:
            body = RENDERERS[name](results["sections"][name], duration)
        elif name in results.get("errors", {}):
            body = f"Failed:\n\n```\n{results['errors'][name].strip()}\n```\n"
        elif name in results.get("skipped", {}):
            body = f"Skipped: {results['skipped'][name]}.\n"
        else:
            body = "Not run this time.\n"
        parts.append(f"## {title}\n\n{body}")
    if FINDINGS.exists():
        parts.append(FINDINGS.read_text())
    return "\n".join(parts)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results" / "latest.json"
    results = json.loads(source.read_text())
    (HERE.parent / "docs" / "performance.md").write_text(render(results))
    print(summary(results))
