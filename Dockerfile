# Live Gallery production image: granian serving the HTTP tier (core.wsgi)
# by default; the compose file's `live` service runs uvicorn serving the live
# tier (core.asgi) from the same image.
#
#   docker compose build            (see docker-compose.yml, docs/deployment.md)
#   docker build -t live-gallery-app .
#
# Stage "build" turns the dependencies of pyproject.toml into wheels and
# installs them into a virtualenv; the runtime stage copies only that venv and
# the source, so no compiler, wheel or pip cache ends up in the final image.
# Dependencies come before the source: editing code does not reinstall them.

ARG PYTHON_IMAGE=python:3.13-slim

FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src

# Only the dependency list: this layer and the next are reused until
# pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb')); print('\n'.join(d['project'].get('dependencies', [])))" > requirements.txt \
    && cat requirements.txt

# Wheels for every dependency (pure-Python or manylinux wheels need no
# compiler; a dependency that only ships an sdist needing C would need
# build-essential here, in this stage only), then a pip-less venv filled
# from those wheels alone.
# The dependencies' own test suites (Twisted's alone is ~20 MB) are dropped:
# nothing imports them at run time (django/test is kept: Django uses it).
# Bytecode is compiled once, on all cores, after that (the app user cannot
# write __pycache__ at run time: the venv is root-owned).
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m pip wheel --wheel-dir /wheels -r requirements.txt \
    && python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install --no-compile --no-index --find-links /wheels -r requirements.txt \
    && find /opt/venv/lib -depth -type d \( -name tests -o \( -name test -path '*/twisted/*' \) \) -exec rm -rf {} + \
    && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib


FROM ${PYTHON_IMAGE} AS runtime

# The app's own defaults are for `make run` on a laptop; inside the container
# it must listen on all interfaces and keep its files under /app/var, where
# the compose file mounts the media and static volumes. No key file either
# (SECRET_KEY_FILE empty): each replica would make its own key, so a container
# without SECRET_KEY stops at start instead (core/secret_key.py). (hadolint's
# DL3064 takes SECRET_KEY_FILE for a secret by its name; it is an empty path.)
# hadolint ignore=DL3064
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PATH=/opt/venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=8000 \
    DEBUG=false \
    SECRET_KEY_FILE="" \
    MEDIA_ROOT=/app/var/media \
    STATIC_ROOT=/app/var/static

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv
COPY deploy/app/ /usr/local/lib/live-gallery/

WORKDIR /app
# The source stays root-owned: the app user can read it, not change it.
COPY . .

# collectstatic at build time. Settings refuse to load without SECRET_KEY when
# DEBUG=false, so this one RUN gets a random throwaway key in its own
# environment: it is no ARG or ENV, so it is neither in the image's config nor
# in its history, and the running container takes its real key from .env.
# var/ belongs to the app user: the named volumes mounted on var/media and
# var/static are seeded from the image with that owner, so the app (media) and
# the migrate service (static refresh) can write to them.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        python manage.py collectstatic --noinput --verbosity 1 \
    && python -m compileall -q -j 0 /app \
    && mkdir -p /app/var/media \
    && chown -R 10001:10001 /app/var

USER 10001:10001
EXPOSE 8000

# granian stops on SIGTERM: it stops accepting, lets requests in flight
# finish (WebSockets are closed, clients reconnect to another replica) and
# exits; compose gives it stop_grace_period before SIGKILL.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/lib/live-gallery/healthcheck.py"]

# exec: granian is PID 1 and gets the signals itself. Binding and port come
# from HOST/PORT so the same image runs behind compose's DNS or on a host
# network (CI). No access log (granian's default): the app logs one line per
# request itself (LOG_FORMAT). --no-ws: this tier holds no WebSockets.
# --blocking-threads: requests run at once in the process, kept under
# DATABASE_POOL_SIZE (10) so none waits for a pooled connection; the rest
# queue in granian (its default would allow 512 threads).
CMD ["sh", "-c", "exec granian --interface wsgi --no-ws --blocking-threads 8 --host \"$HOST\" --port \"$PORT\" --log-level warning core.wsgi:application"]
