"""Errors a user can act on: the CLI prints the message on one line, no traceback."""


class ExtractError(ValueError):
    """The source cannot be parsed (empty, binary junk, truncated PDF, too large, no body)."""
