from django.conf import settings


def limits(request):
    """Upload limits for the pages (form hints, the script's early size check)."""
    return {"max_upload_size": settings.MAX_UPLOAD_SIZE}
