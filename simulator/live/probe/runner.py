"""Running the experiments: set up throwaway resources, run the real flows, read, tear down.

One user pool (with one app client) serves every experiment of a run; each experiment has its own
identity pool and its own roles, which trust only that pool and carry no permission at all. Every
resource is named `rolesim-probe-<run id>…` and tagged `rolesim-probe: <run id>`. Whatever was
created is deleted in `finally`, in reverse order; what could not be deleted is reported, and
`rolesim probe --cleanup RUN_ID` finds it again by name and tag.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Mapping
from typing import Any

import jwt
import msgspec
from botocore.exceptions import ClientError

from simulator.assumptions import Name, Observation
from simulator.errors import AwsError
from simulator.live.errors import aws_error, error_code, error_message
from simulator.live.flows import read_openid_token
from simulator.live.probe.api import (
    CLEANUP_OPERATIONS,
    ROLE_PATH,
    TAG_KEY,
    Api,
    Credentials,
    PlannedCall,
    least_privilege_policy,
)
from simulator.live.probe.experiments import (
    CUSTOM_ATTRIBUTE,
    DEFAULT_ROLE,
    ERROR_PERSISTS,
    NOT_PROBED,
    Answer,
    Experiment,
    Group,
    Login,
    Verdict,
)
from simulator.live.responses import need_text
from simulator.model.settled import Evidence, Inconclusive, Settled, SettledFile

# What the identity pool may answer about a login in these experiments: outcomes, not failures.
_ANSWER_CODES = frozenset(
    {
        "NotAuthorizedException",
        "InvalidParameterException",
        "InvalidIdentityPoolConfigurationException",
        "ResourceConflictException",
    }
)
# How SetIdentityPoolRoles may refuse a mapping over a limit: the answer, not a failure.
_MAPPING_REFUSALS = frozenset({"InvalidParameterException", "LimitExceededException"})
_BACKOFF = (2.0, 4.0, 8.0, 10.0)


def run_name(run_id: str) -> str:
    return f"rolesim-probe-{run_id}"


def new_run_id() -> str:
    return secrets.token_hex(4)


def new_password() -> str:
    """Meets the default user-pool policy (upper, lower, digit, symbol); never shown anywhere."""
    alphabet = string.ascii_letters + string.digits
    return "Aa1!" + "".join(secrets.choice(alphabet) for _ in range(28))


class Resource(msgspec.Struct, frozen=True):
    kind: str
    name: str
    detail: str = ""
    delete: tuple[str, Mapping[str, Any]] | None = None  # None: deleted with its parent

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "detail": self.detail,
            "deleted_by": self.delete[0] if self.delete else "its parent's deletion",
        }


class ExperimentResult(msgspec.Struct, frozen=True):
    name: Name
    question: str
    verdict: Verdict
    evidence: tuple[Evidence, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "assumption": str(self.name),
            "question": self.question,
            "observed": self.verdict.choice,
            "reason": self.verdict.reason,
            "evidence": [e.to_json() for e in self.evidence],
        }


class Teardown(msgspec.Struct, frozen=True):
    deleted: tuple[Resource, ...] = ()
    leftovers: tuple[tuple[Resource, str], ...] = ()  # the resource and why it stayed

    def summary(self, run_id: str) -> str:
        if not self.leftovers:
            kinds: dict[str, int] = {}
            for r in self.deleted:
                kinds[r.kind] = kinds.get(r.kind, 0) + 1
            what = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in kinds.items())
            return f"run {run_id}: everything it created was deleted ({what or 'nothing created'})"
        left = "; ".join(f"{r.kind} {r.name}: {why}" for r, why in self.leftovers)
        return (
            f"{len(self.leftovers)} resource(s) of run {run_id} could not be deleted ({left}); "
            f"delete them with `rolesim probe --cleanup {run_id} --yes`"
        )


class ProbeReport(msgspec.Struct, frozen=True):
    run_id: str
    region: str
    date: str
    results: tuple[ExperimentResult, ...]
    teardown: Teardown

    def settled(self) -> SettledFile:
        seen = Observation(self.region, self.date, self.run_id)
        return SettledFile(
            tuple(
                Settled(r.name, r.verdict.choice, seen, r.evidence)
                for r in self.results
                if r.verdict.choice is not None
            ),
            tuple(
                Inconclusive(r.name, r.verdict.reason, seen, r.evidence)
                for r in self.results
                if r.verdict.choice is None
            ),
            {str(n): why for n, why in NOT_PROBED.items()},
            self.run_id,
            self.region,
            self.date,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "region": self.region,
            "date": self.date,
            "results": [r.to_json() for r in self.results],
            "not_probed": {str(n): why for n, why in NOT_PROBED.items()},
            "deleted": len(self.teardown.deleted),
            "leftovers": [{**r.to_json(), "reason": why} for r, why in self.teardown.leftovers],
        }


class ProbePlan(msgspec.Struct, frozen=True):
    """What a run would create and call: the dry run's answer."""

    run_id: str
    region: str
    experiments: tuple[Experiment, ...]
    resources: tuple[Resource, ...]
    calls: tuple[PlannedCall, ...]

    def policy(self) -> dict[str, Any]:
        """What the run needs, and what `--cleanup` needs to find and delete its leftovers."""
        operations = [*(c.operation for c in self.calls), *CLEANUP_OPERATIONS]
        return least_privilege_policy(operations, region=self.region)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "region": self.region,
            "experiments": [
                {"assumption": str(e.name), "question": e.question, "set_up": e.pool.describe()}
                for e in self.experiments
            ],
            "not_probed": {str(n): why for n, why in NOT_PROBED.items()},
            "resources": [r.to_json() for r in self.resources],
            "calls": [c.to_json() for c in self.calls],
            "policy": self.policy(),
        }


class _Setup(msgspec.Struct):
    """One experiment's resources, as created."""

    pool_id: str
    roles: dict[str, str] = msgspec.field(default_factory=dict)  # label -> ARN
    tokens: dict[str, str] = msgspec.field(default_factory=dict)  # user -> ID token (a secret)
    evidence: list[Evidence] = msgspec.field(default_factory=list)
    answers: list[Answer] = msgspec.field(default_factory=list)  # answers of the set-up itself


class ProbeRun:
    """One run: `setup()`, `experiment()` for each, and `teardown()` in a `finally`."""

    def __init__(self, api: Api, run_id: str, *, password: str, propagation: float) -> None:
        self.api = api
        self.run_id = run_id
        self.prefix = run_name(run_id)
        self.password = password
        self.propagation = propagation
        self.created: list[Resource] = []
        self.user_pool_id = ""
        self.client_id = ""
        api.secret(password)

    # -- resources ---------------------------------------------------------------------------

    def _made(self, resource: Resource) -> None:
        self.created.append(resource)

    def _setup_call(self, operation: str, target: str, **params: Any) -> dict[str, Any]:
        """A set-up call: any AWS error stops the run (after teardown)."""
        try:
            return self.api.call(operation, target, **params)
        except ClientError as exc:
            raise self._failure(exc, operation) from None

    def _failure(self, exc: ClientError, operation: str) -> AwsError:
        return aws_error(
            exc, operation=operation, region=self.api.region, redactor=self.api.redactor
        )

    @property
    def provider(self) -> str:
        return f"cognito-idp.{self.api.region}.amazonaws.com/{self.user_pool_id}"

    def setup(self) -> None:
        """The run's user pool and its app client."""
        name = self.prefix
        pool = self._setup_call(
            "cognito-idp:CreateUserPool",
            name,
            PoolName=name,
            UserPoolTags={TAG_KEY: self.run_id},
            Schema=[{"Name": CUSTOM_ATTRIBUTE, "AttributeDataType": "String", "Mutable": True}],
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            DeletionProtection="INACTIVE",
        )
        self.user_pool_id = need_text(pool, "UserPool", "Id", operation="CreateUserPool")
        self._made(
            Resource(
                "user pool",
                name,
                f"custom attribute custom:{CUSTOM_ATTRIBUTE}; tag {TAG_KEY}={self.run_id}",
                ("cognito-idp:DeleteUserPool", {"UserPoolId": self.user_pool_id}),
            )
        )
        client = self._setup_call(
            "cognito-idp:CreateUserPoolClient",
            f"{name}/app",
            UserPoolId=self.user_pool_id,
            ClientName="app",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        self.client_id = need_text(
            client, "UserPoolClient", "ClientId", operation="CreateUserPoolClient"
        )
        self._made(Resource("app client", f"{name}/app", "USER_PASSWORD_AUTH, no secret"))

    def prepare(self, e: Experiment) -> _Setup:
        """The experiment's identity pool, roles, groups and users, and its mapping."""
        name = f"{self.prefix}-{e.code}"
        params: dict[str, Any] = {
            "IdentityPoolName": name,
            "AllowUnauthenticatedIdentities": False,
            "CognitoIdentityProviders": [
                {"ProviderName": self.provider, "ClientId": self.client_id,
                 "ServerSideTokenCheck": False}
            ],
            "IdentityPoolTags": {TAG_KEY: self.run_id},
        }  # fmt: skip
        if e.pool.classic_flow is not None:
            params["AllowClassicFlow"] = e.pool.classic_flow
        created = self._setup_call("cognito-identity:CreateIdentityPool", name, **params)
        pool_id = need_text(created, "IdentityPoolId", operation="CreateIdentityPool")
        self._made(
            Resource(
                "identity pool", name, e.pool.describe(),
                ("cognito-identity:DeleteIdentityPool", {"IdentityPoolId": pool_id}),
            )
        )  # fmt: skip
        setup = _Setup(pool_id)
        for label in e.all_roles:
            setup.roles[label] = self._role(e, label, pool_id)
        for group in e.groups:
            self._group(group, setup)
        for user in e.users:
            self._user(e, user.name, dict(user.attributes), user.groups)
        self._mapping(e, setup)
        if e.pool.classic_flow is None:
            described = self._setup_call(
                "cognito-identity:DescribeIdentityPool", name, IdentityPoolId=pool_id
            )
            flag = described.get("AllowClassicFlow")
            setup.evidence.append(Evidence(
                "DescribeIdentityPool", "a pool created without AllowClassicFlow",
                f"AllowClassicFlow is {json.dumps(flag) if flag is not None else 'absent'}",
            ))  # fmt: skip
        for user in e.users:
            setup.tokens[user.name] = self._sign_in(f"{e.code}-{user.name}")
        return setup

    def _role(self, e: Experiment, label: str, pool_id: str) -> str:
        name = f"{self.prefix}-{e.code}-{label}"
        trust = {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
                },
            }],
        }  # fmt: skip
        created = self._setup_call(
            "iam:CreateRole",
            name,
            RoleName=name,
            Path=ROLE_PATH,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description=f"rolesim probe {self.run_id}: trusts one identity pool, no permissions",
            MaxSessionDuration=3600,
            Tags=[{"Key": TAG_KEY, "Value": self.run_id}],
        )
        self._made(Resource(
            "IAM role", name, "trust policy only (the experiment's identity pool); no permissions",
            ("iam:DeleteRole", {"RoleName": name}),
        ))  # fmt: skip
        return need_text(created, "Role", "Arn", operation="iam:CreateRole")

    def _group(self, group: Group, setup: _Setup) -> None:
        params: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "GroupName": group.name,
        }
        detail = []
        if group.role is not None:
            params["RoleArn"] = setup.roles[group.role]
            detail.append(f"role {group.role}")
        if group.precedence is not None:
            params["Precedence"] = group.precedence
            detail.append(f"precedence {group.precedence}")
        self._setup_call("cognito-idp:CreateGroup", params["GroupName"], **params)
        self._made(Resource("group", params["GroupName"], ", ".join(detail) or "no role"))

    def _user(
        self, e: Experiment, name: str, attributes: dict[str, str], groups: tuple[str, ...]
    ) -> None:
        username = f"{e.code}-{name}"
        self._setup_call(
            "cognito-idp:AdminCreateUser",
            username,
            UserPoolId=self.user_pool_id,
            Username=username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
            MessageAction="SUPPRESS",
        )
        self._setup_call(
            "cognito-idp:AdminSetUserPassword",
            f"{username} (a generated password, never shown)",
            UserPoolId=self.user_pool_id,
            Username=username,
            Password=self.password,
            Permanent=True,
        )
        for group in groups:
            self._setup_call(
                "cognito-idp:AdminAddUserToGroup",
                f"{username} to {group}",
                UserPoolId=self.user_pool_id,
                Username=username,
                GroupName=group,
            )
        shown = ", ".join(
            [*(f"{k}={v}" for k, v in attributes.items()), *(f"group {g}" for g in groups)]
        )
        self._made(Resource("user", username, shown or "no attributes"))

    def _mapping(self, e: Experiment, setup: _Setup) -> None:
        key = f"{self.provider}:{self.client_id}"
        params: dict[str, Any] = {
            "IdentityPoolId": setup.pool_id,
            "Roles": {"authenticated": setup.roles[DEFAULT_ROLE]},
        }
        if e.pool.mapping is not None:
            mapping: dict[str, Any] = {"Type": e.pool.mapping,
                                       "AmbiguousRoleResolution": e.pool.ambiguous}  # fmt: skip
            if e.pool.mapping == "Rules":
                mapping["RulesConfiguration"] = {"Rules": [
                    {"Claim": r.claim, "MatchType": r.match_type, "Value": r.value,
                     "RoleARN": setup.roles[r.role]}
                    for r in e.pool.rules
                ]}  # fmt: skip
            params["RoleMappings"] = {key: mapping}
        target = f"{self.prefix}-{e.code}"
        if e.mapping_may_be_refused:
            # The control: one rule fewer must be accepted, or a refusal proves nothing.
            for rules in (len(e.pool.rules) - 1, len(e.pool.rules)):
                trial = _with_rules(params, key, rules)
                answer = self._mapping_answer(target, trial, rules)
                setup.answers.append(answer)
                setup.evidence.append(
                    Evidence(
                        "SetIdentityPoolRoles", f"{rules} rules for one provider", answer.describe()
                    )
                )
        else:
            self._setup_call("cognito-identity:SetIdentityPoolRoles", target, **params)
            setup.evidence.append(Evidence("SetIdentityPoolRoles", e.pool.describe(), "accepted"))
        if e.pool.tags is not None or e.pool.use_defaults:
            self._setup_call(
                "cognito-identity:SetPrincipalTagAttributeMap",
                target,
                IdentityPoolId=setup.pool_id,
                IdentityProviderName=self.provider,
                UseDefaults=e.pool.use_defaults,
                PrincipalTags=dict(e.pool.tags or {}),
            )
            shown = self._setup_call(
                "cognito-identity:GetPrincipalTagAttributeMap",
                target,
                IdentityPoolId=setup.pool_id,
                IdentityProviderName=self.provider,
            )
            setup.evidence.append(Evidence(
                "GetPrincipalTagAttributeMap", f"UseDefaults {e.pool.use_defaults}",
                f"PrincipalTags {json.dumps(shown.get('PrincipalTags') or {}, sort_keys=True)}, "
                f"UseDefaults {json.dumps(shown.get('UseDefaults'))}",
            ))  # fmt: skip

    def _mapping_answer(self, target: str, params: dict[str, Any], count: int) -> Answer:
        try:
            self.api.call("cognito-identity:SetIdentityPoolRoles", target, **params)
        except ClientError as exc:
            if error_code(exc) not in _MAPPING_REFUSALS:
                raise self._failure(exc, "cognito-identity:SetIdentityPoolRoles") from None
            return Answer(None, "SetIdentityPoolRoles", error_code=error_code(exc),
                          error_message=self.api.redactor.scrub(error_message(exc)))  # fmt: skip
        kept = self._setup_call(
            "cognito-identity:GetIdentityPoolRoles", target, IdentityPoolId=params["IdentityPoolId"]
        )
        mappings = kept.get("RoleMappings") or {}
        rules = [
            r
            for m in mappings.values()
            for r in (m.get("RulesConfiguration") or {}).get("Rules") or []
        ]
        kept_count = len(rules) if not self.api.planning else count
        return Answer(None, "SetIdentityPoolRoles", claims={"rules_kept": kept_count})

    def _sign_in(self, username: str) -> str:
        response = self._setup_call(
            "cognito-idp:InitiateAuth",
            f"{username} (USER_PASSWORD_AUTH)",
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": self.password},
        )
        result = response.get("AuthenticationResult") or {}
        for key in ("IdToken", "AccessToken", "RefreshToken"):
            value = result.get(key)
            self.api.secret(value if isinstance(value, str) else None)
        return need_text(response, "AuthenticationResult", "IdToken", operation="InitiateAuth")

    # -- the flows ---------------------------------------------------------------------------

    def experiment(self, e: Experiment, setup: _Setup) -> ExperimentResult:
        answers = list(setup.answers)
        evidence = list(setup.evidence)
        for login in e.logins:
            answer = self._login(e, setup, login)
            answers.append(answer)
            evidence.append(
                Evidence(answer.call, self._request_text(e, login, answer), answer.describe())
            )
        return ExperimentResult(e.name, e.question, e.read(answers), tuple(evidence))

    def _request_text(self, e: Experiment, login: Login, answer: Answer) -> str:
        text = f"user {e.code}-{login.user}"
        if answer.claims:
            text += f" whose ID token has {json.dumps(dict(answer.claims), sort_keys=True)}"
        if login.custom_role is not None:
            text += f", CustomRoleArn role {login.custom_role}"
        return text

    def _flow_call(self, operation: str, target: str, **params: Any) -> dict[str, Any] | Answer:
        """A call whose identity-pool error is the answer; other errors stop the run."""
        try:
            return self.api.call(operation, target, **params)
        except ClientError as exc:
            if error_code(exc) not in _ANSWER_CODES:
                raise self._failure(exc, operation) from None
            message = self.api.redactor.scrub(error_message(exc))
            return Answer(None, operation.partition(":")[2], error_code=error_code(exc),
                          error_message=message)  # fmt: skip

    def _login(self, e: Experiment, setup: _Setup, login: Login) -> Answer:
        token = setup.tokens[login.user]
        claims = _token_claims(token, e.read_claims)
        logins = {self.provider: token}
        target = f"{e.code}-{login.user} in {self.prefix}-{e.code}"
        got = self._flow_call(
            "cognito-identity:GetId", target, IdentityPoolId=setup.pool_id, Logins=logins
        )
        if isinstance(got, Answer):
            return Answer(login, "GetId", error_code=got.error_code,
                          error_message=got.error_message, claims=claims)  # fmt: skip
        identity = need_text(got, "IdentityId", operation="GetId")
        role: str | None = None
        calls = []
        if login.flow in ("credentials", "both"):
            issued = self._credentials(e, setup, login, identity, logins)
            calls.append("GetCredentialsForIdentity")
            if isinstance(issued, Answer):
                return Answer(login, ", ".join(calls), error_code=issued.error_code,
                              error_message=issued.error_message, claims=claims)  # fmt: skip
            role = issued
        tags = None
        if login.flow in ("openid", "both"):
            calls.append("GetOpenIdToken")
            token_answer = self._flow_call(
                "cognito-identity:GetOpenIdToken", target, IdentityId=identity, Logins=logins
            )
            if isinstance(token_answer, Answer):
                return Answer(login, ", ".join(calls), error_code=token_answer.error_code,
                              error_message=token_answer.error_message, claims=claims)  # fmt: skip
            openid = need_text(token_answer, "Token", operation="GetOpenIdToken")
            self.api.secret(openid)
            tags, _ = read_openid_token(openid) if not self.api.planning else ({}, ())
        if login.flow == "both":
            return Answer(login, ", ".join(calls), tags=tags, claims=claims, credentials_role=role)
        return Answer(login, ", ".join(calls), role=role, tags=tags, claims=claims)

    def _credentials(
        self, e: Experiment, setup: _Setup, login: Login, identity: str, logins: dict[str, str]
    ) -> str | Answer:
        """GetCredentialsForIdentity, then whose the credentials are; a brand-new role is given
        time to propagate (InvalidIdentityPoolConfigurationException is retried until the deadline)."""
        params: dict[str, Any] = {"IdentityId": identity, "Logins": logins}
        if login.custom_role is not None:
            params["CustomRoleArn"] = setup.roles[login.custom_role]
        deadline = self.api.clock() + self.propagation
        target = f"{e.code}-{login.user}" + (
            f" asking for {login.custom_role}" if login.custom_role else ""
        )
        attempt = 0
        while True:
            issued = self._flow_call("cognito-identity:GetCredentialsForIdentity", target, **params)
            if not isinstance(issued, Answer):
                return self._whose(e, issued)
            wait = _BACKOFF[min(attempt, len(_BACKOFF) - 1)]
            retry = login.retry and issued.error_code == ERROR_PERSISTS
            if not retry or self.api.clock() + wait > deadline:
                return issued
            self.api.sleep(wait)
            attempt += 1

    def _whose(self, e: Experiment, issued: dict[str, Any]) -> str:
        keys = [
            need_text(issued, "Credentials", k, operation="GetCredentialsForIdentity")
            for k in ("AccessKeyId", "SecretKey", "SessionToken")
        ]
        for key in keys:
            self.api.secret(key)
        caller = self._setup_call(
            "sts:GetCallerIdentity", "with the credentials just issued",
            credentials=Credentials(*keys),
        )  # fmt: skip
        arn = need_text(caller, "Arn", operation="GetCallerIdentity")
        name = arn.split("/")[1] if arn.count("/") >= 2 else arn
        return name.removeprefix(f"{self.prefix}-{e.code}-")

    # -- teardown ----------------------------------------------------------------------------

    def teardown(self) -> Teardown:
        return delete_resources(self.api, self.created)


def _with_rules(params: dict[str, Any], key: str, count: int) -> dict[str, Any]:
    """SetIdentityPoolRoles's parameters with the mapping's first `count` rules."""
    mapping = dict(params["RoleMappings"][key])
    rules = mapping["RulesConfiguration"]["Rules"][:count]
    mapping["RulesConfiguration"] = {"Rules": rules}
    return {**params, "RoleMappings": {key: mapping}}


def delete_resources(api: Api, resources: list[Resource]) -> Teardown:
    """Delete in reverse order of creation; a failure is noted and the rest still deleted."""
    deleted: list[Resource] = []
    leftovers: list[tuple[Resource, str]] = []
    for resource in reversed(resources):
        if resource.delete is None:
            continue
        operation, params = resource.delete
        try:
            api.call(operation, resource.name, **params)
        except ClientError as exc:
            code = error_code(exc)
            if code in {"ResourceNotFoundException", "NoSuchEntity"}:
                deleted.append(resource)  # already gone
                continue
            leftovers.append((resource, f"{code}: {api.redactor.scrub(error_message(exc))}"))
            continue
        except AwsError as exc:
            leftovers.append((resource, str(exc)))
            continue
        deleted.append(resource)
    return Teardown(tuple(deleted), tuple(leftovers))


def _token_claims(token: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The claims the case is about, from the user's own ID token (decoded, not verified: it came
    from the user pool over TLS a moment ago; only these claims are kept, never the token)."""
    if not names:
        return {}
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return {n: claims[n] for n in names if n in claims}
