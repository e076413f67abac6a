"""Errors raised by service functions; views turn them into clear messages for people."""


class ServiceError(Exception):
    """A refused request; `message` is shown to the user as it is."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationFailed(ServiceError):
    """The input is not acceptable."""

    status = 400


class TransitionRefused(ServiceError):
    """The ticket lifecycle does not allow this action in the ticket's current state."""

    status = 409


class EditConflict(ServiceError):
    """Somebody else saved the ticket since this person loaded it."""

    status = 409


class NotAllowed(ServiceError):
    """The person's role does not allow this action on this ticket."""

    status = 403


class TooOften(ServiceError):
    """Asked for too often; the message says when to try again."""

    status = 429
