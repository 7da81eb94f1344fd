"""How many users of a replayed population a diff's changes move, said the way a reviewer asks.

"this change sends 1,204 of 50,000 users from PoolEngineering to PoolAuth, and refuses 3": each
change is one kind of movement (a role for another, credentials refused, credentials granted,
other session tags, another error), counted over the corpus lines it moves, with a few users
named by `sub` as examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import msgspec

from simulator.analysis.outcomes import Outcome
from simulator.request import LoginRequest

Movement = Literal["moved", "refused", "granted", "tags", "error"]
MOVEMENTS: tuple[Movement, ...] = ("moved", "refused", "granted", "tags", "error")
EXAMPLES = 3  # users named per change
_SAID = 5  # changes the sentence names; the rest are counted


def movement(old: Outcome, new: Outcome) -> Movement:
    if old.role_arn is not None and new.role_arn is not None:
        return "moved" if old.role_arn != new.role_arn else "tags"
    if old.role_arn is not None:
        return "refused"
    if new.role_arn is not None:
        return "granted"
    return "error"


def who(request: LoginRequest, line: int) -> str:
    """A user as an example names them: the token's `sub` (hashed, in a `--only-read-claims`
    corpus), else the corpus line."""
    if request.claims is None:
        return f"guest (line {line})"
    sub = request.claims.get("sub")
    return sub if isinstance(sub, str) and sub else f"line {line}"


def _name(outcome: Outcome) -> str:
    if outcome.role_arn is not None:
        return outcome.role_arn.rsplit("/", 1)[-1]
    return outcome.error.code if outcome.error is not None else "an error"


class Moved(msgspec.Struct, frozen=True):
    """One change's share of the population."""

    movement: Movement
    users: int
    old: str  # the role's name or the error code, before
    new: str  # and after
    examples: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "movement": self.movement,
            "users": self.users,
            "from": self.old,
            "to": self.new,
            "examples": list(self.examples),
        }

    def phrase(self) -> tuple[str, str, str]:
        """(verb, count, the rest): the count is where the population's size goes first."""
        n = f"{self.users:,}"
        if self.movement == "moved":
            return "sends", n, f"from {self.old} to {self.new}"
        if self.movement == "refused":
            return "refuses", n, f"({self.old} before, {self.new} now)"
        if self.movement == "granted":
            return "gives", n, f"credentials for {self.new} ({self.old} before)"
        if self.movement == "tags":
            return "changes the session tags of", n, f"(on {self.new})"
        return "changes the error of", n, f"({self.old} to {self.new})"


def moved(old: Outcome, new: Outcome, users: int, examples: Sequence[str]) -> Moved:
    return Moved(movement(old, new), users, _name(old), _name(new), tuple(examples[:EXAMPLES]))


class PopulationSummary(msgspec.Struct, frozen=True):
    users: int  # corpus lines replayed
    changes: tuple[Moved, ...]  # one per change that moves at least one user

    @property
    def changed(self) -> int:
        return sum(m.users for m in self.changes)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(MOVEMENTS, 0)
        for m in self.changes:
            out[m.movement] += m.users
        return out

    def sentence(self) -> str:
        total = f"{self.users:,} user{'s' if self.users != 1 else ''}"
        parts = [m.phrase() for m in sorted(self.changes, key=lambda m: -m.users)]
        if not parts:
            return f"this change moves none of the {total}"
        (verb, n, rest), others = parts[0], parts[1:]
        text = f"this change {verb} {n} of {total} {rest}"
        said = [f"{v} {c} {r}" for v, c, r in others[: _SAID - 1]]
        left = sorted(self.changes, key=lambda m: -m.users)[_SAID:]
        if left:
            said.append(f"{len(left)} more change(s) move {sum(m.users for m in left):,}")
        if said:
            text += (
                ", " + ", ".join(said[:-1]) + (", " if len(said) > 1 else "") + "and " + said[-1]
            )
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "changed": self.changed,
            "unchanged": self.users - self.changed,
            **self.counts(),
            "summary": self.sentence(),
        }
