from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from images import formats
from images.units import binary_size


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes one or many files (validated one by one later)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        files = [file for file in files if file]
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class UploadForm(forms.Form):
    file = MultipleFileField(
        label=_("Images"),
        error_messages={"required": _("Choose at least one image to upload.")},
        widget=MultipleFileInput(),
    )
    name = forms.CharField(
        label=_("Display name (optional, for a single image)"),
        required=False,
        max_length=1000,
    )
    # Sent as the API's expires_in (whole seconds); empty: kept until deleted.
    expires_in = forms.ChoiceField(
        label=_("Delete automatically"),
        required=False,
        choices=[
            ("", _("never")),
            ("3600", _("after 1 hour")),
            ("86400", _("after 1 day")),
            ("604800", _("after 1 week")),
            ("2592000", _("after 30 days")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = formats.accept()
        self.fields["file"].help_text = _("%(formats)s, up to %(size)s each.") % {
            "formats": formats.labels(),
            "size": binary_size(settings.MAX_UPLOAD_SIZE),
        }


class ImageIdForm(forms.Form):
    id = forms.IntegerField(label=_("Image id"), min_value=1)
