"""The one base of domain refusals: a rule said no, and says why.

Every module may raise these (services and the database-free helpers they use), so this one
imports nothing. A view catches `Refused`, rolls back, and shows the message.
"""


class Refused(Exception):
    """A rule refused what was asked; str() is the reason, for the walker (a few subclasses
    carry a reason code their page turns into words, or extra attributes such as `problems`).
    """
