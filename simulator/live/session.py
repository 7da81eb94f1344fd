"""boto3 sessions and clients for live commands: the one place that builds them.

Every client comes from an entered `AwsClients`, and entering it is what turns on the logging
guard (simulator.live.redact): a live command cannot make an AWS call with secrets unguarded.
Clients also retry with back-off, time out, and check the type of every JSON response field
against the service model (simulator.live.responses).
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import os
import re
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import boto3
import botocore.loaders
import botocore.session
import msgspec
from botocore.config import Config
from botocore.exceptions import BotoCoreError, InvalidRegionError, ProfileNotFound
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url, validate_region_name

from simulator.errors import AwsError, UsageError
from simulator.live.redact import Redactor, guarded_logging
from simulator.live.responses import check_json_body

RetryMode = Literal["standard", "adaptive"]
INSECURE_HTTP_OPTION = "--allow-insecure-http"


class AwsSettings(msgspec.Struct, frozen=True):
    """Where and how to call AWS. `region=None` means: the profile's region, else the pool's.

    Checked when made: a malformed region or endpoint is bad input (exit 2), never a botocore
    ValueError later. A plain-http endpoint on another host would carry tokens, passwords and
    signed requests in clear, so it is refused unless `allow_insecure_http`.
    """

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    retry_mode: RetryMode = "standard"
    max_attempts: int = 5  # in total, the first try included
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    allow_insecure_http: bool = False
    wire_log: bool = False  # let botocore's DEBUG wire log through (scrubbed)

    def __post_init__(self) -> None:
        if self.region is not None:
            check_region(self.region, "--region")
        if self.endpoint_url is not None:
            check_endpoint_url(self.endpoint_url)
            if self.insecure_endpoint and not self.allow_insecure_http:
                raise UsageError(
                    f"--endpoint-url {self.endpoint_url}: plain http to a host other than this "
                    "machine would send tokens, passwords and signed requests in clear; use "
                    f"https, or pass {INSECURE_HTTP_OPTION} if this network is trusted"
                )

    @property
    def insecure_endpoint(self) -> bool:
        """A plain-http endpoint on a host other than the loopback interface."""
        if self.endpoint_url is None:
            return False
        parts = urlsplit(self.endpoint_url)
        return parts.scheme.lower() == "http" and not is_loopback(parts.hostname or "")


def is_loopback(host: str) -> bool:
    # Names are not resolved: only `localhost` itself (RFC 6761) is known to stay on this machine.
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str) -> None:
    """The URL botocore would accept (its own checks), with an http or https scheme."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError as exc:
        raise UsageError(f"--endpoint-url {url!r} is not a URL: {exc}") from None
    valid = is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)
    if parts.scheme.lower() not in {"http", "https"} or not valid:
        raise UsageError(
            f"--endpoint-url {url!r} is not a URL botocore can call: give "
            "https://HOST[:PORT] (or http:// for an emulator on this machine)"
        )


def check_region(region: str, where: str) -> None:
    try:
        validate_region_name(region)
    except InvalidRegionError:
        raise UsageError(f"{where} {region!r} is not a region name (such as us-east-1)") from None


@functools.cache
def _pool_id_shape() -> tuple[re.Pattern[str], int]:
    # The service model's own IdentityPoolId pattern and length (botocore checks neither), read
    # by the loader alone: a session would read the profile first, and AWS_PROFILE may name none.
    model = botocore.loaders.create_loader().load_service_model("cognito-identity", "service-2")
    shape = model["shapes"]["IdentityPoolId"]
    return re.compile(shape["pattern"]), int(shape["max"])


def pool_region(identity_pool_id: str) -> str:
    """Identity pool ids start with their region (`us-east-1:…`)."""
    pattern, longest = _pool_id_shape()
    region, sep, rest = identity_pool_id.partition(":")
    well_formed = len(identity_pool_id) <= longest and pattern.fullmatch(identity_pool_id)
    if not sep or not region or not rest or not well_formed:
        shown = (
            identity_pool_id
            if len(identity_pool_id) <= longest
            else identity_pool_id[:longest] + "…"
        )
        raise UsageError(f"{shown!r} is not an identity pool id (REGION:GUID)")
    check_region(region, f"identity pool id {identity_pool_id!r}: region")
    return region


class AwsClients:
    """Makes botocore clients that share one session, retry policy, endpoint and redactor.

    Use it as a context manager: inside the `with` block every log record is scrubbed of the
    secrets the run sees (and of anything shaped like a credential); `client()` refuses to
    work outside it.
    """

    def __init__(
        self,
        settings: AwsSettings,
        *,
        session: boto3.Session | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.settings = settings
        self.redactor = redactor or Redactor()
        self._given_session = session
        self._session: boto3.Session | None = None
        self.config = Config(
            # total_max_attempts counts the first try too, unlike the older max_attempts key.
            retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        )
        self._guard: contextlib.ExitStack | None = None

    def __enter__(self) -> AwsClients:
        stack = contextlib.ExitStack()
        stack.enter_context(guarded_logging(self.redactor, wire_debug=self.settings.wire_log))
        self._guard = stack
        try:
            # Inside the guard: reading the profile is botocore's first step towards credentials.
            self._session = self._given_session or boto3.Session(profile_name=self.settings.profile)
        except ProfileNotFound as exc:
            self.__exit__(None, None, None)
            # Without --profile botocore takes the name from AWS_PROFILE: name the one it looked for.
            name = (
                self.settings.profile or exc.kwargs.get("profile") or os.environ.get("AWS_PROFILE")
            )
            given = "--profile" if self.settings.profile else "AWS_PROFILE"
            raise AwsError(
                f"AWS profile {name} (from {given}) not found; check {given} and the profiles "
                "in the AWS config and credentials files",
                code="ProfileNotFound",
            ) from exc
        return self

    @property
    def session(self) -> boto3.Session:
        if self._session is None:
            raise RuntimeError("AwsClients used outside `with AwsClients(...)`")
        return self._session

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        guard, self._guard = self._guard, None
        if guard is not None:
            guard.close()

    def region_for(self, identity_pool_id: str | None = None) -> str:
        """The region to call: --region, else the pool id's, else the profile's."""
        if self.settings.region:
            if identity_pool_id and pool_region(identity_pool_id) != self.settings.region:
                raise UsageError(
                    f"identity pool {identity_pool_id} lives in {pool_region(identity_pool_id)}, "
                    f"but the region given is {self.settings.region}; drop --region or fix it"
                )
            return self.settings.region
        if identity_pool_id:
            return pool_region(identity_pool_id)
        if self.session.region_name:
            return str(self.session.region_name)
        raise AwsError(
            "no AWS region: pass --region or set AWS_REGION / a profile region", code="NoRegion"
        )

    def client(self, service: str, region: str, **credentials: str) -> Any:
        """A client for `service`; `credentials` (temporary keys) replace the session's own."""
        if self._guard is None:
            raise RuntimeError("AwsClients.client() called outside `with AwsClients(...)`")
        check_region(region, "region")
        for secret in credentials.values():
            self.redactor.add(secret)
        try:
            if credentials:
                client = boto3.Session(region_name=region).client(
                    service,
                    endpoint_url=self.settings.endpoint_url,
                    config=self.config,
                    **credentials,
                )
            else:
                client = self.session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.settings.endpoint_url,
                    config=self.config,
                )
        except BotoCoreError as exc:
            raise AwsError(f"cannot create a {service} client for {region}: {exc}") from exc
        client.meta.events.register("after-call", check_json_body)
        return client
