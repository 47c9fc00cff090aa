"""The one base class of every error a user can cause: the CLI prints it as one line, the server as a 4xx.
Any other exception is a bug, and is shown as one."""


class RagError(Exception):
    """A failure the user can act on; its message says what happened and, where there is one, the fix."""
