"""Error mapping with botocore's Stubber: what is an observed outcome, what is an AwsError."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from simulator.errors import AwsError, UsageError
from simulator.live.flows import FlowRequest, run_flow
from simulator.live.pull import pull_pool
from simulator.live.redact import Redactor
from simulator.live.session import AwsClients, AwsSettings, pool_region
from simulator.live.signin import secret_hash, sign_in

POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA"
IDENTITY = "us-east-1:99999999-8888-7777-6666-555555555555"


class StubbedClients(AwsClients):
    """AwsClients whose clients are pre-built and stubbed, one per service."""

    def __init__(self, settings: AwsSettings | None = None) -> None:
        session = boto3.Session(
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1"
        )
        super().__init__(settings or AwsSettings(), session=session)
        self.stub_session = session
        self.stubs: dict[str, Stubber] = {}
        self.clients: dict[str, Any] = {}

    def stub(self, service: str) -> Stubber:
        client = self.stub_session.client(service, region_name="us-east-1")
        self.clients[service] = client
        self.stubs[service] = Stubber(client)
        self.stubs[service].activate()
        return self.stubs[service]

    def client(self, service: str, region: str, **credentials: str) -> Any:
        return self.clients[service]


def enhanced(clients: AwsClients) -> Any:
    request = FlowRequest(POOL, logins={PROVIDER: TOKEN})
    return run_flow(clients, request)


def test_ambiguous_deny_is_an_observed_outcome_not_an_error() -> None:
    clients = StubbedClients()
    ci = clients.stub("cognito-identity")
    ci.add_response("get_id", {"IdentityId": IDENTITY})
    message = f"The ambiguous role mapping rules for: {PROVIDER} denied this request."
    ci.add_client_error("get_credentials_for_identity", "NotAuthorizedException", message)
    ci.add_client_error(
        "get_open_id_token",
        "InvalidParameterException",
        "Basic (classic) flow is not enabled, please use enhanced flow.",
    )
    observation = enhanced(clients)
    assert observation.error is not None
    assert (observation.error.code, observation.error.message) == (
        "NotAuthorizedException",
        message,
    )
    assert observation.role_arn is None
    assert observation.principal_tags is None
    assert "cannot be observed" in observation.notes[0]


def test_invalid_pool_configuration_is_an_observed_outcome() -> None:
    clients = StubbedClients()
    ci = clients.stub("cognito-identity")
    ci.add_response("get_id", {"IdentityId": IDENTITY})
    ci.add_client_error(
        "get_credentials_for_identity",
        "InvalidIdentityPoolConfigurationException",
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )
    ci.add_client_error("get_open_id_token", "InvalidParameterException", "off")
    assert enhanced(clients).error.code == "InvalidIdentityPoolConfigurationException"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("code", "status", "expect"),
    [
        ("TooManyRequestsException", 400, "throttled"),
        ("ResourceNotFoundException", 400, "check the identity pool id"),
        ("InternalErrorException", 500, "InternalErrorException"),
    ],
)
def test_service_failures_on_get_id_are_aws_errors(code: str, status: int, expect: str) -> None:
    clients = StubbedClients()
    clients.stub("cognito-identity").add_client_error(
        "get_id", code, "boom", http_status_code=status
    )
    with pytest.raises(AwsError) as caught:
        enhanced(clients)
    assert caught.value.code == code
    assert expect in str(caught.value)


def test_an_expired_login_token_is_an_aws_error_with_advice() -> None:
    clients = StubbedClients()
    clients.stub("cognito-identity").add_client_error(
        "get_id", "NotAuthorizedException", "Invalid login token. Token expired: 1 >= 2"
    )
    with pytest.raises(AwsError, match="sign in again"):
        enhanced(clients)


def test_expired_aws_credentials_are_explained() -> None:
    clients = StubbedClients()
    clients.stub("cognito-identity").add_client_error(
        "describe_identity_pool", "ExpiredTokenException", "The security token included has expired"
    )
    with pytest.raises(AwsError, match="credentials have expired") as caught:
        pull_pool(clients, POOL)
    assert caught.value.code == "ExpiredTokenException"


def test_access_denied_on_pull_names_the_permission_problem() -> None:
    clients = StubbedClients()
    ci = clients.stub("cognito-identity")
    ci.add_client_error("describe_identity_pool", "AccessDeniedException", "not authorized")
    with pytest.raises(AwsError, match="needs permission"):
        pull_pool(clients, POOL)


def test_trust_refusal_in_the_basic_flow_is_observed() -> None:
    clients = StubbedClients()
    ci = clients.stub("cognito-identity")
    ci.add_response("get_id", {"IdentityId": IDENTITY})
    ci.add_response("get_open_id_token", {"IdentityId": IDENTITY, "Token": TOKEN})
    clients.stub("sts").add_client_error(
        "assume_role_with_web_identity",
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        http_status_code=403,
    )
    request = FlowRequest(
        POOL, flow="basic", logins={PROVIDER: TOKEN},
        basic_role_arn="arn:aws:iam::111122223333:role/App",
    )  # fmt: skip
    observation = run_flow(clients, request)
    assert observation.error is not None
    assert observation.error.code == "AccessDenied"
    assert observation.error.operation == "AssumeRoleWithWebIdentity"


def test_wrong_region_is_refused_before_any_call() -> None:
    clients = StubbedClients(AwsSettings(region="eu-west-1"))
    # Options that contradict the pool id: bad usage (exit 2), found before any call.
    with pytest.raises(UsageError, match="lives in us-east-1"):
        enhanced(clients)


@pytest.mark.parametrize(
    "pool_id", ["us-east-1:", ":1111", "us-east-1:XYZ", "us-east-1:" + "1" * 60, "bad region:11"]
)
def test_a_malformed_identity_pool_id_is_bad_input(pool_id: str) -> None:
    with pytest.raises(UsageError, match="identity pool id"):
        pool_region(pool_id)


def test_missing_credentials_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    clients = AwsClients(AwsSettings(endpoint_url="http://127.0.0.1:9"))
    with clients, pytest.raises(AwsError, match="no usable AWS credentials"):
        pull_pool(clients, POOL)


def test_an_unreachable_endpoint_is_a_network_error() -> None:
    settings = AwsSettings(endpoint_url="http://127.0.0.1:9", max_attempts=1, connect_timeout=1)
    session = boto3.Session(
        aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1"
    )
    clients = AwsClients(settings, session=session)
    with clients, pytest.raises(AwsError, match="cannot reach") as caught:
        pull_pool(clients, POOL)
    assert caught.value.code == "EndpointConnectionError"


def test_clients_use_the_requested_retry_mode_and_timeouts() -> None:
    clients = AwsClients(
        AwsSettings(retry_mode="adaptive", max_attempts=7, connect_timeout=2, read_timeout=9),
        session=boto3.Session(region_name="us-east-1"),
    )
    with clients:
        config: Config = clients.client("sts", "us-east-1").meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert (config.connect_timeout, config.read_timeout) == (2, 9)


def test_sign_in_explains_a_client_without_password_auth() -> None:
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    stub = Stubber(idp)
    stub.add_client_error(
        "initiate_auth",
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )
    with stub, pytest.raises(UsageError, match="ALLOW_USER_PASSWORD_AUTH"):
        sign_in(idp, client_id="abc", username="u", password="pw-secret", redactor=Redactor())


def test_sign_in_sends_the_secret_hash_for_a_client_with_a_secret() -> None:
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    stub = Stubber(idp)
    expected = {
        "ClientId": "client1",
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {
            "USERNAME": "alice",
            "PASSWORD": "pw-secret",
            "SECRET_HASH": secret_hash("alice", "client1", "s3cr3t"),
        },
    }
    stub.add_response("initiate_auth", {"AuthenticationResult": {"IdToken": TOKEN}}, expected)
    with stub:
        token = sign_in(
            idp, client_id="client1", username="alice", password="pw-secret",
            client_secret="s3cr3t", redactor=Redactor(),
        )  # fmt: skip
    assert token == TOKEN


def test_secret_hash_is_what_the_user_pool_checks() -> None:
    from moto.cognitoidp.utils import check_secret_hash

    assert check_secret_hash(
        "s3cr3t", "client1", "alice", secret_hash("alice", "client1", "s3cr3t")
    )
    assert not check_secret_hash(
        "s3cr3t", "client1", "bob", secret_hash("alice", "client1", "s3cr3t")
    )
