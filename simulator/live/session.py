"""boto3 sessions and clients for live commands: retries with back-off, timeouts, emulators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ProfileNotFound

from simulator.errors import AwsError, UsageError

RetryMode = Literal["standard", "adaptive"]


@dataclass(frozen=True)
class AwsSettings:
    """Where and how to call AWS. `region=None` means: the profile's region, else the pool's."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    retry_mode: RetryMode = "standard"
    max_attempts: int = 5  # in total, the first try included
    connect_timeout: float = 5.0
    read_timeout: float = 20.0


def pool_region(identity_pool_id: str) -> str:
    """Identity pool ids start with their region (`us-east-1:…`)."""
    region, sep, rest = identity_pool_id.partition(":")
    if not sep or not region or not rest:
        raise UsageError(f"{identity_pool_id!r} is not an identity pool id (REGION:GUID)")
    return region


class AwsClients:
    """Makes botocore clients that share one session, retry policy and endpoint."""

    def __init__(self, settings: AwsSettings, *, session: boto3.Session | None = None) -> None:
        self.settings = settings
        try:
            self.session = session or boto3.Session(profile_name=settings.profile)
        except ProfileNotFound as exc:
            raise AwsError(
                f"AWS profile {settings.profile!r} not found; check --profile or AWS_PROFILE",
                code="ProfileNotFound",
            ) from exc
        self.config = Config(
            # total_max_attempts counts the first try too, unlike the older max_attempts key.
            retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        )

    def region_for(self, identity_pool_id: str | None = None) -> str:
        """The region to call: --region, else the pool id's, else the profile's."""
        if self.settings.region:
            if identity_pool_id and pool_region(identity_pool_id) != self.settings.region:
                raise AwsError(
                    f"identity pool {identity_pool_id} lives in {pool_region(identity_pool_id)}, "
                    f"but the region given is {self.settings.region}; drop --region or fix it",
                    code="WrongRegion",
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
        try:
            if credentials:
                return boto3.Session(region_name=region).client(
                    service,
                    endpoint_url=self.settings.endpoint_url,
                    config=self.config,
                    **credentials,
                )
            return self.session.client(
                service,
                region_name=region,
                endpoint_url=self.settings.endpoint_url,
                config=self.config,
            )
        except BotoCoreError as exc:
            raise AwsError(f"cannot create a {service} client for {region}: {exc}") from exc
