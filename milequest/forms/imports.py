"""The GPS file upload form: files only; what is in them is the service's business."""

from flask_wtf import FlaskForm
from wtforms import MultipleFileField

from milequest.services.imports import MAX_UPLOAD_BYTES


class ImportForm(FlaskForm):
    files = MultipleFileField(
        f"GPX, TCX or FIT files, or one zip of them ({MAX_UPLOAD_BYTES // 2**20} MB in all)",
        render_kw={
            "accept": ".gpx,.tcx,.fit,.zip",
            "multiple": True,
            "data-max-total": MAX_UPLOAD_BYTES,
        },
    )

    def uploads(self) -> list[tuple[str, bytes]]:
        """(filename, bytes) of each file chosen; the browser sends an empty one for none."""
        return [(f.filename, f.read()) for f in self.files.data or [] if f and f.filename]
