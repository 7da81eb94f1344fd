"""Live AWS: sessions with retries, the real identity-pool flows, verify, pull, redaction.

The only package that talks to AWS. Nothing here prints; secrets never leave it except as
redacted fingerprints (see `redact`).
"""

import logging

from simulator import logs

# A quiet library: the CLI decides what is shown (and its settings apply from here on).
logging.getLogger(__name__).addHandler(logging.NullHandler())
logs.ready()
