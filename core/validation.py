"""Validation messages that are English text everywhere and translated only when shown on a page.

Tenant files and the CLI speak English ('irth.toml: review.body: Must be one of: …'); the settings
forms show the same message on the field in the visitor's language. `N_` marks the message for
extraction (it is one of Babel's default keywords) and keeps its parameters for later.
"""
from flask import has_request_context
from flask_babel import gettext


class Problem(str):
    """A message: its English text as a str, with the msgid and parameters kept for translation."""

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params):
        problem = super().__new__(cls, msgid.format(**params) if params else msgid)
        problem.msgid = msgid
        problem.params = params
        return problem

    def format(self, *args, **params):  # marshmallow formats messages; keep them translatable
        return Problem(self.msgid, **{**self.params, **params})

    def translated(self) -> str:
        """The message in the current request's language (English outside a request)."""
        if not has_request_context():
            return str.__str__(self)
        return gettext(self.msgid).format(**self.params)


def N_(msgid: str, **params) -> Problem:  # noqa: N802 - the conventional gettext marker
    return Problem(msgid, **params)


def translate(message) -> str:
    """Any validation message in the visitor's language."""
    if isinstance(message, Problem):
        return message.translated()
    return str(message)
