"""Length bounds the service itself sets on policy text and on a request, so that no input is slow.

- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("IAM and AWS STS
  character limits"): a managed policy holds at most 6,144 characters, a role's inline policies
  together 10,240 (the largest IAM policy quota; whitespace does not count), a trust policy 2,048
  (4,096 on request), a session policy 2,048. No string inside a policy can be longer than the policy.
- https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html (IAM's own
  simulator): an action name is 3-128 characters, a resource ARN 1-2048, a context key name 5-256.
  Context values are bounded like ARNs (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html:
  an ARN is at most 2048 characters, the longest value AWS puts in a request context).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MAX_POLICY_STRING: Final = 10_240
MAX_ACTION: Final = 128
MAX_RESOURCE: Final = 2_048
MAX_CONTEXT_KEY: Final = 256
MAX_CONTEXT_VALUE: Final = 2_048

POLICY_STRING_HINT: Final = (
    f"no IAM policy holds more than {MAX_POLICY_STRING:,} characters (IAM quotas, character limits)"
)


def request_problem(
    action: str, resource: str, context: Mapping[str, str | tuple[str, ...]]
) -> str | None:
    """Why a request is longer than AWS accepts, or None. `context` maps keys to str or tuple."""
    if len(action) > MAX_ACTION:
        return (
            f"the action is {len(action):,} characters; AWS action names have at most {MAX_ACTION}"
        )
    if len(resource) > MAX_RESOURCE:
        return f"the resource is {len(resource):,} characters; an ARN has at most {MAX_RESOURCE:,}"
    for key, value in context.items():
        if len(key) > MAX_CONTEXT_KEY:
            return f"a context key is {len(key):,} characters; key names have at most {MAX_CONTEXT_KEY}"
        values = (value,) if isinstance(value, str) else value
        for item in values:
            if len(item) > MAX_CONTEXT_VALUE:
                return (
                    f"the value of context key {key} is {len(item):,} characters; "
                    f"AWS sets none longer than {MAX_CONTEXT_VALUE:,} (an ARN)"
                )
    return None
