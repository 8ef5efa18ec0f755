"""The SES v2 contact list marketing mail is sent with: a person's topic subscription, mirrored from the
ledger, so SES drops marketing mail to them from any system (never the account suppression list, which
would also block legal notices)."""

from typing import Any

from botocore.exceptions import ClientError

from privacydesk.dal.interface import RepositoryError


class ContactListError(RepositoryError):
    """SES refused the contact-list update; the message names the error code, never the address."""


class SesContactList:
    """One contact list and one topic of it."""

    def __init__(self, client: Any, list_name: str, topic: str) -> None:
        self._ses = client
        self._list = list_name
        self._topic = topic

    def set_subscription(self, address: str, subscribed: bool) -> None:
        """Opt the address in to or out of the topic, creating the contact when SES has none."""
        preferences = [
            {"TopicName": self._topic, "SubscriptionStatus": "OPT_IN" if subscribed else "OPT_OUT"}
        ]
        try:
            self._ses.update_contact(
                ContactListName=self._list, EmailAddress=address, TopicPreferences=preferences
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NotFoundException":
                raise ContactListError(f"update_contact failed: {exc.response['Error']['Code']}") from exc
            self._create(address, preferences)

    def _create(self, address: str, preferences: list[dict[str, str]]) -> None:
        try:
            self._ses.create_contact(
                ContactListName=self._list, EmailAddress=address, TopicPreferences=preferences
            )
        except ClientError as exc:
            raise ContactListError(f"create_contact failed: {exc.response['Error']['Code']}") from exc
