"""privacydesk: serverless privacy-request and consent desk for AWS."""
