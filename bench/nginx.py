"""nginx with the project's own site config, in a private prefix.

Every deploy/nginx/templates/*.template is rendered the way the nginx image's
entrypoint does it (envsubst of the variables its 18-live-gallery.envsh
exports, into conf.d/ without the .template suffix; nginx's own $lower_case
variables are left alone), then the container paths /srv/media, /srv/static
and /etc/nginx/conf.d/ are pointed at the bench's folders in the rendered
copies. The templates themselves are never touched.

The http {} block copies the nginx image's /etc/nginx/nginx.conf (access log
on, sendfile on, keepalive_timeout 65, worker_processes auto). A second
server on its own port serves a folder as plain static files (with the same
sendfile and tcp_nopush as the project's image locations): the baseline.
"""

import getpass
import http.client
import os
import re
import shutil
import subprocess
from pathlib import Path

from lib import ROOT, Processes, free_port, wait_until

TEMPLATES = ROOT / "deploy" / "nginx" / "templates"
VARIABLES = (
    "NGINX_LISTEN_PORT",
    "APP_UPSTREAM",
    "LIVE_UPSTREAM",
    "NGINX_RESOLVER",
    "NGINX_CLIENT_MAX_BODY_SIZE",
    "MAX_UPLOAD_SIZE",
    "UPLOAD_CHUNK_SIZE",
    "NGINX_MEDIA_SOURCE",
)
# What 18-live-gallery.envsh adds to MAX_UPLOAD_SIZE for the multipart envelope.
UPLOAD_BODY_MARGIN = 1048576
# The container's paths (docker-compose.yml volumes, the image's conf.d, the
# cache of image bytes when the media are on S3).
CONTAINER_MEDIA, CONTAINER_STATIC, CONTAINER_CONF_D, CONTAINER_CACHE = (
    "/srv/media",
    "/srv/static",
    "/etc/nginx/conf.d/",
    "/var/cache/nginx/live-gallery",
)


def binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def render_templates(
    conf_d: Path,
    *,
    port: int,
    upstream: str,
    live: str,
    media: Path,
    static: Path,
    max_upload: int,
    chunk_size: int = 4 * 1024 * 1024,
    media_source: str = "disk",
    cache: Path,
) -> list[Path]:
    """Every deploy/nginx/templates/*.template into conf_d, as the nginx image's
    entrypoint does (NAME.template -> conf.d/NAME), with the container's paths
    pointed at ours. media_source: "disk", or "s3" (S3_BUCKET set)."""
    values = {
        "NGINX_MEDIA_SOURCE": media_source,
        "NGINX_LISTEN_PORT": f"127.0.0.1:{port}",
        "APP_UPSTREAM": upstream,
        "LIVE_UPSTREAM": live,
        "NGINX_RESOLVER": "127.0.0.1",  # the upstream is an address: never asked
        "NGINX_CLIENT_MAX_BODY_SIZE": str(max_upload + UPLOAD_BODY_MARGIN),
        "MAX_UPLOAD_SIZE": str(max_upload),
        "UPLOAD_CHUNK_SIZE": str(chunk_size),
    }
    rendered = {}
    for template in sorted(TEMPLATES.glob("*.template")):
        text = subprocess.run(
            ["envsubst", " ".join(f"${{{name}}}" for name in VARIABLES)],
            input=template.read_text(),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **values},
        ).stdout
        if unknown := re.findall(r"\$\{[A-Z_]+\}", text):
            raise RuntimeError(f"{template.name} uses variables the bench does not set: {unknown}")
        rendered[template.name.removesuffix(".template")] = text
    everything = "".join(rendered.values())
    for container_path in (CONTAINER_MEDIA, CONTAINER_STATIC, CONTAINER_CACHE):
        if container_path not in everything:
            raise RuntimeError(f"the nginx templates no longer mention {container_path}")
    written = []
    for name, text in rendered.items():
        text = (
            text.replace(CONTAINER_MEDIA, str(media))
            .replace(CONTAINER_STATIC, str(static))
            .replace(CONTAINER_CONF_D, f"{conf_d}/")
            .replace(CONTAINER_CACHE, str(cache))
        )
        (conf_d / name).write_text(text)
        written.append(conf_d / name)
    return written


def main_config(prefix: Path, conf_d: Path) -> str:
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    temp_paths = "".join(
        f"    {kind}_temp_path {prefix / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes auto;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} notice;
events {{
    worker_connections 4096;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
    sendfile on;
    keepalive_timeout 65;
{temp_paths}    include {conf_d}/*.conf;
}}
"""


def plain_static_site(port: int, folder: Path) -> str:
    # Transfer settings as the project's image locations have them, so the
    # comparison measures what the project's config adds, not tcp_nopush.
    return f"""server {{
    listen 127.0.0.1:{port};
    root {folder};
    sendfile on;
    tcp_nopush on;
}}
"""


class Nginx:
    """The project's site on `port`, plain static files of `plain` on `plain_port`."""

    def __init__(
        self,
        procs: Processes,
        work: Path,
        *,
        upstream: str,
        live: str | None = None,
        media: Path,
        static: Path,
        plain: Path,
        max_upload: int,
        media_source: str = "disk",
        name: str = "nginx",
    ):
        self.port, self.plain_port = free_port(), free_port()
        prefix = work / name
        conf_d = prefix / "conf.d"
        conf_d.mkdir(parents=True, exist_ok=True)
        self.cache = prefix / "cache"
        self.rendered = render_templates(
            conf_d,
            port=self.port,
            upstream=upstream,
            live=live or upstream,
            media=media,
            static=static,
            max_upload=max_upload,
            media_source=media_source,
            cache=self.cache,
        )
        (conf_d / "plain.conf").write_text(plain_static_site(self.plain_port, plain))
        config = prefix / "nginx.conf"
        config.write_text(main_config(prefix, conf_d))
        command = [binary(), "-p", f"{prefix}/", "-c", config, "-e", prefix / "error.log"]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the rendered config:\n{checked.stderr}")
        self.config = config
        self.process = procs.start(name, [*command, "-g", "daemon off;"])
        self.procs = procs
        wait_until(lambda: self._answers(), "nginx")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError("nginx exited (see nginx.log and nginx/error.log)")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/nginx-healthz")
            return connection.getresponse().status == 200
        finally:
            connection.close()

    def stop(self):
        self.procs.stop(self.process)
