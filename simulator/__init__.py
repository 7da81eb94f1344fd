"""rolesim: predict and explain what an Amazon Cognito identity pool hands out for a token."""

import logging

__version__ = "0.1.0"

# A quiet library: the CLI decides what is shown.
logging.getLogger(__name__).addHandler(logging.NullHandler())
