"""privacydesk local stack: moto as AWS, an SMTP port as SES inbound, an HTTP port as API Gateway."""
