"""Domain errors: a refusal the user can read, raised by models and services alike."""


class DomainError(Exception):
    """A rule of the platform refused the action; the message is shown to the user."""


class NotAllowed(DomainError):
    """The action is not allowed in the object's current state."""


class Conflict(DomainError):
    """Someone else changed the object since the user loaded it."""
