"""Explicit mapping between privacy receipts and DynamoDB items.

A receipt lives in its subject's partition, next to their consent ledger, so everything that names the
person is found (and can be erased) by subject. A small guard keyed by the receipt id alone holds no
personal data: it makes the id unique and leads from the id to the subject.
"""

import json
from datetime import datetime
from typing import Any

from privacydesk.models.receipt import IssuedReceipt

Item = dict[str, Any]


def guard_key(receipt_id: str) -> Item:
    """Primary key of the guard that reserves a receipt id."""
    return {"pk": f"RECEIPT#{receipt_id}", "sk": "RECEIPT"}


def receipt_key(subject: str, receipt_id: str) -> Item:
    """Primary key of a receipt in its subject's partition."""
    return {"pk": f"SUBJECT#{subject}", "sk": f"RECEIPT#{receipt_id}"}


def guard_to_item(receipt: IssuedReceipt) -> Item:
    """The guard: receipt id, subject id and the request's hash (what a retry must match)."""
    return {
        **guard_key(receipt.receipt_id),
        "entity": "receipt_guard",
        "subject": receipt.subject,
        "request_sha256": receipt.request_sha256,
    }


def receipt_to_item(receipt: IssuedReceipt) -> Item:
    """The receipt; the document is kept as the JSON text issued, so it reads back exactly."""
    return {
        **receipt_key(receipt.subject, receipt.receipt_id),
        "entity": "receipt",
        "receipt_id": receipt.receipt_id,
        "subject": receipt.subject,
        "issued_at": receipt.issued_at.isoformat(),
        "document": json.dumps(receipt.document, ensure_ascii=False),
        "request_sha256": receipt.request_sha256,
    }


def item_to_receipt(item: Item) -> IssuedReceipt:
    """A receipt read back."""
    return IssuedReceipt(
        receipt_id=item["receipt_id"],
        subject=item["subject"],
        issued_at=datetime.fromisoformat(item["issued_at"]),
        document=json.loads(item["document"]),
        request_sha256=item["request_sha256"],
    )
