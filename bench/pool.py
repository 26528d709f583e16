"""6. The psycopg connection pool (DATABASE_POOL_SIZE=10, the default) vs none (0).

Two daphne processes on the same database, one per setting; `wrk`
alternates between them on the first page of /api/images/ (50 images), with
8 connections (fewer than the pool holds) and with 32, and on one image's
/api/images/<id>/, where opening a connection weighs more against the work. PostgreSQL's own
`pg_stat_database.sessions` counter tells how many connections each run
opened.
"""

import json
import time

import psycopg
from lib import alternate, get, upload, wrk
from media import tiny_png


def sessions(admin_url: str, database: str) -> int:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("SELECT pg_stat_clear_snapshot()")
        return connection.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [database]
        ).fetchone()[0]


def run(ctx) -> dict:
    servers = {
        "pool_10": ctx.daphne("pool-10", DATABASE_POOL_SIZE="10"),
        "no_pool": ctx.daphne("pool-0", DATABASE_POOL_SIZE="0"),
    }
    listed = json.loads(get(servers["pool_10"].port, "/api/images/")[2])["results"]
    if not listed:  # run on its own (--only pool): give the list something to show
        listed = [upload(servers["pool_10"].port, tiny_png(0), "pool.png", "image/png")[3]]
    newest = listed[0]["id"]
    loads = {
        "list_c8": ("/api/images/", 8),
        "list_c32": ("/api/images/", 32),
        "item_c8": (f"/api/images/{newest}/", 8),
    }
    database = ctx.databases["main"].rsplit("/", 1)[1]
    arms = {f"{name}_{load}": (name, load) for load in loads for name in servers}
    opened = {arm: [] for arm in arms}

    def measure(arm: str):
        name, load = arms[arm]
        path, connections = loads[load]

        def run():
            before = sessions(ctx.admin_url, database)
            result = wrk(
                servers[name].url(path),
                threads=2,
                connections=connections,
                duration=ctx.duration,
            )
            time.sleep(1.5)  # backends report their stats when they end or idle
            opened[arm].append((sessions(ctx.admin_url, database) - before, result["requests"]))
            return result

        return run

    results = alternate({arm: measure(arm) for arm in arms}, ctx.runs)
    for arm, runs in opened.items():
        results[arm]["connections_per_request"] = round(
            sum(s for s, _ in runs) / max(1, sum(r for _, r in runs)), 3
        )
    return {
        "loads": {load: {"path": path, "connections": c} for load, (path, c) in loads.items()},
        "arms": results,
        "ratios_pool_vs_none": {
            load: round(
                results[f"pool_10_{load}"]["median_rps"] / results[f"no_pool_{load}"]["median_rps"],
                2,
            )
            for load in loads
        },
    }
