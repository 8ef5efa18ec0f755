"""The environment a deployment must set, with stand-in values: what unit tests build Settings from."""

REQUIRED_ENV = {
    "CASES_TABLE": "cases",
    "IDEMPOTENCY_TABLE": "idem",
    "MAIL_BUCKET": "mail",
    "SENDER_ADDRESS": "privacy@example.com",
    "TEAM_ADDRESS": "team@example.com",
    "ORGANISATION_NAME": "Example Ltd",
}
