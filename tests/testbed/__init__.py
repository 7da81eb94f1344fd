"""The live test bed: moto's HTTP server plus what moto lacks for identity pools."""

from tests.testbed.outcomes import LoginKey, Outcome, OutcomeLedger
from tests.testbed.server import Testbed, UserPool, cognito_trust, running_testbed

__all__ = [
    "LoginKey",
    "Outcome",
    "OutcomeLedger",
    "Testbed",
    "UserPool",
    "cognito_trust",
    "running_testbed",
]
