"""The links an uploader keeps after the Upload page's form (without JavaScript).

The form's post answers 303 (the contract), so the links reach the page it
leads to through the session, once: `remember` stores the new images' ids and
delete tokens there, the next Upload page `recall`s (and forgets) them. The
session already holds this browser's uploader key, a right to delete the same
images, so whoever could read the session store gains nothing from the tokens
it holds for that moment; no URL, log line or event ever carries them.
"""

from dataclasses import dataclass

from images import sharing
from images.models import Image
from images.serializers import delete_link, image_data, origin_of
from images.services import CreatedImage, duplicates_of

SESSION_KEY = "live_gallery.just_uploaded"


@dataclass(frozen=True)
class Keepsake:
    """One stored upload as the page shows it: links to share and to delete it
    later, and the images that already had the same bytes."""

    image: Image
    url: str
    page_url: str
    delete_url: str
    snippets: dict[str, str]
    duplicates: list[Image]


def remember(request, created: list[CreatedImage]) -> None:
    request.session[SESSION_KEY] = [[item.image.pk, item.delete_token] for item in created]


def recall(request) -> list[Keepsake]:
    """The uploads `remember`ed for this page, once; images gone meanwhile are left out."""
    pairs = request.session.pop(SESSION_KEY, [])
    images = Image.objects.visible().in_bulk([pk for pk, _token in pairs])
    return [
        keepsake_of(request, CreatedImage(
            image=images[pk], delete_token=token, duplicates=duplicates_of(images[pk])
        ))
        for pk, token in pairs
        if pk in images
    ]


def keepsake_of(request, created: CreatedImage) -> Keepsake:
    origin = origin_of(request)
    data = image_data(created.image, origin=origin)
    ids = created.duplicates
    same = Image.objects.in_bulk(ids)
    return Keepsake(
        image=created.image,
        url=data["url"],
        page_url=data["page_url"],
        delete_url=delete_link(created.image, created.delete_token, origin=origin),
        snippets=sharing.share_of(data),
        duplicates=[same[pk] for pk in ids if pk in same],
    )
