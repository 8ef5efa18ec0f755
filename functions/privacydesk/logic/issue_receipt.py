"""Issue a privacy receipt: store it, record the consents it states and queue its mail, in one write."""

import uuid
from dataclasses import dataclass

from privacydesk.dal.interface import ConcurrentUpdateError, ReceiptExistsError
from privacydesk.logic.audit_chain import canonical_sha256
from privacydesk.logic.case_actions import DeskPorts
from privacydesk.logic.consent import Decision, record_decisions, subject_id
from privacydesk.logic.receipts import ReceiptConflictError, kantara_receipt, receipt_mail, request_sha256
from privacydesk.models.consent import ConsentSource
from privacydesk.models.receipt import IssuedReceipt, ReceiptRequest

_TRIES = 3


@dataclass(frozen=True)
class ReceiptOutcome:
    """The receipt, and whether this call issued it (False: a retry answered from the store)."""

    receipt: IssuedReceipt
    issued: bool


def issue_receipt(request: ReceiptRequest, ports: DeskPorts) -> ReceiptOutcome:
    """Issue the receipt once per receipt id; the same request again is answered with the stored one."""
    receipt_id = request.receipt_id or str(uuid.uuid4())
    fingerprint = request_sha256(request)
    subject = subject_id(ports.ledger_key(), request.email)
    settings = ports.settings
    for _ in range(_TRIES):
        now = ports.clock()
        document = kantara_receipt(request, receipt_id=receipt_id, issued_at=now, settings=settings)
        receipt = IssuedReceipt(receipt_id, subject, now, document, fingerprint)
        consent = None
        if request.consents:
            consent = record_decisions(
                ports.repo.get_consent(subject),
                subject=subject,
                address=request.email,
                decisions=[Decision(p, granted, ConsentSource.API) for p, granted in request.consents],
                policy_version=request.policy_version,
                # The receipt's hash in each event binds the stored document into the ledger's chain.
                evidence={"receipt": receipt_id, "receipt_sha256": canonical_sha256(document)},
                now=now,
                purposes=settings.purposes,
                language=request.language,
            )
        try:
            ports.repo.record_receipt(receipt, consent, receipt_mail(request, document, settings, now))
        except ReceiptExistsError:
            return ReceiptOutcome(_replay(receipt_id, fingerprint, ports), issued=False)
        except ConcurrentUpdateError:
            continue
        return ReceiptOutcome(receipt, issued=True)
    raise ConcurrentUpdateError("the person's consent record kept changing; try again")


def _replay(receipt_id: str, fingerprint: str, ports: DeskPorts) -> IssuedReceipt:
    """The stored receipt for a retry of the same request; another request may not reuse its id."""
    stored = ports.repo.get_receipt(receipt_id)
    if stored is None or stored.request_sha256 != fingerprint:
        raise ReceiptConflictError("this receipt_id was already used for a different receipt")
    return stored
