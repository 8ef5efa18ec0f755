"""`privacydesk audit verify`: recompute a case's chain, check it against the heads kept outside the table."""

from typing import Protocol

from privacydesk.dal.interface import CaseRepository
from privacydesk.logic.audit_chain import ChainReport, verify_chain
from privacydesk.models.event import ChainHead


class HeadReader(Protocol):
    """Reads the chain heads anchored in the evidence bucket."""

    def heads(self, ref: str) -> list[ChainHead]:
        """Every head anchored for a case, ordered by seq."""
        ...


def audit_case(ref: str, repo: CaseRepository, anchors: HeadReader | None) -> ChainReport | None:
    """The chain report of a case; a purged case reports its purge; None if the reference is unknown."""
    case = repo.get_case(ref)
    if case is None:
        purged = repo.get_purge_record(ref)
        if purged is None:
            return None
        reason = f"purged on {purged.purged_at:%Y-%m-%d} after the retention period; last head kept"
        return ChainReport(ref, True, purged.chain.seq, None, reason, 0)
    heads = anchors.heads(ref) if anchors else []
    return verify_chain(ref, repo.list_events(ref), case.chain, heads)
