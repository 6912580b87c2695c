"""Errors a user can act on: the CLI prints the message on one line, no traceback."""


class ExtractError(ValueError):
    """The source cannot be parsed (empty, binary junk, truncated PDF, too large, no body)."""


class TimeLimit(BaseException):
    """The time allowed for one source ran out. Raised by the caller's timer (transforms has no
    clock). A BaseException on purpose: library code's `except Exception` cannot swallow it, so
    a parse always stops when the limit says."""
