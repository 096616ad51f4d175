"""Domain errors for services; defined in questionnaire.errors so that models can raise them too."""

from questionnaire.errors import Conflict, DomainError, NotAllowed

__all__ = ["Conflict", "DomainError", "NotAllowed"]
