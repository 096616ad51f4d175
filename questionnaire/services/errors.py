"""Domain errors: a refusal the user can read, raised by services and models."""


class DomainError(Exception):
    """A rule of the platform refused the action; the message is shown to the user."""


class NotAllowed(DomainError):
    """The action is not allowed in the object's current state."""
