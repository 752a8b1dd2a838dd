"""Domain errors of the staff workflow; views turn them into messages on the page."""


class WorkflowError(Exception):
    """Base: `message` is shown to the user (already in the UI language or lazy)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class FormErrors(WorkflowError):
    """Bad values: {field: message}; nothing was written."""

    def __init__(self, errors: dict):
        from flask_babel import lazy_gettext as _l

        super().__init__(_l("Check what you entered and try again."))
        self.errors = errors


class ConflictError(WorkflowError):
    """The record changed since the form was loaded; the save is refused."""


class IllegalTransition(WorkflowError):
    """The action is not possible in the record's state (or a guard failed)."""


class NotAllowed(WorkflowError):
    """The user's roles do not allow this action."""
