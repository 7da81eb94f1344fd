"""Exit statuses (CONTRACT §8), documented in the README."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # done; a Deny outcome is a result, not an error
    FAILED = 1  # an expectation, invariant, diff gate or verification failed
    BAD_INPUT = 2  # bad input or usage
    AWS_ERROR = 3  # AWS or network error in a live command
    INTERNAL_ERROR = 70  # a bug in rolesim (sysexits.h EX_SOFTWARE): never a gate verdict
    OUTPUT_ERROR = 74  # the result could not be written: a full disk, a device error (EX_IOERR)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as a shell reports it)
    BROKEN_PIPE = 141  # stdout's reader went away (128 + SIGPIPE, as a shell reports it)
