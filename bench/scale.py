"""3. A gallery of 10,000 images against an empty one.

Two databases made from the same migrated template: one left empty, one
given 10,000 rows (bulk insert, no files). One daphne serves each. The first
and last pages of `/` and `/api/images/` are requested in turn (one request
per URL per round, keep-alive, timed at the client), and the SQL queries
behind each are counted with Django's test client in a helper process.
"""

import statistics

from lib import KeepAlive, summary_ms

ROWS = 10_000


def run(ctx) -> dict:
    gallery_last = -(-ROWS // ctx.settings["GALLERY_PAGE_SIZE"])
    api_last = -(-ROWS // ctx.settings["API_PAGE_SIZE"])
    full, empty = ctx.databases["scale_10k"], ctx.databases["scale_empty"]

    helper = ctx.helper("scale-helper-10k", DATABASE_URL=full)
    inserted = helper.call("bulk", count=ROWS)
    paths = ["/", f"/?page={gallery_last}", "/api/images/", f"/api/images/?page={api_last}"]
    queries_full = helper.call("queries", paths=paths)
    helper.stop()
    helper = ctx.helper("scale-helper-empty", DATABASE_URL=empty)
    queries_empty = helper.call("queries", paths=["/", "/api/images/"])
    helper.stop()

    servers = {
        "empty": ctx.daphne("scale-empty", DATABASE_URL=empty),
        "10k": ctx.daphne("scale-10k", DATABASE_URL=full),
    }
    urls = {
        "gallery, empty": ("empty", "/"),
        "gallery first page, 10k": ("10k", "/"),
        f"gallery last page (page {gallery_last}), 10k": ("10k", paths[1]),
        "API, empty": ("empty", "/api/images/"),
        "API first page, 10k": ("10k", "/api/images/"),
        f"API last page (page {api_last}), 10k": ("10k", paths[3]),
    }
    connections = {name: KeepAlive(server.port) for name, server in servers.items()}
    for _ in range(5):  # warm up: templates, pools, plans
        for server, path in urls.values():
            connections[server].timed_get(path)
    times = {label: [] for label in urls}
    for _ in range(ctx.requests):
        for label, (server, path) in urls.items():
            times[label].append(connections[server].timed_get(path))
    for connection in connections.values():
        connection.close()

    medians = {label: statistics.median(seconds) * 1000 for label, seconds in times.items()}
    labels = list(urls)
    return {
        "rows": inserted["rows"],
        "insert_seconds": round(inserted["seconds"], 2),
        "requests_per_url": ctx.requests,
        "times_ms": {label: summary_ms(seconds) for label, seconds in times.items()},
        "queries": {
            "gallery, empty": queries_empty["/"],
            "gallery first page, 10k": queries_full["/"],
            "gallery last page, 10k": queries_full[paths[1]],
            "API, empty": queries_empty["/api/images/"],
            "API first page, 10k": queries_full["/api/images/"],
            "API last page, 10k": queries_full[paths[3]],
        },
        "ratios": {
            "gallery first / empty": round(medians[labels[1]] / medians[labels[0]], 2),
            "gallery last / first": round(medians[labels[2]] / medians[labels[1]], 2),
            "API first / empty": round(medians[labels[4]] / medians[labels[3]], 2),
            "API last / first": round(medians[labels[5]] / medians[labels[4]], 2),
        },
    }
