"""Static files under names that carry their content's hash, cached for good.

`collectstatic` (the image build, `make` targets that deploy) writes each
file twice, as `gallery.css` and `gallery.3f2a9c0b1d2e.css`, and a manifest;
pages then link the hashed names, which nginx sends with `Cache-Control:
immutable` (deploy/nginx): a changed file gets a new name, so a browser
never keeps a stale one and never asks twice for an unchanged one. The ES
modules' imports of each other (`import … from "./live.js"`) are rewritten to
the hashed names too, or a page could run a new `gallery.js` with an old
`live.js` from the cache. Where nothing was collected (`make run`, the
tests) the plain names are used, as the app serves those itself.
"""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class HashedStaticFilesStorage(ManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not collected here: no file to hash
            return name
