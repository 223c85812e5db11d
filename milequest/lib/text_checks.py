"""Checks on text other people will read: length and a profanity filter."""

from better_profanity import profanity

profanity.load_censor_words()


def text_problem(value: str, *, min_length: int = 0, max_length: int) -> str | None:
    """Why `value` cannot be used, or None when it is fine."""
    length = len(value.strip())
    if length < min_length:
        return f"Use at least {min_length} characters."
    if length > max_length:
        return f"Use at most {max_length} characters."
    if profanity.contains_profanity(value):
        return "Please choose words without profanity."
    return None
