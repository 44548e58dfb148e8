"""The two ways a report can fail, mapped to clvsim's exit codes."""

BAD_INPUT = 2
RUNTIME_FAILURE = 1


class BadInput(Exception):
    """The results file cannot be reported on (missing, not HDF5, unknown kind, missing data)."""


class Failure(Exception):
    """The report could not be written for a reason other than the input (a missing package)."""
