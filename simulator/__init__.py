"""rolesim: predict and explain what an Amazon Cognito identity pool hands out for a token."""

__version__ = "0.1.0"
