"""The GPS file upload form: files only; what is in them is the service's business."""

from typing import BinaryIO

from wtforms import MultipleFileField

from milequest.forms.base import Form
from milequest.services.gps_imports.imports import MAX_EXPORT_BYTES, MAX_UPLOAD_BYTES


class ImportForm(Form):
    files = MultipleFileField(
        f"GPX, TCX or FIT files, or one zip of them ({MAX_UPLOAD_BYTES // 2**20} MB in all), "
        "or your Strava export",
        render_kw={
            "accept": ".gpx,.tcx,.fit,.zip",
            "multiple": True,
            # The server checks the 20 MB for GPS files; an export zip may be this big.
            "data-max-total": MAX_EXPORT_BYTES,
        },
    )

    def uploads(self) -> list[tuple[str, BinaryIO]]:
        """(filename, stream) of each file chosen; the browser sends an empty one for none.

        Streams, not bytes: a large upload is spooled to a temporary file and read from there.
        """
        # A text value sent under the field's name (a script's) is not a file: it has no name.
        return [(f.filename, f.stream) for f in self.files.data or [] if getattr(f, "filename", "")]
