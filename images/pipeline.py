"""The one path of an upload, whichever way it came in.

    terms → rate limit → read → validate → strip → store → previews → record

Four ways in, each saying only where the file and its fields come from and
how the outcome is answered:

- the JSON API, `POST /api/images/` (and the brief's `POST /images`):
  `receive_one(request)`, refusals answered as JSON;
- the Upload page's script, one file per request: the same `receive_one`,
  recorded as the browser session's (`uploader_key`);
- the page's form without JavaScript, many files in one post:
  `receive(request, files, …)`, one `Outcome` per file, shown on the page;
- resumable uploads (tus, images.tus): the request that creates one takes
  `terms` and its turn under the rate limit (`admit`); the PATCH that
  completes it hands the joined file to `store` with the terms it kept.

Everything else happens here, once: who may upload and until when the image
lives (`terms`: X-API-Key, UPLOADS_REQUIRE_KEY, `expires_in`) once per
request; the per-client rate limit once per file; then images.services
(decode slot, validation, metadata, previews and renditions, storage, the
row). The body limit comes before all of it (images.limits), and every
refusal is an ImageError, answered by `images.errors.respond` (JSON or a
page) or, on the form, listed file by file.
Adding a way in means calling `receive`; adding a check means adding it here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files import File
from django.utils import timezone

from images import keys
from images.errors import ImageError, InvalidExpiry, NoFile, TooManyFiles
from images.models import ApiKey
from images.ratelimit import check_upload_rate
from images.services import CreatedImage, image_create

# `expires_in`: from a minute to a year, in whole seconds.
MIN_EXPIRY_SECONDS = 60
MAX_EXPIRY_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Terms:
    """What every upload of one request shares: the key it is made with (None:
    none needed) and when its images expire (None: never)."""

    api_key: ApiKey | None
    expires_at: datetime | None


def terms(request, expires_in: str | None) -> Terms:
    """Whether this request may upload (401 Unauthorized if not: a wrong key, or
    none on a private instance) and until when its images live (400 for a bad
    `expires_in`), checked before any file is looked at."""
    return Terms(api_key=keys.upload_key(request), expires_at=expires_at(expires_in))


def expires_at(expires_in: str | None) -> datetime | None:
    """`expires_in` as sent (whole seconds) → the moment, or None; InvalidExpiry (400)."""
    if expires_in is None or expires_in == "":
        return None
    text = expires_in.strip()
    if not text.isascii() or not text.isdigit() or not (
        MIN_EXPIRY_SECONDS <= int(text) <= MAX_EXPIRY_SECONDS
    ):
        raise InvalidExpiry(MIN_EXPIRY_SECONDS, MAX_EXPIRY_SECONDS)
    return timezone.now() + timedelta(seconds=int(text))


@dataclass(frozen=True)
class Incoming:
    """One file as it arrived (Django's spooled upload, or a finished tus
    upload opened as a File), and the display name asked for, if any."""

    file: File
    name: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one file: stored (`created`) or refused (`error`)."""

    incoming: Incoming
    created: CreatedImage | None = None
    error: ImageError | None = None


def admit(request, upload_terms: Terms) -> None:
    """One file's turn under the client's (and its key's) rate limit (429)."""
    check_upload_rate(request, api_key=upload_terms.api_key)


def store(
    incoming: Incoming, upload_terms: Terms, *, uploader_key: str | None = None
) -> CreatedImage:
    """validate → strip → store → previews → record (images.services)."""
    return image_create(
        file=incoming.file,
        name=incoming.name,
        uploader_key=uploader_key,
        api_key=upload_terms.api_key,
        expires_at=upload_terms.expires_at,
    )


def receive(
    request,
    incoming: list[Incoming],
    *,
    expires_in: str | None = None,
    uploader_key: str | None = None,
) -> list[Outcome]:
    """Store each file through the one path; one Outcome per file, in order.

    A refusal of the request as a whole (a wrong key, a bad `expires_in`) is
    raised before any file is read.
    """
    upload_terms = terms(request, expires_in)
    outcomes = []
    for item in incoming:
        try:
            admit(request, upload_terms)
            created = store(item, upload_terms, uploader_key=uploader_key)
        except ImageError as error:
            outcomes.append(Outcome(item, error=error))
        else:
            outcomes.append(Outcome(item, created=created))
    return outcomes


def receive_one(request, *, uploader_key: str | None = None) -> CreatedImage:
    """A request of exactly one `file` part (with optional `name` and
    `expires_in` fields), stored or refused (raises the ImageError)."""
    files = request.FILES.getlist("file")
    if not files:
        raise NoFile()
    if len(files) > 1 or len(request.FILES) > 1:
        raise TooManyFiles()
    incoming = Incoming(files[0], request.POST.get("name") or None)
    (outcome,) = receive(
        request, [incoming], expires_in=request.POST.get("expires_in"), uploader_key=uploader_key
    )
    if outcome.error is not None:
        raise outcome.error
    return outcome.created


def status_of(outcomes: list[Outcome]) -> tuple[int, dict[str, str]]:
    """The form's status for a post with refusals: the one that says when to come
    back (429, 503, with Retry-After) if any, else 400."""
    for outcome in outcomes:
        if outcome.error is not None and outcome.error.headers.get("Retry-After"):
            return outcome.error.status, outcome.error.headers
    return 400, {}
