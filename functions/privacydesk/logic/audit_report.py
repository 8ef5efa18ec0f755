"""`privacydesk audit verify`: recompute a case's chain, check it against the heads kept outside the table."""

from typing import Protocol

from privacydesk.dal.interface import CaseRepository
from privacydesk.logic.audit_chain import ChainReport, verify_chain
from privacydesk.models.event import ChainHead

_TRIES = 5


class HeadReader(Protocol):
    """Reads the chain heads anchored in the evidence bucket."""

    def heads(self, ref: str) -> list[ChainHead]:
        """Every head anchored for a case, ordered by seq."""
        ...


def audit_case(ref: str, repo: CaseRepository, anchors: HeadReader | None) -> ChainReport | None:
    """The chain report of a case; a purged case reports its purge; None if nothing is known of it.

    The anchored heads are read whatever the table says: a case deleted, or purged by a forged record,
    still has its heads in the evidence bucket, and they must agree with what the table claims.
    """
    heads = anchors.heads(ref) if anchors else []
    case = repo.get_case(ref)
    for attempt in range(_TRIES):
        if case is None:
            break
        events = repo.list_events(ref)
        settled = repo.get_case(ref)
        # An event written between the two reads (the sender's mail_sent, say) would pass for a broken
        # chain: the events are checked against a case read before and after them.
        if settled is None or settled.version == case.version or attempt == _TRIES - 1:
            return verify_chain(ref, events, case.chain, heads)
        case = settled
    purged = repo.get_purge_record(ref)
    last = max(heads, key=lambda head: head.seq, default=None)
    if purged is None:
        if last is None:
            return None
        return ChainReport(
            ref, False, 0, 1, f"the case is gone, but its head at event {last.seq} is anchored", len(heads)
        )
    if last is not None and (
        last.seq > purged.chain.seq or (last.seq == purged.chain.seq and last != purged.chain)
    ):
        reason = f"the purge record ends at event {purged.chain.seq}; the head anchored at {last.seq} differs"
        return ChainReport(ref, False, purged.chain.seq, last.seq, reason, len(heads))
    reason = f"purged on {purged.purged_at:%Y-%m-%d} after the retention period; its last head is kept"
    return ChainReport(ref, True, purged.chain.seq, None, reason, len(heads))
