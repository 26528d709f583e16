"""Language negotiation that leaves language-neutral responses alone."""

from django.middleware.locale import LocaleMiddleware


class PageLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, except for responses marked `language_neutral`.

    Image bytes are the same in every language: `Vary: Accept-Language` would
    make shared caches keep one copy per language, and nginx, which serves the
    same URLs from disk in the compose stack, sends neither header.
    """

    def process_response(self, request, response):
        if getattr(response, "language_neutral", False):
            return response
        return super().process_response(request, response)
