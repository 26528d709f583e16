from django.conf import settings


def limits(request):
    """Upload limits for the pages (form hints, the script's early size check and
    the chunk size of its resumable uploads)."""
    return {
        "max_upload_size": settings.MAX_UPLOAD_SIZE,
        "upload_chunk_size": settings.UPLOAD_CHUNK_SIZE,
    }
