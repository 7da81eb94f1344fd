"""moto's real HTTP server on 127.0.0.1 with the test-bed extensions installed."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
import moto.cognitoidentity.urls
import moto.sts.urls
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer

from tests.testbed.cognito_identity import IdentityPoolExtension
from tests.testbed.outcomes import OutcomeLedger
from tests.testbed.user_pools import user_pool_extensions

REGION = "us-east-1"
# Dummy credentials for the test bed's own set-up calls; the test bed accepts any.
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass
class Testbed:
    __test__ = False  # not a test class, despite the name

    endpoint_url: str
    ledger: OutcomeLedger
    extension: IdentityPoolExtension
    region: str = REGION
    account_id: str = DEFAULT_ACCOUNT_ID

    def client(self, service: str) -> Any:
        return boto3.client(
            service, region_name=self.region, endpoint_url=self.endpoint_url, **DUMMY_CREDENTIALS
        )

    def environment(self) -> dict[str, str]:
        """Environment for a command run against the test bed (no real profile is read)."""
        return {
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": self.region,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }

    # -- scenario helpers: they call the emulated AWS APIs, like a user's own set-up would ------

    def create_role(
        self,
        name: str,
        *,
        path: str = "/",
        trust: dict[str, Any] | None = None,
        inline: dict[str, dict[str, Any]] | None = None,
        managed: dict[str, dict[str, Any]] | None = None,
        boundary: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        iam = self.client("iam")
        kwargs: dict[str, Any] = {}
        if boundary is not None:
            kwargs["PermissionsBoundary"] = self.create_policy(f"{name}-boundary", boundary)
        if tags:
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        arn: str = iam.create_role(
            RoleName=name,
            Path=path,
            AssumeRolePolicyDocument=json.dumps(trust or cognito_trust("*", "authenticated")),
            **kwargs,
        )["Role"]["Arn"]
        for policy_name, document in (inline or {}).items():
            iam.put_role_policy(
                RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
            )
        for policy_name, document in (managed or {}).items():
            iam.attach_role_policy(
                RoleName=name, PolicyArn=self.create_policy(policy_name, document)
            )
        return arn

    def create_policy(self, name: str, document: dict[str, Any]) -> str:
        arn: str = self.client("iam").create_policy(
            PolicyName=name, PolicyDocument=json.dumps(document)
        )["Policy"]["Arn"]
        return arn

    def create_user_pool(self, name: str, custom_attributes: tuple[str, ...] = ()) -> UserPool:
        idp = self.client("cognito-idp")
        pool = idp.create_user_pool(
            PoolName=name,
            Schema=[
                {"Name": attr, "AttributeDataType": "String", "Mutable": True}
                for attr in custom_attributes
            ],
        )["UserPool"]
        return UserPool(self, pool["Id"])

    def create_identity_pool(
        self,
        name: str,
        *,
        user_pool: UserPool | None = None,
        client_id: str | None = None,
        allow_guests: bool = False,
        allow_classic_flow: bool = False,
        roles: dict[str, str] | None = None,
        role_mappings: dict[str, Any] | None = None,
    ) -> str:
        ci = self.client("cognito-identity")
        providers = (
            [
                {
                    "ProviderName": user_pool.provider_name,
                    "ClientId": client_id,
                    "ServerSideTokenCheck": False,
                }
            ]
            if user_pool is not None and client_id is not None
            else []
        )
        pool_id: str = ci.create_identity_pool(
            IdentityPoolName=name,
            AllowUnauthenticatedIdentities=allow_guests,
            AllowClassicFlow=allow_classic_flow,
            CognitoIdentityProviders=providers,
        )["IdentityPoolId"]
        if roles is not None:
            kwargs: dict[str, Any] = {"RoleMappings": role_mappings} if role_mappings else {}
            ci.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, **kwargs)
        return pool_id


@dataclass
class UserPool:
    testbed: Testbed
    id: str

    @property
    def provider_name(self) -> str:
        return f"cognito-idp.{self.testbed.region}.amazonaws.com/{self.id}"

    def create_client(
        self, name: str = "app", *, password_auth: bool = True, secret: bool = False
    ) -> tuple[str, str | None]:
        """Returns (client id, client secret or None)."""
        flows = (
            ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
            if password_auth
            else [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ]
        )
        client = self.testbed.client("cognito-idp").create_user_pool_client(
            UserPoolId=self.id, ClientName=name, ExplicitAuthFlows=flows, GenerateSecret=secret
        )["UserPoolClient"]
        return client["ClientId"], client.get("ClientSecret")

    def create_group(
        self, name: str, role_arn: str | None = None, precedence: int | None = None
    ) -> None:
        kwargs: dict[str, Any] = {}
        if role_arn is not None:
            kwargs["RoleArn"] = role_arn
        if precedence is not None:
            kwargs["Precedence"] = precedence
        self.testbed.client("cognito-idp").create_group(
            UserPoolId=self.id, GroupName=name, **kwargs
        )

    def create_user(
        self,
        username: str,
        password: str,
        *,
        groups: tuple[str, ...] = (),
        attributes: dict[str, str] | None = None,
    ) -> None:
        idp = self.testbed.client("cognito-idp")
        idp.admin_create_user(
            UserPoolId=self.id,
            Username=username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in (attributes or {}).items()],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=self.id, Username=username, Password=password, Permanent=True
        )
        for group in groups:
            idp.admin_add_user_to_group(UserPoolId=self.id, Username=username, GroupName=group)

    def id_token(self, client_id: str, username: str, password: str) -> str:
        result = self.testbed.client("cognito-idp").initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        token: str = result["AuthenticationResult"]["IdToken"]
        return token

    def subject(self, username: str) -> str:
        attributes = self.testbed.client("cognito-idp").admin_get_user(
            UserPoolId=self.id, Username=username
        )["UserAttributes"]
        return next(a["Value"] for a in attributes if a["Name"] == "sub")


def cognito_trust(pool_id: str, amr: str) -> dict[str, Any]:
    """The standard identity-pool trust policy (cognito-semantics §5)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                },
            }
        ],
    }


@contextlib.contextmanager
def running_testbed() -> Iterator[Testbed]:
    """Start moto's threaded server on a free port with the extensions routed in."""
    ledger = OutcomeLedger()
    extension = IdentityPoolExtension(ledger, DEFAULT_ACCOUNT_ID)
    identity_response, sts_response = extension.response_classes()
    # moto builds each service's app from its urls.py on the first request to a new server,
    # so swapping the handler there routes the server to the subclasses.
    with (
        mock.patch.dict(moto.cognitoidentity.urls.url_paths, {"{0}/$": identity_response.dispatch}),
        mock.patch.dict(moto.sts.urls.url_paths, {"{0}/$": sts_response.dispatch}),
        user_pool_extensions(),
    ):
        # The server's access log would only repeat every request on stderr.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield Testbed(f"http://{host}:{port}", ledger, extension)
        finally:
            server.stop()
