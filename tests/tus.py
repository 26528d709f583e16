"""A tus 1.0.0 conversation through Django's test client, header by header.

The tests of the protocol's details speak it by hand (tests/test_tus.py);
real clients (tuspy, tus-js-client) speak it in tests/test_tus_clients.py
and tests/e2e/test_resumable_upload.py.
"""

import base64
from io import BytesIO

from django.test import Client
from PIL import Image

CHUNK_TYPE = "application/offset+octet-stream"
TUS = {"Tus-Resumable": "1.0.0"}


def noise_png(width: int = 160, height: int = 120, seed: int = 1, compress_level: int = 6) -> bytes:
    """A PNG of noise: several chunks long, never compressed to nothing.

    Uncompressed (compress_level=0), every picture of one size has one length.
    """
    noise = Image.effect_noise((width, height), 40 + seed).convert("RGB")
    out = BytesIO()
    noise.save(out, "PNG", compress_level=compress_level)
    return out.getvalue()


def metadata(**values: str) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items()
    )


class Tus:
    def __init__(self, client: Client):
        self.client = client

    def create(self, length: int, headers: dict | None = None, **values: str):
        headers = {**TUS, "Upload-Length": str(length), **(headers or {})}
        if values:
            headers["Upload-Metadata"] = metadata(**values)
        return self.client.generic("POST", "/api/uploads/", headers=headers)

    def start(self, length: int, **values: str) -> str:
        """A new upload's path."""
        response = self.create(length, **values)
        assert response.status_code == 201, response.content
        return response["Location"].removeprefix("http://testserver")

    def patch(self, path: str, offset: int, data: bytes, content_type: str = CHUNK_TYPE,
              headers: dict | None = None):
        # The type travels as a header too: the test client drops it from an empty body.
        return self.client.generic(
            "PATCH", path, data=data, content_type=content_type,
            headers={**TUS, "Upload-Offset": str(offset), "Content-Type": content_type,
                     **(headers or {})},
        )

    def head(self, path: str, headers: dict | None = None):
        return self.client.head(path, headers={**TUS, **(headers or {})})

    def delete(self, path: str):
        return self.client.delete(path, headers=TUS)

    def send(self, path: str, data: bytes, chunk: int, start: int = 0, headers=None):
        """PATCH `data[start:]` in chunks; the last answer."""
        offset = start
        while True:
            response = self.patch(path, offset, data[offset:offset + chunk], headers=headers)
            if response.status_code != 204 or offset + chunk >= len(data):
                return response
            offset = int(response["Upload-Offset"])

    def upload(self, data: bytes, chunk: int, headers=None, **values: str):
        """A whole upload: creation, then every chunk; the last answer."""
        path = self.start(len(data), **values)
        return self.send(path, data, chunk, headers=headers)
