"""User-pool sign-in for verify: USER_PASSWORD_AUTH, returning only the ID token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from botocore.exceptions import ClientError

from simulator.errors import UsageError
from simulator.live.errors import aws_error, call, error_code, error_message
from simulator.live.redact import Redactor
from simulator.live.responses import malformed, need_text


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """Base64(HMAC-SHA256(client secret, username + client id)), as the user pool expects."""
    digest = hmac.new(
        client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_in(
    idp: Any,
    *,
    client_id: str,
    username: str,
    password: str,
    redactor: Redactor,
    client_secret: str | None = None,
    region: str | None = None,
) -> str:
    """InitiateAuth with USER_PASSWORD_AUTH; returns the ID token (a secret: never print it)."""
    redactor.add(password)
    redactor.add(client_secret)
    parameters = {"USERNAME": username, "PASSWORD": password}
    if client_secret:
        parameters["SECRET_HASH"] = secret_hash(username, client_id, client_secret)
        redactor.add(parameters["SECRET_HASH"])
    try:
        response = call(
            idp,
            "InitiateAuth",
            region=region,
            redactor=redactor,
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters=parameters,
        )
    except ClientError as exc:
        code, message = error_code(exc), redactor.scrub(error_message(exc))
        if code == "InvalidParameterException" and "USER_PASSWORD_AUTH" in message:
            raise UsageError(
                f"app client {client_id} does not allow USER_PASSWORD_AUTH ({message}); enable "
                "ALLOW_USER_PASSWORD_AUTH on the client, or sign in elsewhere and pass --id-token"
            ) from None
        if code == "NotAuthorizedException" and "secret" in message.lower():
            raise UsageError(
                f"app client {client_id} has a client secret ({message}); set "
                "ROLESIM_CLIENT_SECRET so the SECRET_HASH can be computed"
            ) from None
        if code in {"NotAuthorizedException", "UserNotFoundException"}:
            raise UsageError(f"sign-in as {username!r} failed: {message}") from None
        if code == "UserNotConfirmedException":
            raise UsageError(f"user {username!r} is not confirmed: {message}") from None
        raise aws_error(exc, operation="InitiateAuth", region=region, redactor=redactor) from None
    result = response.get("AuthenticationResult")
    if not result:
        challenge = response.get("ChallengeName")
        if not challenge:
            raise malformed("InitiateAuth", "neither AuthenticationResult nor ChallengeName")
        raise UsageError(
            f"sign-in as {username!r} needs {challenge} first (for example a new password or "
            "MFA); complete it in the app, then pass the ID token with --id-token"
        )
    for key in ("IdToken", "AccessToken", "RefreshToken"):
        value = result.get(key)
        redactor.add(value if isinstance(value, str) else None)
    return need_text(result, "IdToken", operation="InitiateAuth")
