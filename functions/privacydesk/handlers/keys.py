"""The verification signing key, for the functions that need nothing else of the case use cases."""

from privacydesk.config import get_settings
from privacydesk.integrations.secrets import signing_key


def verification_key() -> bytes:
    """The HMAC key for verification codes, links and status tokens (Secrets Manager, cached)."""
    return signing_key(get_settings().verification_secret or "")
