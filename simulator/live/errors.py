"""AWS failures, sorted into what a live run observed and what stopped it.

An error the identity pool or STS returns *about this login* (NotAuthorizedException for an
ambiguous Deny, InvalidIdentityPoolConfigurationException, AccessDenied from a trust policy …)
is an observed outcome, compared with the prediction. Anything else — throttling after retries,
expired or missing AWS credentials, wrong region, network — becomes an `AwsError` (exit 3).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import msgspec
from botocore import xform_name
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from simulator.errors import AwsError, UsageError
from simulator.live.redact import Redactor
from simulator.live.responses import MalformedResponseError, malformed, need

# Per operation: error codes that are the service's answer for this login (cognito-semantics §9).
OUTCOME_CODES: dict[str, frozenset[str]] = {
    "GetId": frozenset({"NotAuthorizedException", "ResourceConflictException"}),
    "GetCredentialsForIdentity": frozenset(
        {
            "NotAuthorizedException",
            "InvalidIdentityPoolConfigurationException",
            "ResourceConflictException",
        }
    ),
    "GetOpenIdToken": frozenset(
        {"NotAuthorizedException", "InvalidParameterException", "ResourceConflictException"}
    ),
    "AssumeRoleWithWebIdentity": frozenset(
        {
            "AccessDenied",
            "IDPRejectedClaim",
            "InvalidIdentityToken",
            "PackedPolicyTooLarge",
            "MalformedPolicyDocument",
            "RegionDisabledException",
        }
    ),
}

_THROTTLING = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
_EXPIRED_CREDENTIALS = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
_BAD_CREDENTIALS = frozenset(
    {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"}
)
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
# What botocore's parsers raise on an answer they cannot read (a number where the model says
# integer text, a nesting too deep to decode, …): the endpoint's fault, not rolesim's.
_PARSER_FAILURES = (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError)


class ObservedError(msgspec.Struct, frozen=True):
    """An AWS error that is the outcome of the flow: compared with the predicted `error`."""

    code: str
    message: str
    operation: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "operation": self.operation}


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "Unknown")


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message") or "")


def observed_error(exc: ClientError, operation: str, redactor: Redactor) -> ObservedError | None:
    """The outcome this error stands for, or None when it is not about the login."""
    code, message = error_code(exc), error_message(exc)
    if code not in OUTCOME_CODES.get(operation, frozenset()):
        return None
    if code == "NotAuthorizedException" and "expired" in message.lower():
        # The login token expired in flight (clock skew): not the pool's decision.
        return None
    return ObservedError(code, redactor.scrub(message), operation)


def aws_error(
    exc: Exception, *, operation: str, region: str | None, redactor: Redactor
) -> AwsError:
    """A clear, secret-free AwsError for a failure that stopped the live run."""
    where = f"{operation} in {region}" if region else operation
    if isinstance(exc, ClientError):
        code, message = error_code(exc), redactor.scrub(error_message(exc))
        retries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts")
        if code in _THROTTLING:
            text = f"{where}: AWS throttled the request and retries ran out"
            if retries is not None:
                text += f" ({retries} retries)"
            return AwsError(text + "; try again later or lower the request rate", code=code)
        if code in _EXPIRED_CREDENTIALS:
            return AwsError(
                f"{where}: your AWS credentials have expired; refresh them (for example "
                "`aws sso login` or new temporary keys) and run again",
                code=code,
            )
        if code in _BAD_CREDENTIALS:
            return AwsError(
                f"{where}: AWS did not accept your credentials ({message}); check the profile, "
                "and that the region is enabled for your account",
                code=code,
            )
        if code in _DENIED:
            return AwsError(
                f"{where}: access denied ({message}); the caller needs permission for this call "
                "(see the README's list of permissions)",
                code=code,
            )
        if code == "ResourceNotFoundException":
            return AwsError(
                f"{where}: not found ({message}); check the identity pool id, account and region",
                code=code,
            )
        if code == "NotAuthorizedException" and "expired" in message.lower():
            return AwsError(
                f"{where}: the login token expired ({message}); sign in again for a fresh token",
                code=code,
            )
        return AwsError(f"{where}: {message or 'request failed'}", code=code)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return AwsError(
            f"{where}: no usable AWS credentials; set --profile, AWS_PROFILE or AWS_ACCESS_KEY_ID",
            code="NoCredentials",
        )
    if isinstance(exc, (SSOTokenLoadError, UnauthorizedSSOTokenError, TokenRetrievalError)):
        return AwsError(
            f"{where}: the SSO session has expired or is missing; run `aws sso login`",
            code="ExpiredToken",
        )
    if isinstance(exc, NoRegionError):
        return AwsError(f"{operation}: no AWS region; pass --region", code="NoRegion")
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)):
        return AwsError(f"{where}: timed out talking to AWS ({exc})", code="Timeout")
    if isinstance(exc, EndpointConnectionError):
        return AwsError(
            f"{where}: cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')}; check the "
            "region name, --endpoint-url and the network",
            code="EndpointConnectionError",
        )
    if isinstance(exc, MalformedResponseError):
        # The problem names fields and JSON types, never their values.
        return malformed(where, str(exc.kwargs.get("problem", exc)))
    if isinstance(exc, BotoCoreError):
        return AwsError(f"{where}: {redactor.scrub(str(exc))}")
    raise TypeError(f"not an AWS error: {type(exc).__name__}")


@contextlib.contextmanager
def _failures_typed(operation: str, region: str | None, redactor: Redactor) -> Iterator[None]:
    """A ClientError is left to the caller, who knows which codes are outcomes. Every other way
    a call can fail is raised typed: parameters botocore refuses (they come from the user's
    files and options) as UsageError, the rest as AwsError."""
    try:
        yield
    except ClientError:
        raise
    except ParamValidationError as exc:
        raise UsageError(f"{operation}: {redactor.scrub(str(exc))}") from None
    except BotoCoreError as exc:
        raise aws_error(exc, operation=operation, region=region, redactor=redactor) from None
    except _PARSER_FAILURES as exc:
        where = f"{operation} in {region}" if region else operation
        raise malformed(where, f"botocore cannot parse it ({type(exc).__name__})") from None


def _method(operation: str) -> str:
    # `iam:GetRole` names the service for messages; the client method is get_role.
    return str(xform_name(operation.rpartition(":")[2]))


def call(
    client: Any, operation: str, *, region: str | None, redactor: Redactor, **params: Any
) -> dict[str, Any]:
    """Call one operation (`GetId`, or `iam:GetRole` to name the service in messages)."""
    with _failures_typed(operation, region, redactor):
        response: dict[str, Any] = getattr(client, _method(operation))(**params)
    response.pop("ResponseMetadata", None)
    return response


def pages(
    client: Any, operation: str, key: str, *, region: str | None, redactor: Redactor, **params: Any
) -> list[Any]:
    """Every item under `key` across the pages of a paginated operation."""
    with _failures_typed(operation, region, redactor):
        return [
            item
            for page in client.get_paginator(_method(operation)).paginate(**params)
            for item in need(page, key, operation=operation)
        ]
