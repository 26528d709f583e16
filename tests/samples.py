"""Real HEIC and AVIF files that nobody here made: the sample images shipped in
the source distributions of pillow-heif and Pillow.

`heic_samples()` / `avif_samples()` map file names to paths. The first call
fetches the two pinned source archives from PyPI with pip (`pip download
--no-binary :all:`, ~65 MB, checked against their SHA-256) into a cache
folder, LIVE_GALLERY_SAMPLES or ~/.cache/live-gallery-samples, and unpacks
only the images; later calls and later runs use the cache. Licences: the
pillow-heif files are under its BSD-3-Clause licence except nokia/ (© Nokia,
from nokiatech.github.io/heif, "example files"), Pillow's under the MIT-CMU
licence; both licence texts are unpacked beside the images.
"""

import functools
import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

ARCHIVES = {
    "pillow-heif": (
        "pillow_heif-1.8.1.tar.gz",
        "521ebffb8a181d56c3904e5a61f20903edee0d9d3275967b8fb345f866215c06",
        ("pillow_heif-1.8.1/tests/images/", "pillow_heif-1.8.1/LICENSE.txt"),
    ),
    "pillow": (
        "pillow-13.0.0.tar.gz",
        "cdcd1ba258178f7356d74170c9a81ba4eab6a5d55748bc402a5a2a6fe6be3510",
        ("pillow-13.0.0/Tests/images/avif/", "pillow-13.0.0/LICENSE"),
    ),
}
REQUIREMENTS = {"pillow-heif": "pillow-heif==1.8.1", "pillow": "pillow==13.0.0"}


class SamplesUnavailable(RuntimeError):
    pass


def cache_folder() -> Path:
    configured = os.environ.get("LIVE_GALLERY_SAMPLES")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "live-gallery-samples"


@functools.cache
def _unpacked(project: str) -> Path:
    archive_name, sha256, members = ARCHIVES[project]
    folder = cache_folder()
    target = folder / archive_name.removesuffix(".tar.gz")
    done = target / ".unpacked"
    if done.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / archive_name
    if not archive.exists():
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", "--dest", str(folder), REQUIREMENTS[project]],
            capture_output=True, text=True, timeout=600,
        )
        if fetched.returncode != 0 or not archive.exists():
            raise SamplesUnavailable(f"pip download {REQUIREMENTS[project]} failed: "
                                     f"{fetched.stderr.strip()[-500:]}")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != sha256:
        archive.unlink()
        raise SamplesUnavailable(f"{archive_name} has SHA-256 {digest}, not {sha256}")
    with tarfile.open(archive) as tar:
        wanted = [m for m in tar.getmembers() if m.name.startswith(members) and m.isfile()]
        tar.extractall(folder, members=wanted, filter="data")
    done.touch()
    return target


def heic_samples() -> dict[str, Path]:
    """pillow-heif's images by file name (heif/, heif_other/, heif_special/, …)."""
    images = _unpacked("pillow-heif") / "tests" / "images"
    return {path.name: path for path in sorted(images.rglob("*")) if path.is_file()}


def avif_samples() -> dict[str, Path]:
    images = _unpacked("pillow") / "Tests" / "images" / "avif"
    return {path.name: path for path in sorted(images.iterdir()) if path.is_file()}


def cases() -> list:
    """Real HEIC and AVIF files as hostile-upload cases (tests/corpus.py's Case):
    what is accepted as is, and variants to refuse: cut short, too many pixels,
    too much memory to decode."""
    from tests.corpus import Case

    heic, avif = heic_samples(), avif_samples()
    pug, photo = heic["pug.heic"].read_bytes(), avif["exif.avif"].read_bytes()
    return [
        Case("heic-phone-gps", "IMG_0001.HEIC", pug, 201, None, "image/heic", 4032, 3024),
        Case("heic-burst", "burst.heic", heic["bird_burst.heic"].read_bytes(), 201, None,
             "image/heic", 1280, 720),
        Case("avif-exif", "photo.avif", photo, 201, None, "image/avif", 512, 512),
        Case("avif-sequence", "star.avifs", avif["star.avifs"].read_bytes(), 201, None,
             "image/avif", 159, 159),
        Case("heic-truncated", "cut.heic", pug[: len(pug) * 2 // 3], 415, "corrupt_image"),
        Case("heic-truncated-sample", "t.heic", heic["truncated.heic"].read_bytes(), 415,
             "corrupt_image"),
        Case("avif-truncated", "cut.avif", photo[: len(photo) // 2], 415, "unsupported_image"),
        Case("heic-200-megapixels", "bomb.heic", heic["200MP.heic"].read_bytes(), 413,
             "image_too_large"),
        Case("heif-10-bit-over-memory-bound", "g.hif", heic["guitar_cw90.hif"].read_bytes(),
             413, "image_too_large"),
    ]
