"""The SES v2 contact list marketing mail is sent with: a person's opt-out of its topic, mirrored from the
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

    def opt_out(self, address: str) -> None:
        """Opt the address out of the topic, keeping its other topics and its unsubscribe-all as they are."""
        contact = self._contact(address)
        if contact is None:
            self._call("create_contact", TopicPreferences=[self._out()], EmailAddress=address)
            return
        # SES replaces the whole list of preferences: the other topics are sent back unchanged.
        others = [p for p in contact.get("TopicPreferences", []) if p["TopicName"] != self._topic]
        self._call(
            "update_contact",
            EmailAddress=address,
            TopicPreferences=[*others, self._out()],
            UnsubscribeAll=bool(contact.get("UnsubscribeAll", False)),
            **({"AttributesData": contact["AttributesData"]} if contact.get("AttributesData") else {}),
        )

    def _out(self) -> dict[str, str]:
        return {"TopicName": self._topic, "SubscriptionStatus": "OPT_OUT"}

    def _contact(self, address: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._ses.get_contact(ContactListName=self._list, EmailAddress=address)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NotFoundException":
                return None
            raise ContactListError(f"get_contact failed: {exc.response['Error']['Code']}") from exc
        return found

    def _call(self, operation: str, **kwargs: Any) -> None:
        try:
            getattr(self._ses, operation)(ContactListName=self._list, **kwargs)
        except ClientError as exc:
            raise ContactListError(f"{operation} failed: {exc.response['Error']['Code']}") from exc
