"""Schemathesis hooks (SCHEMATHESIS_HOOKS=scripts.schemathesis_hooks): real images.

The description says the `file` part is a PNG, JPEG, GIF or WebP; left to
itself Schemathesis would send random bytes, and every upload would be
refused. These strategies make real pictures of random sizes, so uploads
succeed too and the stateful phase follows their links (read, delete).
Refusals are still fuzzed: negative mode sends whatever it likes.
"""

import sys
from pathlib import Path

import schemathesis
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.corpus import gif_bytes, jpeg_bytes, png_bytes, webp_bytes  # noqa: E402

sides = st.integers(min_value=1, max_value=64)
MAKERS = {
    "image/png": png_bytes,
    "image/jpeg": jpeg_bytes,
    "image/gif": lambda width, height: gif_bytes(width=width, height=height),
    "image/webp": lambda width, height: webp_bytes(width=width, height=height),
}

for media_type, make in MAKERS.items():
    schemathesis.openapi.media_type(media_type, st.builds(make, sides, sides))

# A tus chunk is raw bytes, sent as Schemathesis sends any octet stream.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
