"""Photo forms: uploads (checked by content in the service) and review decisions."""

from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, IntegerField
from wtforms.validators import AnyOf, InputRequired

from milequest.forms.base import Form
from milequest.services.gallery.photos import MAX_BYTES


class PhotoUploadForm(Form):
    """Only CSRF: the files are read with `uploads()` and judged by their bytes."""


class ReviewForm(Form):
    photo_id = IntegerField(validators=[InputRequired()])
    decision = HiddenField(validators=[AnyOf(("approve", "reject", "block"))])


def uploads(files: MultiDict) -> list[bytes]:
    """Each chosen file's bytes, read to one byte past the limit (enough to refuse it)."""
    return [f.stream.read(MAX_BYTES + 1) for f in files.getlist("photos") if f and f.filename]
