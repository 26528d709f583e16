"""What the gallery must know about an image format, declared once per format."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from PIL.Image import Image as Picture


@dataclass(frozen=True)
class ImageFormat:
    """One accepted format. Every part of the app asks this, never a format's name.

    - `content_type`: the MIME type the server reports (API, `Content-Type`).
    - `label`: how people call it, in messages and on the Upload page.
    - `extension`: of the stored file, `images/<id>.<extension>`; nginx maps it
      back to `content_type`, so it must be unique among the formats.
    - `other_extensions`: other names files of this format carry (the file
      picker's `accept` list).
    - `pillow_formats`: the Pillow decoders that read it; only these are ever
      tried on an upload. `opened_as`: other names an opened file may report as
      its `format` (a JPEG decoder hands back "MPO" for phones' multi-picture files).
    - `strip_metadata(source, destination) -> bool`: copies the file without
      personal metadata, True if anything was removed (images.metadata).
    - `browsers_show`: whether current Chromium, Firefox and Safari show it
      in an <img>; if not, a rendition is made at upload for `/image/<id>`.
    - `animates`: whether browsers play its animations; an animated upload
      then also gets an animated preview (images.animation).
    - `decode_bytes(picture) -> int`: what validating and previewing it holds
      at its peak beside the fixed share, from the opened header alone
      (images.decoding).
    - `check_structure(file)`: a structural check of the container that
      decoding does not make, raising ValueError (None: decoding is enough).
    """

    content_type: str
    label: str
    extension: str
    pillow_formats: tuple[str, ...]
    strip_metadata: Callable[[BinaryIO, BinaryIO], bool]
    decode_bytes: Callable[[Picture], int]
    other_extensions: tuple[str, ...] = ()
    opened_as: tuple[str, ...] = ()
    browsers_show: bool = True
    animates: bool = False
    check_structure: Callable[[BinaryIO], None] | None = None

    @property
    def extensions(self) -> tuple[str, ...]:
        return (self.extension, *self.other_extensions)
