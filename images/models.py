import hashlib
import hmac
import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import CharField, Func, Q
from django.urls import reverse
from django.utils import timezone

from images import formats
from images.errors import ImageNotFound

# Where files live in storage. Images that expire live in a folder of their
# own, which nginx's fast path never serves: their bytes are always answered
# by the app, which stops the moment they expire (images.expiry).
FOLDER = "images"
EXPIRING_FOLDER = "expiring"
FOLDERS = (FOLDER, EXPIRING_FOLDER)


def secret_digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret: what the database keeps instead of it.

    Delete tokens and uploader keys are 256-bit random values, so a fast hash
    is enough (nothing to brute-force); a leaked table reveals no usable secret.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


class Lowered(Func):
    """LOWER(expression) with Unicode rules on every database.

    PostgreSQL's LOWER knows every script; SQLite's only ASCII, so there it
    is Python's str.lower, registered on each connection (images.apps).
    """

    function = "LOWER"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="LG_LOWER", **extra_context)


def sqlite_lower(value):
    return value.lower() if isinstance(value, str) else value


class ImageQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-date", "-id")

    def visible(self):
        """What anyone may see: images that have not expired (images.expiry).

        Every read goes through this, so an expired image is gone from lists,
        pages and bytes the moment it expires, before the sweeper deletes it.
        """
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))

    def named_like(self, term: str):
        """Images whose display name contains `term`, ignoring case (any script:
        "кот" finds "Кот.jpg"); an empty term leaves the set as it is."""
        if not term:
            return self
        return self.alias(folded_name=Lowered("name")).filter(
            folded_name__contains=term.lower()
        )

    def expired(self):
        return self.filter(expires_at__lte=timezone.now())

    def found(self, pk: int) -> "Image":
        """The image with this id, or ImageNotFound (404 and its own message):
        the one way the API, the pages and the bytes look an image up."""
        try:
            return self.get(pk=pk)
        except self.model.DoesNotExist:
            raise ImageNotFound() from None

    def uploaded_by(self, uploader_key: str | None):
        if not uploader_key:
            return self.none()
        return self.filter(uploader_digest=secret_digest(uploader_key))


class Image(models.Model):
    """One stored image: its display name, where its bytes are, what they are."""

    name = models.CharField(max_length=255)
    path = models.CharField(max_length=255, editable=False)
    size = models.PositiveBigIntegerField()
    date = models.DateTimeField(default=timezone.now)
    # The detected MIME type, one of images.formats: no `choices`, so that a
    # new format is a module of the registry, not a migration.
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    delete_token_digest = models.CharField(max_length=64, editable=False)
    uploader_digest = models.CharField(max_length=64, blank=True, editable=False)
    has_thumbnails = models.BooleanField(default=False, editable=False)
    # An animation also has an animated preview, shown where motion is welcome
    # (images.renditions); its previews above are its first frame.
    has_animated_preview = models.BooleanField(default=False, editable=False)
    # A tiny stand-in painted before the preview arrives: a WebP data: URI of a
    # few hundred bytes (images.renditions); empty when none could be made.
    placeholder = models.TextField(blank=True, default="", editable=False)
    # When it is deleted by itself (expires_in on upload); None: never.
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Photo facts read from the Exif before it was stripped (KEEP_PHOTO_FACTS,
    # images.metadata.facts); None: not known. `taken_at` is the camera's
    # clock, a wall-clock time stored as if it were UTC, and `taken_at_offset`
    # that clock's UTC offset in minutes when the camera recorded one.
    taken_at = models.DateTimeField(null=True, blank=True, editable=False)
    taken_at_offset = models.SmallIntegerField(null=True, blank=True, editable=False)
    camera = models.CharField(max_length=100, null=True, blank=True, editable=False)
    # The key it was uploaded with (private instances): that key may delete it.
    api_key = models.ForeignKey(
        "ApiKey", null=True, blank=True, editable=False, on_delete=models.SET_NULL,
        related_name="images",
    )

    objects = ImageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name"], name="image_unique_name"),
            models.CheckConstraint(condition=Q(width__gt=0, height__gt=0), name="image_has_pixels"),
            models.CheckConstraint(
                condition=Q(taken_at_offset__isnull=True)
                | Q(taken_at_offset__gte=-14 * 60, taken_at_offset__lte=14 * 60),
                name="image_taken_at_offset_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["-date", "-id"], name="image_newest_first"),
            models.Index(
                fields=["uploader_digest"],
                name="image_uploader",
                condition=~Q(uploader_digest=""),
            ),
            # The sweeper's question, "which have expired?", over the few that expire.
            models.Index(
                fields=["expires_at"],
                name="image_expiring",
                condition=Q(expires_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("images:detail", args=[self.pk])

    @property
    def image_format(self) -> formats.ImageFormat:
        return formats.by_content_type(self.content_type)

    @property
    def url(self) -> str:
        """Bytes every browser shows: the original, or its rendition (HEIC)."""
        return reverse("images:bytes", args=[self.pk])

    @property
    def original_url(self) -> str:
        """The stored bytes exactly: `url` itself when browsers show the format."""
        if self.image_format.browsers_show:
            return self.url
        return reverse("images:original", args=[self.pk])

    @property
    def taken_at_local(self) -> datetime | None:
        """The camera's clock when the photo was taken, naive: shown as it is,
        never converted to a visitor's zone (the zone may not be known)."""
        return self.taken_at.replace(tzinfo=None) if self.taken_at else None

    @property
    def taken_at_iso(self) -> str | None:
        """ISO 8601: with the UTC offset when the camera recorded it, else
        without (a local time in an unknown zone)."""
        if self.taken_at is None:
            return None
        local = self.taken_at_local.isoformat()
        if self.taken_at_offset is None:
            return local
        return local + _offset_text(self.taken_at_offset)

    @property
    def taken_at_zone(self) -> str | None:
        """The camera clock's zone as people read it, "UTC+03:00"; None: unknown."""
        if self.taken_at_offset is None:
            return None
        return "UTC" + _offset_text(self.taken_at_offset)

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'

    def has_delete_token(self, token: str) -> bool:
        return hmac.compare_digest(self.delete_token_digest, secret_digest(token))

    def was_uploaded_by(self, uploader_key: str | None) -> bool:
        return bool(uploader_key and self.uploader_digest) and hmac.compare_digest(
            self.uploader_digest, secret_digest(uploader_key)
        )

    @property
    def thumbnail_url(self) -> str:
        """The gallery preview (the original when no preview could be made)."""
        return self._preview_url(settings.PREVIEW_WIDTHS[0])

    @property
    def thumbnail_2x_url(self) -> str:
        return self._preview_url(settings.PREVIEW_WIDTHS[1])

    @property
    def preview_srcset(self) -> str:
        """`srcset` of the previews, one per width of PREVIEW_WIDTHS."""
        widths = settings.PREVIEW_WIDTHS
        return ", ".join(f"{self._preview_url(width)} {width}w" for width in widths)

    @property
    def animated_preview_url(self) -> str | None:
        """The moving gallery preview of an animation (WebP); None for a still image."""
        if not self.has_animated_preview:
            return None
        return reverse("images:animated_preview", args=[self.pk, settings.ANIMATED_PREVIEW_WIDTH])

    def _preview_url(self, width: int) -> str:
        if not self.has_thumbnails:
            return self.url
        return reverse("images:thumbnail", args=[self.pk, width])

    @property
    def folder(self) -> str:
        """The folder of its files: where the original was stored, else by expiry."""
        if self.path:
            return self.path.split("/", 1)[0]
        return EXPIRING_FOLDER if self.expires_at else FOLDER

    def preview_name(self, width: int) -> str:
        return self.thumbnail_name(self.pk, width, folder=self.folder)

    def animated_preview_name(self) -> str:
        return self.animation_name(self.pk, settings.ANIMATED_PREVIEW_WIDTH, folder=self.folder)

    def rendition_name(self) -> str:
        """The full-size rendition of a format browsers do not show."""
        return self.storage_name(self.pk, formats.RENDITION.content_type, folder=self.folder)

    def stored_names(self) -> list[str]:
        """Every file that belongs to this image: the original, its rendition, its previews."""
        widths = settings.PREVIEW_WIDTHS if self.has_thumbnails else ()
        names = [self.preview_name(width) for width in widths]
        if self.has_animated_preview:
            names.append(self.animated_preview_name())
        if not self.image_format.browsers_show:
            names.insert(0, self.rendition_name())
        return [self.path, *names] if self.path else names

    @classmethod
    def names_for(cls, pk: int, content_type: str, folder: str = FOLDER) -> list[str]:
        """Every name an image with this id and type may have in storage."""
        names = [cls.storage_name(pk, content_type, folder=folder)]
        if not formats.by_content_type(content_type).browsers_show:
            names.append(cls.storage_name(pk, formats.RENDITION.content_type, folder=folder))
        thumbnails = [
            cls.thumbnail_name(pk, width, folder=folder) for width in settings.PREVIEW_WIDTHS
        ]
        animation = cls.animation_name(pk, settings.ANIMATED_PREVIEW_WIDTH, folder=folder)
        return [*names, *thumbnails, animation]

    @staticmethod
    def storage_name(pk: int, content_type: str, folder: str = FOLDER) -> str:
        """Where an image's bytes live: named by id, so nginx can find them by URL."""
        return f"{folder}/{pk}.{formats.by_content_type(content_type).extension}"

    @staticmethod
    def thumbnail_name(pk: int, width: int, folder: str = FOLDER) -> str:
        return f"{folder}/{pk}.w{width}.webp"

    @staticmethod
    def animation_name(pk: int, width: int, folder: str = FOLDER) -> str:
        """The animated preview: `a` for animated where the stills have `w`
        (nginx's preview location serves both, deploy/nginx)."""
        return f"{folder}/{pk}.a{width}.webp"


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked__isnull=True)


class ApiKey(models.Model):
    """A key that lets a tool upload to a private instance (UPLOADS_REQUIRE_KEY).

    The key is `lg_<prefix>_<secret>`: the prefix finds the row, and the
    SHA-256 of the whole key is compared in constant time with the stored
    digest; the key itself is printed once at creation and never stored.
    Revoking keeps the row, so the images uploaded with it still name it.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        constraints = [
            # A revoked key's name may be given to a new key.
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(revoked__isnull=True),
                name="api_key_unique_active_name",
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def create(cls, name: str) -> tuple["ApiKey", str]:
        """A new key named `name`, and the key itself (shown once, never stored)."""
        prefix = secrets.token_hex(6)
        key = f"lg_{prefix}_{secrets.token_urlsafe(32)}"
        return cls.objects.create(name=name, prefix=prefix, digest=secret_digest(key)), key

    @classmethod
    def find(cls, key: str) -> "ApiKey | None":
        """The active key this string is, or None (unknown, malformed or revoked)."""
        scheme, _, rest = key.partition("_")
        prefix, _, secret = rest.partition("_")
        found = cls.objects.active().filter(prefix=prefix).first() if scheme == "lg" else None
        # Compared even when nothing was found, so the answer takes as long.
        matches = hmac.compare_digest(found.digest if found else "0" * 64, secret_digest(key))
        return found if found is not None and secret and matches else None

    @property
    def is_active(self) -> bool:
        return self.revoked is None


class UploadQuerySet(models.QuerySet):
    def expired(self, now=None):
        return self.filter(expires__lte=now or timezone.now())


class Upload(models.Model):
    """A resumable (tus) upload: what every replica needs to continue it.

    The state lives here, in the database, and the bytes received so far in
    the media storage (`UploadPart`), so a client may send one chunk through
    one replica and the next through another. `offset` counts only bytes
    whose part is recorded; it moves forward by compare-and-set
    (images.resumable), never by a read-modify-write.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    # The client's Upload-Metadata header as sent: tus has HEAD repeat it.
    metadata = models.TextField(blank=True)
    filename = models.TextField(blank=True)
    expires_in = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    # Set while one request turns the received bytes into an image; another
    # request may take over only once it is older than FINISH_LEASE.
    finishing_since = models.DateTimeField(null=True, blank=True)
    # The key the upload was begun with: recorded on the image it becomes.
    api_key = models.ForeignKey(
        "ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The id of the image the upload became: HEAD still names it until `expires`.
    # A plain number, not a foreign key, so deleting images costs no query more.
    image_id = models.PositiveBigIntegerField(null=True, blank=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__lte=models.F("length")), name="upload_offset_within_length"
            ),
        ]
        indexes = [models.Index(fields=["expires"], name="upload_expires")]

    def __str__(self):
        return f"upload {self.pk} ({self.offset}/{self.length})"

    @property
    def is_complete(self) -> bool:
        return self.offset == self.length


class UploadPart(models.Model):
    """One PATCH body of an upload, stored as one object of its own."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="parts")
    offset = models.PositiveBigIntegerField()
    size = models.PositiveBigIntegerField()
    name = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upload", "offset"], name="upload_part_unique_offset"),
        ]

    def __str__(self):
        return self.name
