"""The verification signing key, read from Secrets Manager through Powertools Parameters (cached 5 min)."""

from aws_lambda_powertools.utilities import parameters

MIN_KEY_CHARS = 32
_MAX_AGE_SECONDS = 300


class SigningKeyError(Exception):
    """The signing key secret is missing, unreadable or too short (the message never holds the key)."""


def signing_key(secret_name: str) -> bytes:
    """The HMAC key for verification codes, links and status tokens: the secret's string, UTF-8 encoded."""
    if not secret_name:
        raise SigningKeyError("no signing key secret is configured")
    try:
        value = parameters.get_secret(secret_name, max_age=_MAX_AGE_SECONDS)
    except parameters.GetParameterError as exc:
        raise SigningKeyError(f"cannot read the signing key secret {secret_name}") from exc
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SigningKeyError(f"the signing key secret {secret_name} is not UTF-8 text") from exc
    if not isinstance(value, str) or not value.strip():
        raise SigningKeyError(f"the signing key secret {secret_name} is empty")
    if len(value) < MIN_KEY_CHARS:
        raise SigningKeyError(
            f"the signing key secret {secret_name} is shorter than {MIN_KEY_CHARS} characters"
        )
    return value.encode("utf-8")
