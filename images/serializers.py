"""The one shape of an image that the API, the pages and live events share."""

from django.urls import reverse

from images.models import Image


def origin_of(request) -> str:
    """scheme://host[:port] as the client used them (X-Forwarded-* if trusted)."""
    return request.build_absolute_uri("/").rstrip("/")


def image_data(image: Image, *, origin: str) -> dict:
    return {
        "id": image.pk,
        "name": image.name,
        "size": image.size,
        "date": image.date.isoformat(),
        # When the image deletes itself (expires_in on upload); None: never.
        "expires_at": image.expires_at.isoformat() if image.expires_at else None,
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
        "sha256": image.sha256,
        # Read from the Exif at upload (KEEP_PHOTO_FACTS); None: not known.
        # The camera's clock, with its UTC offset when the camera recorded one.
        "taken_at": image.taken_at_iso,
        "camera": image.camera,
        # Bytes every browser shows (a JPEG rendition of a HEIC), and the
        # stored bytes exactly: the same address for the formats browsers show.
        "url": origin + image.url,
        "original_url": origin + image.original_url,
        "page_url": origin + reverse("images:detail", args=[image.pk]),
        # A tiny stand-in to paint before the preview: a data: URI, "" if none.
        "placeholder": image.placeholder,
        # Gallery previews (WebP, first frame); the original's URL when none could be made.
        "thumbnail_url": origin + image.thumbnail_url,
        "thumbnail_2x_url": origin + image.thumbnail_2x_url,
        # An animation's moving preview (animated WebP), null for a still image
        # or one too large to animate (the previews above are its first frame).
        "animated_thumbnail_url": (
            origin + image.animated_preview_url if image.animated_preview_url else None
        ),
    }


def delete_link(image: Image, token: str, *, origin: str) -> str:
    """The confirmation page that deletes `image`: for the uploader only (it holds the token)."""
    return origin + reverse("images:delete_link", args=[image.pk, token])


URL_KEYS = (
    "url", "original_url", "page_url", "thumbnail_url", "thumbnail_2x_url",
    "animated_thumbnail_url",
)


def with_origin(data: dict, origin: str) -> dict:
    """Make the URLs of an image_data(…, origin="") absolute for one client."""
    return {**data, **{key: origin + data[key] for key in URL_KEYS if data.get(key)}}
