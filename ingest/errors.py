"""Errors about the user's input. Their messages name the file, line and field; the CLI
prints them without a traceback and exits 2. Nothing is stored when one is raised."""


class InputError(ValueError):
    """Input that cannot be used as given."""
