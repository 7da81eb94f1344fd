"""Exit statuses (CONTRACT §8), documented in the README."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # done; a Deny outcome is a result, not an error
    FAILED = 1  # an expectation, invariant, diff gate or verification failed
    BAD_INPUT = 2  # bad input or usage
    AWS_ERROR = 3  # AWS or network error in a live command
