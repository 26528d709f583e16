"""How pooled PostgreSQL connections are tested before a request gets one.

psycopg's pool tests a connection as it hands it out (`check`), and after a
failed test it waits before trying the next one — 1 s, then 2 s, then 4 s, so
a busy loop cannot hammer a database that is down. But when PostgreSQL has
restarted, every idle connection in the pool is dead at once: the first
request after the restart tried them one by one, waited out the backoff and
answered 503 although the database was back. So one failed test tests the
whole pool (`ConnectionPool.check()`: dead ones are closed and replaced in
the background) before the pool's own retry.
"""

from psycopg_pool import ConnectionPool


def check_pooled_connection(connection) -> None:
    try:
        ConnectionPool.check_connection(connection)
    except Exception:
        from django.db import connection as default_connection

        default_connection.pool.check()
        raise
