"""WTForms filters shared by the forms."""


def strip(value):
    return value.strip() if isinstance(value, str) else value
