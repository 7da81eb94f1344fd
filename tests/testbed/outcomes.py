"""Recorded outcomes: what AWS answered for one login, written down by a test.

The identity-pool extension hands out exactly these answers. They never come from rolesim's
predictor, so a verify test compares the predictor with an independent record.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoginKey:
    """Which login a recorded outcome is for: a provider and the token's `sub`, or a guest."""

    provider: str | None = None
    subject: str | None = None

    @classmethod
    def guest(cls) -> LoginKey:
        return cls()

    @property
    def authenticated(self) -> bool:
        return self.provider is not None

    def __str__(self) -> str:
        return f"{self.provider} sub={self.subject}" if self.provider else "guest"


@dataclass(frozen=True)
class Outcome:
    """One answer: credentials for `role_arn` with `principal_tags`, or the error `code`/`message`."""

    role_arn: str | None = None
    principal_tags: dict[str, str] = field(default_factory=dict)
    error_code: str | None = None
    error_message: str | None = None

    @classmethod
    def issued(cls, role_arn: str, principal_tags: dict[str, str] | None = None) -> Outcome:
        return cls(role_arn=role_arn, principal_tags=dict(principal_tags or {}))

    @classmethod
    def refused(
        cls, code: str, message: str, principal_tags: dict[str, str] | None = None
    ) -> Outcome:
        # Tags still appear in the OpenID token when the role choice is refused.
        return cls(
            error_code=code, error_message=message, principal_tags=dict(principal_tags or {})
        )


class UnrecordedLoginError(LookupError):
    """The backend was asked about a login no test recorded an answer for."""


@dataclass
class OutcomeLedger:
    """Per-test table: (pool, login, flow, requested role) -> Outcome.

    For pools a test cannot know in advance (those `rolesim probe` creates), a test records how
    AWS behaves instead (`behave`): which choice it takes on each open question. The test bed
    then answers those pools by the documented rules with the recorded choices (behaviour.py).
    """

    _entries: dict[tuple[str, LoginKey, str, str | None], Outcome] = field(default_factory=dict)
    behaviour: dict[str, str] = field(default_factory=dict)

    def behave(self, **choices: str) -> None:
        """`behave(array_claim_match="json-text")`: keyword names are the questions' names."""
        self.behaviour.update({k.replace("_", "-"): v for k, v in choices.items()})

    def record(
        self,
        pool_id: str,
        login: LoginKey,
        outcome: Outcome,
        *,
        flow: str = "enhanced",
        requested_role_arn: str | None = None,
    ) -> None:
        """`requested_role_arn` is CustomRoleArn (enhanced) or the role the app asks STS for (basic)."""
        self._entries[(pool_id, login, flow, requested_role_arn)] = outcome

    def lookup(
        self, pool_id: str, login: LoginKey, *, flow: str, requested_role_arn: str | None
    ) -> Outcome:
        try:
            return self._entries[(pool_id, login, flow, requested_role_arn)]
        except KeyError:
            raise UnrecordedLoginError(
                f"no recorded {flow} outcome for {login} in {pool_id}"
                + (f" with role {requested_role_arn}" if requested_role_arn else "")
            ) from None

    def tags_for(self, pool_id: str, login: LoginKey) -> dict[str, str]:
        """The tags an OpenID token carries: those of the enhanced-flow answer without CustomRoleArn."""
        return dict(
            self.lookup(pool_id, login, flow="enhanced", requested_role_arn=None).principal_tags
        )

    def clear(self) -> None:
        self._entries.clear()
        self.behaviour.clear()
