"""The HMAC keys (Secrets Manager, cached): verification's, and the consent ledger's, kept apart."""

from privacydesk.config import get_settings
from privacydesk.integrations.secrets import signing_key


def verification_key() -> bytes:
    """The HMAC key for verification codes, links and status tokens (Secrets Manager, cached)."""
    return signing_key(get_settings().verification_secret or "")


def ledger_key() -> bytes:
    """The HMAC key of the consent ledger's subject ids and unsubscribe links (never rotated)."""
    return signing_key(get_settings().ledger_secret or "")
