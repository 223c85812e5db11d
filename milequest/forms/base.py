"""The base of every HTML form: what a form reads, and characters no field may hold.

A browser sends text for text fields and files for file fields. A script may send a file, or a
JSON body, where text is expected: a form without a file field reads the posted fields only
(a file in a text field is a missing value), and no HTML form reads JSON (the API validates its
own bodies). NUL cannot be stored by PostgreSQL, and the other C0 control characters (but tab
and line breaks) and U+FFFE/U+FFFF cannot be written in XML (GPX exports): a field holding one
is refused with a message that names it. A password is only ever hashed: it may hold any.
"""

import re

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms.fields import FileField, PasswordField

UNUSABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def unusable_character(value: str) -> str | None:
    """The message for a value holding a character no field may hold, or None."""
    found = UNUSABLE.search(value)
    if found is None:
        return None
    return (
        f"Remove the invisible control character (U+{ord(found.group()):04X}) from this "
        "field: it cannot be stored."
    )


def searchable(typed: str) -> str:
    """A search box's text without the characters no query can hold (nothing is stored)."""
    return UNUSABLE.sub("", typed)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is None or wrapped is formdata:
                return wrapped  # not submitted, or formdata given by the view
            takes_files = any(isinstance(field, FileField) for field in form)
            if isinstance(wrapped, CombinedMultiDict) and not takes_files:
                return request.form or None
            if request.is_json and not request.form and not request.files:
                return None  # a JSON body: not an HTML form's submission
            return wrapped

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, PasswordField):
                continue
            texts = [v for v in field.raw_data or () if isinstance(v, str)]
            problem = next(filter(None, map(unusable_character, texts)), None)
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        return valid
