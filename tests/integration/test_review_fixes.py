"""Review fixes through the real handlers on mock_aws: a reply renews the identity check, "unverifiable"
never refuses an opt-out, lone surrogates, audits of deleted or forged-purged cases, duplicates behind
an agent, strict query strings and 405s, and a bounce for more open cases than one transaction holds."""

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from privacydesk.dal.interface import CaseChange, PurgeRecord
from privacydesk.dal.items import purge_record_to_item
from privacydesk.logic.audit_chain import chain_events
from privacydesk.logic.references import new_reference
from privacydesk.models.event import GENESIS, CaseEvent, ChainHead
from tests.integration.conftest import Desk
from tests.integration.fakes import START, FakeClock
from tests.integration.test_intake import _mail
from tests.integration.test_requests_api import (
    call,
    case_detail,
    latest_secrets,
    mailed_secrets,
    opened_event,
    outbox,
    submit,
    verify,
)

ANA = "ana.requester@example.org"
# The address the sample bounce (events/mail/09-bounce.eml) reports as undeliverable.
BOUNCED = "no-such-person@example.org"


def act(desk: Desk, ref: str, action: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One of the privacy team's actions on a case."""
    return call(desk, "POST", f"/v1/cases/{ref}/{action}", payload)


def item_states(desk: Desk, ref: str) -> dict[str, str]:
    """Each right of the case and its state."""
    return {i["right"]: i["state"] for i in case_detail(desk, ref)["items"]}


def event_types(desk: Desk, ref: str) -> list[str]:
    """The types of the case's timeline events, in order."""
    return [e["type"] for e in case_detail(desk, ref)["events"]]


def table(desk: Desk) -> Any:
    """The cases table, for writing to it behind the desk's back."""
    return desk.session.resource("dynamodb").Table(desk.env["CASES_TABLE"])


def delete_case_items(desk: Desk, ref: str) -> int:
    """Remove the case item and every item of its partition (its events) from the table; how many."""
    cases = table(desk)
    items = cases.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": f"CASE#{ref}"})[
        "Items"
    ]
    for item in items:
        cases.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    return len(items)


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header, whichever of the proxy response's header maps carries it."""
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            return ", ".join(values)
    return None


def error_code(response: dict[str, Any]) -> str:
    """The code of an error envelope in a raw proxy response."""
    answer = json.loads(response["body"])
    assert set(answer) == {"error"}, answer
    code: str = answer["error"]["code"]
    return code


# ------------------------------------------------------------------- 1. a reply renews the identity check


def test_a_reply_while_awaiting_verification_sends_a_fresh_code_that_replaces_the_old_one(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN an access request emailed by Ana, and the code mailed to her
    ref = desk.deliver(_mail("Copy", "Please send me a copy of my personal data.", sender=ANA))["case_ref"]
    first_code, first_token = latest_secrets(desk, ref)
    # WHEN five minutes later she replies, quoting the reference (her code "did not work")
    clock.advance(minutes=5)
    reply = desk.deliver(_mail(f"Re: We have received your request [{ref}]", "The code does not work."))
    # THEN the reply joins the case and a second identity check is queued to her address
    assert reply["outcome"] == "reply_attached"
    assert reply["case_ref"] == ref
    checks = [m for m in outbox(desk, ref) if m["template"] == "verification_request"]
    assert len(checks) == 2
    assert {m["to"] for m in checks} == {ANA}
    # AND it carries a new code and a new link
    assert len(mailed_secrets(desk, ref)) == 2
    second_code, second_token = latest_secrets(desk, ref)
    assert second_code != first_code
    assert second_token != first_token
    # WHEN she replies again within the same minute
    clock.advance(seconds=20)
    again = desk.deliver(_mail(f"Re: [{ref}]", "Still nothing, sorry."))
    # THEN that reply is attached too, but no third code is sent (one a minute at most)
    assert again["outcome"] == "reply_attached"
    assert len([m for m in outbox(desk, ref) if m["template"] == "verification_request"]) == 2
    assert len(mailed_secrets(desk, ref)) == 2
    types = event_types(desk, ref)
    assert types.count("correspondence_received") == 2
    assert types.count("verification_resent") == 1
    # AND the first code and link were replaced: they no longer verify
    for old in ({"code": first_code}, {"token": first_token}):
        status, answer = verify(desk, ref, **old)
        assert status == 400
        assert answer["error"]["code"] == "verification_failed"
    assert case_detail(desk, ref)["state"] == "awaiting_verification"
    # AND the new code does
    status, answer = verify(desk, ref, code=second_code)
    assert (status, answer) == (200, {"ref": ref, "state": "verified", "verified": True})


# -------------------------------------------------------------------- 2. "unverifiable" and the opt-outs


def test_unverifiable_denies_only_the_rights_that_need_verification(desk: Desk) -> None:
    # GIVEN a request for access and to stop marketing, never verified
    ref = submit(desk, rights=("access", "marketing_opt_out"))["ref"]
    assert item_states(desk, ref) == {"access": "awaiting_verification", "marketing_opt_out": "completed"}
    # WHEN the team denies it as unverifiable, naming no right
    status, detail = act(desk, ref, "deny", {"reason": "unverifiable"})
    # THEN only access is denied: the opt-out, which needs no verification, stays honoured
    assert status == 200, detail
    assert {i["right"]: i["state"] for i in detail["items"]} == {
        "access": "denied",
        "marketing_opt_out": "completed",
    }


def test_unverifiable_cannot_name_an_opt_out(desk: Desk) -> None:
    # GIVEN a request for access and to stop marketing
    ref = submit(desk, rights=("access", "marketing_opt_out"))["ref"]
    # WHEN the team denies the opt-out as unverifiable
    status, answer = act(desk, ref, "deny", {"reason": "unverifiable", "rights": ["marketing_opt_out"]})
    # THEN it is refused as a conflict and nothing changes
    assert status == 409
    assert answer["error"]["code"] == "conflict"
    assert item_states(desk, ref) == {"access": "awaiting_verification", "marketing_opt_out": "completed"}
    assert "denied" not in event_types(desk, ref)


def test_a_case_of_opt_outs_only_cannot_be_denied_as_unverifiable(desk: Desk) -> None:
    # GIVEN a request only to stop marketing and sharing (nothing needs verification)
    ref = submit(desk, rights=("marketing_opt_out", "sharing_opt_out"))["ref"]
    # WHEN the team denies it as unverifiable
    status, answer = act(desk, ref, "deny", {"reason": "unverifiable"})
    # THEN it is refused as a conflict and both opt-outs stay applied
    assert status == 409
    assert answer["error"]["code"] == "conflict"
    assert item_states(desk, ref) == {"marketing_opt_out": "completed", "sharing_opt_out": "completed"}


# ----------------------------------------------------------------------------- 3. lone surrogates


LONE_SURROGATE = r"\ud800"  # the JSON escape itself, as a client would send it: no valid character


def test_a_submission_holding_a_lone_surrogate_is_refused_and_opens_nothing(desk: Desk) -> None:
    # WHEN a submission's message is a lone surrogate, escaped in the JSON body
    raw = (
        f'{{"email": "ana@example.org", "name": "Ana", "rights": ["access"], "message": "{LONE_SURROGATE}"}}'
    )
    response = desk.api("POST", "/v1/requests", raw)
    # THEN it is a 400 in the error envelope, and no case is opened
    assert response["statusCode"] == 400
    assert error_code(response) == "bad_request"
    assert call(desk, "GET", "/v1/cases")[1]["cases"] == []


def test_a_note_holding_a_lone_surrogate_is_refused_and_adds_nothing(desk: Desk) -> None:
    # GIVEN an open case
    ref = submit(desk)["ref"]
    before = event_types(desk, ref)
    # WHEN a note made of a lone surrogate is added
    response = desk.api("POST", f"/v1/cases/{ref}/notes", f'{{"text": "{LONE_SURROGATE}"}}')
    # THEN it is a 400 in the error envelope, and the timeline is unchanged
    assert response["statusCode"] == 400
    assert error_code(response) == "bad_request"
    assert event_types(desk, ref) == before


# ------------------------------------------------------------------------- 4. audits against the anchors


def closed_case(desk: Desk, clock: FakeClock) -> str:
    """An access request verified and completed (its chain head is anchored at closure); its ref."""
    ref: str = submit(desk)["ref"]
    code, _ = latest_secrets(desk, ref)
    assert verify(desk, ref, code=code)[0] == 200
    clock.advance(days=2)
    assert act(desk, ref, "complete", {"message": "Attached is a copy of your data."})[0] == 200
    report = call(desk, "GET", f"/v1/cases/{ref}/audit")[1]
    assert report["ok"] is True
    assert report["anchors_checked"] >= 1
    return ref


def test_a_case_deleted_from_the_table_fails_its_audit(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a completed case whose chain head was anchored when it closed
    ref = closed_case(desk, clock)
    # WHEN someone with write access deletes the case and its whole trail from the table
    assert delete_case_items(desk, ref) > 1
    assert desk.api("GET", f"/v1/cases/{ref}")["statusCode"] == 404
    # THEN its audit still answers, and says the trail is broken
    status, report = call(desk, "GET", f"/v1/cases/{ref}/audit")
    assert status == 200, report
    assert report["ok"] is False
    assert report["ref"] == ref
    assert "anchored" in report["reason"]


def test_a_forged_purge_record_contradicted_by_the_anchors_fails_the_audit(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a completed case whose chain head was anchored when it closed
    ref = closed_case(desk, clock)
    # WHEN its items are deleted and a purge record claiming a one-event chain is written in their place
    delete_case_items(desk, ref)
    forged = PurgeRecord(
        ref=ref,
        closed_at=START,
        purged_at=START + timedelta(days=3),
        chain=ChainHead(seq=1, hash="ab" * 32),
    )
    table(desk).put_item(Item=purge_record_to_item(forged))
    # THEN the audit reports the purge record as contradicted by the anchored head
    status, report = call(desk, "GET", f"/v1/cases/{ref}/audit")
    assert status == 200, report
    assert report["ok"] is False
    assert report["anchors_checked"] >= 1


def test_the_audit_of_a_reference_never_known_is_a_404(desk: Desk) -> None:
    # WHEN a reference with no case, no purge record and no anchored head is audited
    status, answer = call(desk, "GET", "/v1/cases/PD-0000-0000-0000/audit")
    # THEN it is not found
    assert status == 404
    assert answer["error"]["code"] == "not_found"


# ---------------------------------------------------------------------------------------- 5. duplicates


def test_an_agent_writing_for_two_data_subjects_opens_two_cases_that_are_not_duplicates(
    desk: Desk,
) -> None:
    # GIVEN an agency writing for one client
    agent = {"name": "Agency Ltd", "email": "agent@agency.example", "permission_ref": "POA-1"}
    first = submit(desk, email="client.one@example.org", agent=agent)["ref"]
    # WHEN the same agency asks the same for another client
    second = submit(desk, email="client.two@example.org", agent={**agent, "permission_ref": "POA-2"})["ref"]
    # THEN neither case is flagged as a duplicate: they are different people's requests
    assert case_detail(desk, first)["flags"] == []
    case = case_detail(desk, second)
    assert case["flags"] == []
    assert "duplicate_of" not in opened_event(case)["detail"]


def test_the_same_data_subject_asking_twice_is_flagged_as_a_duplicate(desk: Desk) -> None:
    # GIVEN an open access request from a data subject
    first = submit(desk, email="client.one@example.org")["ref"]
    # WHEN the same person asks the same again
    second = submit(desk, email="client.one@example.org")["ref"]
    # THEN the second case is flagged and linked to the first
    case = case_detail(desk, second)
    assert case["flags"] == ["duplicate_of_open_case"]
    assert opened_event(case)["detail"]["duplicate_of"] == [first]


# ------------------------------------------------------------------------------- 6. strict query strings


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("/v1/cases?bogus=1", id="unknown-parameter"),
        pytest.param("/v1/cases?state=received&state=verified", id="repeated-parameter"),
        pytest.param("/v1/cases?due_before=", id="empty-date"),
    ],
)
def test_a_listing_with_an_unknown_repeated_or_empty_parameter_is_refused(desk: Desk, target: str) -> None:
    # GIVEN an open case the listing would show
    submit(desk)
    # WHEN the listing is asked for with a query string it does not document
    response = desk.api("GET", target)
    # THEN it is a 400 in the error envelope, not a silently wider (or narrower) listing
    assert response["statusCode"] == 400
    assert error_code(response) == "bad_request"


def test_the_repeated_parameter_arrives_as_api_gateway_sends_it(desk: Desk) -> None:
    # GIVEN the proxy event API Gateway builds for ?state=received&state=verified
    from privacydesk.handlers import api  # noqa: PLC0415 - after the desk's environment
    from privacydesk_local.http_gateway import proxy_event  # noqa: PLC0415
    from privacydesk_local.lambda_runtime import LocalContext  # noqa: PLC0415

    event = proxy_event("GET", "/v1/cases", {}, b"", "127.0.0.1")
    event["queryStringParameters"] = {"state": "verified"}
    event["multiValueQueryStringParameters"] = {"state": ["received", "verified"]}
    # WHEN it reaches the handler
    response = api.lambda_handler(event, LocalContext("ApiFunction"))
    # THEN it is refused, though the single-value map alone looks harmless
    assert response["statusCode"] == 400
    assert error_code(response) == "bad_request"


def test_an_undocumented_method_on_a_known_path_is_a_405_naming_what_it_answers(desk: Desk) -> None:
    # WHEN the outbox listing is POSTed to
    response = desk.api("POST", "/v1/outbox", "{}")
    # THEN it is a 405 whose Allow header names GET
    assert response["statusCode"] == 405
    assert error_code(response) == "method_not_allowed"
    allow = header(response, "Allow")
    assert allow is not None
    assert "GET" in [m.strip() for m in allow.split(",")]
    assert "POST" not in allow


# ----------------------------------------------------------------------- 7. a bounce across the chunks


def seed_open_cases(like: str, count: int) -> list[str]:
    """`count` more open cases like the case `like` (same requester and rights), each with its own
    case_opened event, written through the desk's repository in one transaction; their references.

    Fifty submissions over the API would take about 40 s: moto deep-copies the whole table for every
    transaction, so each write gets slower as the table fills.
    """
    from privacydesk.handlers.ports import desk_ports  # noqa: PLC0415 - after the desk's environment

    repo = desk_ports().repo
    template = repo.get_case(like)
    assert template is not None
    changes = []
    for _ in range(count):
        ref = new_reference()
        case = replace(template, ref=ref, chain=GENESIS, version=0, flags=(), status_token_hash=None)
        opened = CaseEvent(ref, template.received_at, "case_opened", {"seeded": True}, actor="requester")
        chained_case, events = chain_events(case, [opened])
        changes.append(CaseChange(chained_case, None, events))
    repo.commit(changes)  # two items a case: 98 of the 100 a transaction may hold
    return [change.case.ref for change in changes]


def test_a_bounce_flags_every_open_case_of_the_address_across_transactions(
    desk: Desk, clock: FakeClock, sample_mail: dict[str, bytes]
) -> None:
    # GIVEN 50 open cases from the address that bounces: more than one transaction can flag (45 a chunk)
    first = submit(desk, email=BOUNCED)["ref"]
    refs = [first, *seed_open_cases(first, 49)]
    assert len({c["ref"] for c in call(desk, "GET", "/v1/cases")[1]["cases"]}) == 50
    # WHEN the bounce for that address arrives
    clock.advance(hours=1)
    bounce = desk.deliver(sample_mail["09-bounce.eml"], sender="")
    # THEN every one of the 50 cases is flagged undeliverable
    assert bounce["outcome"] == "bounce_recorded"
    assert "50 open case(s) flagged" in bounce["reason"]
    cases = {c["ref"]: c for c in call(desk, "GET", "/v1/cases")[1]["cases"]}
    assert set(cases) == set(refs)
    assert [ref for ref in refs if "undeliverable" not in cases[ref]["flags"]] == []
    # AND each case's trail records it once, after what was there, and still verifies
    for ref in (first, refs[1], refs[-1]):
        assert event_types(desk, ref).count("requester_undeliverable") == 1
        assert call(desk, "GET", f"/v1/cases/{ref}/audit")[1]["ok"] is True
    # AND the bounce itself is recorded once, and nobody is written to in answer
    inbound = call(desk, "GET", "/v1/inbound")[1]["inbound"]
    assert [i["outcome"] for i in inbound].count("bounce_recorded") == 1
    assert {m["template"] for m in call(desk, "GET", "/v1/outbox")[1]["outbox"]} == {
        "acknowledgement",
        "verification_request",
    }
