"""A case's life through the real handlers on mock_aws: verification, the team's actions, the audit trail,
optimistic locking and the scheduled housekeeping."""

from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import pytest
from botocore.exceptions import ClientError
from dateutil.relativedelta import relativedelta

from privacydesk.dal.interface import CaseChange, ConcurrentUpdateError
from privacydesk.dal.items import event_to_item
from privacydesk.logic.audit_chain import chain_events, verify_chain
from privacydesk.logic.case_actions import Draft, change_case
from privacydesk.logic.notices import COMPLAINT_AUTHORITIES
from privacydesk.models.case import Case
from privacydesk.models.event import GENESIS, CaseEvent
from privacydesk_local.lambda_runtime import LocalContext
from tests.integration.conftest import Desk
from tests.integration.fakes import START, FakeClock
from tests.integration.test_intake import _mail
from tests.integration.test_requests_api import (
    call,
    case_detail,
    latest_secrets,
    outbox,
    scan_table,
    sent_texts,
    status_path,
    submit,
    templates,
    verify,
)

ADMIN = "team:local-admin"


def act(desk: Desk, ref: str, action: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One of the privacy team's actions on a case."""
    return call(desk, "POST", f"/v1/cases/{ref}/{action}", payload)


def verified_case(desk: Desk, **fields: Any) -> str:
    """A submitted request whose requester has entered the mailed code; its reference."""
    ref: str = submit(desk, **fields)["ref"]
    code, _ = latest_secrets(desk, ref)
    assert verify(desk, ref, code=code)[0] == 200
    return ref


def completed_case(desk: Desk, clock: FakeClock) -> str:
    """An access request verified and then completed by the team; its reference."""
    ref = verified_case(desk)
    clock.advance(days=2)
    assert act(desk, ref, "complete", {"message": "Attached is a copy of your data."})[0] == 200
    return ref


def audit(desk: Desk, ref: str) -> dict[str, Any]:
    """The audit report of a case."""
    status, report = call(desk, "GET", f"/v1/cases/{ref}/audit")
    assert status == 200, report
    return report


def anchored_keys(desk: Desk, ref: str) -> list[str]:
    """The chain heads of a case kept in the evidence bucket."""
    listing = desk.session.client("s3").list_objects_v2(
        Bucket=desk.resources.buckets["EvidenceBucket"], Prefix=f"chain-heads/{ref}/"
    )
    return [o["Key"] for o in listing.get("Contents", [])]


def housekeeping(job: str) -> dict[str, Any]:
    """Run a scheduled job as EventBridge Scheduler would."""
    from privacydesk.handlers import scheduled  # noqa: PLC0415 - after the desk's environment

    result: dict[str, Any] = scheduled.lambda_handler({"job": job}, LocalContext("HousekeepingFunction"))
    return result


def ports() -> Any:
    """The use cases' ports, as the API handler builds them."""
    from privacydesk.handlers.ports import desk_ports  # noqa: PLC0415 - after the desk's environment

    return desk_ports()


def table(desk: Desk) -> Any:
    """The cases table, for writing to it behind the desk's back."""
    return desk.session.resource("dynamodb").Table(desk.env["CASES_TABLE"])


def event_key(ref: str, seq: int) -> dict[str, str]:
    """The key of one audit event item."""
    return {"pk": f"CASE#{ref}", "sk": f"EVENT#{seq:08d}"}


def error_code(answer: dict[str, Any]) -> str:
    """The code of an error envelope."""
    assert set(answer) == {"error"}
    code: str = answer["error"]["code"]
    return code


# --------------------------------------------------------------------------------------- the full flow


def test_a_request_goes_from_submission_to_completion_with_one_mail_per_step(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN an access request submitted over the API
    submitted = submit(desk, message="Please send me a copy of my data.")
    ref = submitted["ref"]
    assert submitted["state"] == "awaiting_verification"
    # THEN the acknowledgement and the identity check are sent, once each
    assert desk.drain_outbox() == 2
    code, _ = latest_secrets(desk, ref)
    # WHEN the requester enters the code an hour later
    clock.advance(hours=1)
    assert verify(desk, ref, code=code)[1]["state"] == "verified"
    # THEN they are told it is verified
    assert desk.drain_outbox() == 1
    # WHEN the team completes the request three days later
    clock.advance(days=3)
    status, done = act(desk, ref, "complete", {"message": "Attached is a copy of your data."})
    assert status == 200
    assert done["state"] == "completed"
    assert done["closed_at"] == clock.now.isoformat()
    # THEN the answer is sent once, and nothing else is
    assert desk.drain_outbox() == 1
    assert desk.drain_outbox() == 0
    mails = outbox(desk, ref)
    assert [m["template"] for m in mails] == [
        "acknowledgement",
        "verification_request",
        "verified",
        "completion",
    ]
    assert {m["status"] for m in mails} == {"sent"}
    assert {m["to"] for m in mails} == {"ana.requester@example.org"}
    texts = sent_texts(desk, ref)
    assert len(texts) == 4
    assert "Attached is a copy of your data." in texts[-1]
    # AND the requester's status page shows it done
    view = call(desk, "GET", status_path(submitted))[1]
    assert (view["state"], view["awaiting"], view["due"]) == ("completed", None, None)
    # AND the timeline is intact and its head was anchored in the evidence bucket on closure
    report = audit(desk, ref)
    assert report["ok"] is True
    assert report["first_broken_seq"] is None
    final = case_detail(desk, ref)
    assert report["events"] == len(final["events"])
    assert report["anchors_checked"] >= 1
    last = done["events"][-1]["seq"]
    assert f"chain-heads/{ref}/{last:010d}.json" in anchored_keys(desk, ref)
    # AND each mail's SES message id is on the outbox item and on the case's timeline
    sent_events = {
        e["detail"]["outbox_id"]: e["detail"]["ses_message_id"]
        for e in final["events"]
        if e["type"] == "mail_sent"
    }
    assert sent_events == {m["id"]: m["ses_message_id"] for m in mails}


# ------------------------------------------------------------------------------------------- tampering


def test_an_edited_event_is_caught_at_its_place_in_the_chain(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a completed case
    ref = completed_case(desk, clock)
    [completion] = [e for e in case_detail(desk, ref)["events"] if e["detail"].get("action") == "complete"]
    # WHEN someone with write access to the table changes what the team wrote
    table(desk).update_item(
        Key=event_key(ref, completion["seq"]),
        UpdateExpression="SET detail.#m = :m",
        ExpressionAttributeNames={"#m": "message"},
        ExpressionAttributeValues={":m": "We hold no data about you."},
    )
    # THEN the audit names that event as the first broken link
    report = audit(desk, ref)
    assert report["ok"] is False
    assert report["first_broken_seq"] == completion["seq"]
    assert "edited" in report["reason"]


def test_a_deleted_last_event_is_caught_by_the_recorded_heads(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a completed case
    ref = completed_case(desk, clock)
    last = case_detail(desk, ref)["events"][-1]["seq"]
    # WHEN its last event is deleted from the table
    table(desk).delete_item(Key=event_key(ref, last))
    # THEN the audit reports the chain cut short where that event was
    report = audit(desk, ref)
    assert report["ok"] is False
    assert report["first_broken_seq"] == last
    assert report["events"] == last - 1


def test_a_whole_chain_rewritten_consistently_is_caught_by_the_anchored_head(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a completed case, whose head was anchored in the evidence bucket when it closed
    ref = completed_case(desk, clock)
    repo = ports().repo
    case: Case = repo.get_case(ref)
    # WHEN someone rewrites one event and recomputes every hash after it, and the case's head too
    edited = [
        replace(e, detail={**e.detail, "message": "We hold no data about you."}, seq=0, prev_hash="", hash="")
        if e.detail.get("action") == "complete"
        else replace(e, seq=0, prev_hash="", hash="")
        for e in repo.list_events(ref)
    ]
    rewritten, chained = chain_events(replace(case, chain=GENESIS), edited)
    for event in chained:
        table(desk).put_item(Item=event_to_item(event))
    table(desk).update_item(
        Key={"pk": f"CASE#{ref}", "sk": "CASE"},
        UpdateExpression="SET chain_hash = :h, chain_seq = :s",
        ExpressionAttributeValues={":h": rewritten.chain.hash, ":s": rewritten.chain.seq},
    )
    # THEN the table alone tells a consistent story
    assert verify_chain(ref, repo.list_events(ref), repo.get_case(ref).chain, []).ok
    # AND the audit still catches it against the head kept outside the table
    report = audit(desk, ref)
    assert report["ok"] is False
    assert report["first_broken_seq"] == case.chain.seq
    assert "anchored head" in report["reason"]


# ---------------------------------------------------------------------------------- the team's actions


def test_a_request_cannot_be_completed_before_the_identity_is_verified(desk: Desk) -> None:
    # GIVEN an access request still waiting for verification
    ref = submit(desk)["ref"]
    # WHEN the team tries to complete it
    status, answer = act(desk, ref, "complete", {"message": "Here is your data."})
    # THEN it is refused as a conflict, and nothing changes or is sent
    assert status == 409
    assert error_code(answer) == "conflict"
    case = case_detail(desk, ref)
    assert case["state"] == "awaiting_verification"
    assert templates(desk, ref) == ["acknowledgement", "verification_request"]


def test_an_unknown_case_or_a_bad_action_body_is_refused(desk: Desk) -> None:
    ref = submit(desk)["ref"]
    missing_status, missing = act(desk, "PD-0000-0000-0000", "notes", {"text": "hello"})
    assert (missing_status, error_code(missing)) == (404, "not_found")
    bad_status, bad = act(desk, ref, "deny", {"reason": "because"})
    assert (bad_status, error_code(bad)) == (400, "bad_request")


def test_an_extension_moves_the_due_date_tells_the_requester_why_and_cannot_be_repeated(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a verified access request under the GDPR
    ref = verified_case(desk)
    before = case_detail(desk, ref)
    assert before["due"] == "2026-02-12"
    # WHEN the team extends it with a reason
    status, extended = act(desk, ref, "extend", {"reason": "We must search three archived systems."})
    # THEN the new due date is the extended one, and the requester is told why and until when
    assert status == 200
    [item] = extended["items"]
    assert item["extended"] is True
    assert item["state"] == "extended"
    assert item["due"] == item["clocks"]["extended_respond_by"] == extended["due"] == "2026-04-13"
    [notice] = [m for m in outbox(desk, ref) if m["template"] == "extension"]
    assert "We must search three archived systems." in notice["text"]
    assert "13 April 2026" in notice["text"]
    # WHEN the team tries to extend it again
    again_status, again = act(desk, ref, "extend", {"reason": "Still searching."})
    # THEN it is refused, and no second notice goes out
    assert (again_status, error_code(again)) == (409, "conflict")
    assert templates(desk, ref).count("extension") == 1


def test_an_extension_after_the_notice_cutoff_is_refused(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a verified access request whose original due date has passed
    ref = verified_case(desk)
    clock.advance(days=32)
    # WHEN the team tries to extend it
    status, answer = act(desk, ref, "extend", {"reason": "We forgot."})
    # THEN it is refused: the notice had to be sent by the original due date
    assert (status, error_code(answer)) == (409, "conflict")
    assert "cutoff" in answer["error"]["message"]


def test_a_denial_names_the_reason_and_the_authority_of_the_cases_regime(desk: Desk) -> None:
    for number, regime in enumerate(("gdpr", "uk_gdpr", "ccpa")):
        # GIVEN an access request under the regime whose requester never proved their identity
        ref = submit(desk, email=f"person{number}@example.org", regime=regime)["ref"]
        # WHEN the team denies it as unverifiable
        status, denied = act(desk, ref, "deny", {"reason": "unverifiable", "message": "We tried twice."})
        # THEN the case is closed as denied, and the notice says why and where to complain
        assert status == 200
        assert denied["state"] == "denied"
        assert denied["closed_at"] is not None
        [notice] = [m for m in outbox(desk, ref) if m["template"] == "denial"]
        assert COMPLAINT_AUTHORITIES[regime]["url"] in notice["text"]
        assert "We could not confirm your identity." in notice["text"]
        assert "We tried twice." in notice["text"]
        assert ("judicial remedy" in notice["text"]) is (regime != "ccpa")


def test_withdrawing_one_right_leaves_the_others_open(desk: Desk) -> None:
    # GIVEN a request for access and erasure
    ref = submit(desk, email="cal@example.org", rights=("access", "erasure"))["ref"]
    # WHEN the requester withdraws the erasure
    status, case = act(desk, ref, "withdraw", {"reason": "Changed my mind.", "rights": ["erasure"]})
    # THEN erasure is withdrawn and confirmed to them, while access stays open
    assert status == 200
    assert [(i["right"], i["state"]) for i in case["items"]] == [
        ("access", "awaiting_verification"),
        ("erasure", "withdrawn"),
    ]
    assert case["closed_at"] is None
    assert templates(desk, ref)[-1] == "withdrawal"
    # WHEN the rest is withdrawn too
    status, case = act(desk, ref, "withdraw", {})
    # THEN the case is closed
    assert status == 200
    assert case["state"] == "withdrawn"
    assert case["closed_at"] is not None


def test_assignment_and_notes_appear_on_the_timeline_with_who_did_them(desk: Desk) -> None:
    # GIVEN a new request
    ref = submit(desk)["ref"]
    # WHEN the team assigns it and leaves a note
    assert act(desk, ref, "assign", {"assignee": "bea"})[0] == 200
    status, case = act(desk, ref, "notes", {"text": "Requester called; ID check pending."})
    # THEN the case shows the assignee and the timeline both steps with their actor
    assert status == 200
    assert case["assignee"] == "bea"
    [assigned] = [e for e in case["events"] if e["type"] == "assigned"]
    [note] = [e for e in case["events"] if e["type"] == "note_added"]
    assert (assigned["actor"], assigned["detail"]) == (ADMIN, {"from": None, "to": "bea"})
    assert (note["actor"], note["detail"]) == (ADMIN, {"text": "Requester called; ID check pending."})
    # AND a note is internal: nothing is mailed
    assert templates(desk, ref) == ["acknowledgement", "verification_request"]


def test_asking_the_requester_waits_for_them_and_mails_the_question(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a verified GDPR access request
    submitted = submit(desk)
    ref = submitted["ref"]
    code, _ = latest_secrets(desk, ref)
    assert verify(desk, ref, code=code)[0] == 200
    # WHEN the team asks which account is meant
    status, case = act(desk, ref, "ask", {"message": "Which customer account do you mean?"})
    # THEN the case waits for the requester, who is asked by mail; the GDPR clock does not stop
    assert status == 200
    assert case["state"] == "awaiting_requester"
    assert case["paused"] is False
    assert case["due"] == "2026-02-12"
    [question] = [m for m in outbox(desk, ref) if m["template"] == "information_request"]
    assert "Which customer account do you mean?" in question["text"]
    assert call(desk, "GET", status_path(submitted))[1]["awaiting"] == "requester"


def test_under_uk_gdpr_a_question_stops_the_clock_until_the_requester_replies(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a verified UK GDPR access request (its clock stood still only while identity was checked)
    ref = submit(desk, regime="uk_gdpr")["ref"]
    assert case_detail(desk, ref)["paused"] is True
    code, _ = latest_secrets(desk, ref)
    assert verify(desk, ref, code=code)[0] == 200
    verified = case_detail(desk, ref)
    assert (verified["paused"], verified["due"]) == (False, "2026-02-12")
    # WHEN the team asks a question
    status, asked = act(desk, ref, "ask", {"message": "Which customer account do you mean?"})
    # THEN the clock stops
    assert status == 200
    assert asked["paused"] is True
    since_verified = [e["type"] for e in asked["events"] if e["seq"] > verified["events"][-1]["seq"]]
    assert "clock_paused" in since_verified
    assert asked["due"] == "2026-02-12"
    # WHEN the requester replies to the case by mail five days later
    clock.advance(days=5)
    reply = desk.deliver(_mail(f"Re: Your request [{ref}]", "It is account 4711."))
    assert (reply["outcome"], reply["case_ref"]) == ("reply_attached", ref)
    # THEN the clock runs again and the due date has moved by the five days it stood still
    resumed = case_detail(desk, ref)
    assert resumed["state"] == "in_progress"
    assert (resumed["paused"], resumed["paused_days"]) == (False, 5)
    assert resumed["due"] == "2026-02-17"
    [item] = resumed["items"]
    assert "clock stopped 5 day(s)" in item["clocks"]["rule"]
    last_resume = [e for e in resumed["events"] if e["type"] == "clock_resumed"][-1]
    assert last_resume["detail"]["due_before"] == "2026-02-12"
    assert last_resume["detail"]["due_after"] == "2026-02-17"
    assert last_resume["detail"]["paused_days"] == 5
    assert audit(desk, ref)["ok"] is True


# ---------------------------------------------------------------------------------- optimistic locking


def test_a_stale_write_is_refused_so_the_newer_change_is_not_lost(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a case read by one writer
    ref = submit(desk)["ref"]
    repo = ports().repo
    stale: Case = repo.get_case(ref)
    # AND changed meanwhile by another, through the API
    assert act(desk, ref, "assign", {"assignee": "bea"})[0] == 200
    # WHEN the first writer commits its change made on the old version
    changed, events = chain_events(
        replace(stale, assignee="carl"),
        [CaseEvent(ref, clock.now, "assigned", {"from": None, "to": "carl"}, actor="team:carl")],
    )
    # THEN the write is refused
    with pytest.raises(ConcurrentUpdateError):
        repo.commit([CaseChange(changed, stale.version, events)])
    # AND the other writer's change stands, alone
    case = case_detail(desk, ref)
    assert case["assignee"] == "bea"
    assert [e["detail"]["to"] for e in case["events"] if e["type"] == "assigned"] == ["bea"]
    assert audit(desk, ref)["ok"] is True


def test_a_change_that_meets_a_concurrent_one_is_retried_and_both_are_kept(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a case, and a change whose first attempt is overtaken by a note added through the API
    ref = submit(desk)["ref"]
    seen: list[int] = []

    def step(case: Case, now: datetime) -> Draft:
        seen.append(case.version)
        if len(seen) == 1:
            assert act(desk, ref, "notes", {"text": "Competing note."})[0] == 200
        event = CaseEvent(ref, now, "assigned", {"from": case.assignee, "to": "dana"}, actor="team:dana")
        return Draft(replace(case, assignee="dana"), [event], [])

    # WHEN the change is made
    result = change_case(ref, step, ports())
    # THEN it was worked out again on the newer case, and both changes are on the timeline
    assert seen == [seen[0], seen[0] + 1]
    assert result.assignee == "dana"
    case = case_detail(desk, ref)
    assert case["assignee"] == "dana"
    types = [e["type"] for e in case["events"]]
    assert types[-2:] == ["note_added", "assigned"]
    assert audit(desk, ref)["ok"] is True


# ---------------------------------------------------------------------------------------- housekeeping


def test_the_anchor_job_anchors_chains_that_grew_and_only_those(desk: Desk, clock: FakeClock) -> None:
    # GIVEN two new cases, whose heads are not anchored yet
    first = submit(desk)["ref"]
    second = submit(desk, email="bea@example.org")["ref"]
    assert anchored_keys(desk, first) == anchored_keys(desk, second) == []
    # WHEN the anchor job runs
    assert housekeeping("anchor") == {"job": "anchor", "count": 2}
    # THEN both heads are in the evidence bucket
    assert len(anchored_keys(desk, first)) == len(anchored_keys(desk, second)) == 1
    # AND running it again anchors nothing
    assert housekeeping("anchor")["count"] == 0
    # WHEN one case grows
    assert act(desk, first, "notes", {"text": "Looked at it."})[0] == 200
    # THEN only that one is anchored again, and its audit checks both heads
    assert housekeeping("anchor")["count"] == 1
    assert len(anchored_keys(desk, first)) == 2
    assert audit(desk, first)["anchors_checked"] == 2


def test_requests_never_verified_are_closed_after_the_configured_days(desk: Desk, clock: FakeClock) -> None:
    # GIVEN an access request, an opt-out, and an access request with a GPC opt-out, all never verified
    stale = submit(desk)["ref"]
    opt_out = submit(desk, email="bea@example.org", rights=("marketing_opt_out",))["ref"]
    mixed = submit(desk, email="cal@example.org", headers={"Sec-GPC": "1"})["ref"]
    # WHEN the scheduled work runs before the 14 days are up, nothing is closed
    clock.advance(days=13)
    housekeeping("work")
    assert case_detail(desk, stale)["state"] == "awaiting_verification"
    # AND again after 15 days, when a new request has just come in
    clock.advance(days=2)
    fresh = submit(desk, email="dan@example.org")["ref"]
    housekeeping("work")
    # THEN the old access request is closed unverified, with a notice, and its head anchored
    closed = case_detail(desk, stale)
    assert closed["state"] == "closed_unverified"
    assert closed["closed_at"] == clock.now.isoformat()
    assert templates(desk, stale)[-1] == "closed_unverified"
    assert anchored_keys(desk, stale)
    # AND opt-outs, which never need verification and were applied on arrival, stay completed
    assert case_detail(desk, opt_out)["state"] == "completed"
    mixed_case = case_detail(desk, mixed)
    assert [(i["right"], i["state"]) for i in mixed_case["items"]] == [
        ("access", "closed_unverified"),
        ("sharing_opt_out", "completed"),
    ]
    assert mixed_case["closed_at"] == clock.now.isoformat()
    # AND the new request keeps waiting
    assert case_detail(desk, fresh)["state"] == "awaiting_verification"


def test_old_unverified_requests_are_closed_even_behind_more_recent_ones_than_one_batch(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two old unverified requests, then more recent unverified ones than a batch holds
    monkeypatch.setattr("privacydesk.logic.scheduled_work._BATCH", 2)
    old = [submit(desk, email=f"old{i}@example.org")["ref"] for i in range(2)]
    clock.advance(days=10)
    recent = [submit(desk, email=f"new{i}@example.org")["ref"] for i in range(3)]
    # WHEN the work runs once the old ones are past the 14 days (a batch of 2: the earliest due first)
    clock.advance(days=5)
    assert housekeeping("work")["count"] == 2
    # THEN the old ones are closed and the recent ones keep waiting
    assert [case_detail(desk, ref)["state"] for ref in old] == ["closed_unverified"] * 2
    assert [case_detail(desk, ref)["state"] for ref in recent] == ["awaiting_verification"] * 3


def test_a_case_closed_24_months_ago_is_purged_leaving_only_counts(desk: Desk, clock: FakeClock) -> None:
    # GIVEN an emailed access request with an attachment, from an address found nowhere else
    address = "purge.me.4471@example.org"
    msg = EmailMessage()
    msg["From"] = address
    msg["To"] = "privacy@example.com"
    msg["Subject"] = "Subject-Marker-5512"
    msg.set_content("Please send me a copy of my personal data. Body-Marker-8830.")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="id.pdf")
    event = desk.store(msg.as_bytes(), sender=address)
    # SES stamps the mail with the time of receipt: the test's clock, not the machine's.
    event["Records"][0]["ses"]["mail"]["timestamp"] = clock.now.isoformat().replace("+00:00", "Z")
    opened = desk.invoke_inbound(event)
    ref = opened["case_ref"]
    [opened_event] = [e for e in case_detail(desk, ref)["events"] if e["type"] == "case_opened"]
    mail_keys = [
        desk.env["MAIL_PREFIX"] + opened_event["detail"]["message_id"],
        *opened_event["detail"]["attachments"],
    ]
    s3 = desk.session.client("s3")
    for key in mail_keys:
        s3.head_object(Bucket=desk.env["MAIL_BUCKET"], Key=key)
    # AND it was denied as unverifiable, and its mail sent
    assert act(desk, ref, "deny", {"reason": "unverifiable"})[0] == 200
    desk.drain_outbox()
    # WHEN the purge runs a day before 24 months have passed
    clock.now = START + relativedelta(months=24, days=-1)
    assert housekeeping("purge")["count"] == 0
    assert case_detail(desk, ref)["state"] == "denied"
    # AND again a day after
    clock.now = START + relativedelta(months=24, days=1)
    assert housekeeping("purge") == {"job": "purge", "count": 1}
    # THEN the case, its timeline, its challenge and its mail are gone
    assert call(desk, "GET", f"/v1/cases/{ref}")[0] == 404
    items = scan_table(desk)
    assert not [i for i in items if i["pk"] == f"CASE#{ref}"]
    assert not [i for i in items if i.get("entity") == "outbox" and i.get("case_ref") == ref]
    for key in mail_keys:
        with pytest.raises(ClientError):
            s3.head_object(Bucket=desk.env["MAIL_BUCKET"], Key=key)
    # AND what remains names the case but not the person
    [purged] = [i for i in items if i["pk"] == f"PURGED#{ref}"]
    assert purged["chain_seq"] > 0
    [tally] = [i for i in items if i["pk"] == f"TALLY#{clock.now:%Y-%m}"]
    assert {k: v for k, v in tally.items() if k not in ("pk", "sk")} == {
        "cases": 1,
        "regime|gdpr": 1,
        "gdpr|access|denied": 1,
    }
    everything = repr(items)
    for personal in (address, "purge.me", "Subject-Marker-5512", "Body-Marker-8830", "id.pdf"):
        assert personal not in everything
    # AND the audit reports the purge
    report = audit(desk, ref)
    assert report["ok"] is True
    assert "purged" in report["reason"]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_an_unknown_housekeeping_job_fails_loudly(desk: Desk) -> None:
    with pytest.raises(ValueError, match="unknown housekeeping job"):
        housekeeping("defragment")
