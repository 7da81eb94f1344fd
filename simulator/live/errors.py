"""AWS failures, sorted into what a live run observed and what stopped it.

An error the identity pool or STS returns *about this login* (NotAuthorizedException for an
ambiguous Deny, InvalidIdentityPoolConfigurationException, AccessDenied from a trust policy …)
is an observed outcome, compared with the prediction. Anything else — throttling after retries,
expired or missing AWS credentials, wrong region, network — becomes an `AwsError` (exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from simulator.errors import AwsError
from simulator.live.redact import Redactor

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


@dataclass(frozen=True)
class ObservedError:
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
    if isinstance(exc, BotoCoreError):
        return AwsError(f"{where}: {redactor.scrub(str(exc))}")
    raise TypeError(f"not an AWS error: {type(exc).__name__}")
