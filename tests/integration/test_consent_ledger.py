"""The consent ledger through the real API and intake handlers on mock_aws: opt-outs applied on arrival,
decisions recorded with evidence, "what did this person agree to on date D", campaign filtering, the
auditor's export, and tampering caught by the chain."""

from datetime import timedelta
from typing import Any

import botocore.client
import pytest

from privacydesk_local.lambda_runtime import LocalContext
from privacydesk_local.stack import reset_caches
from tests.integration.conftest import Desk
from tests.integration.fakes import FakeClock
from tests.integration.test_requests_api import (
    call,
    case_detail,
    outbox,
    submit,
)

ANA = "ana.requester@example.org"


def lookup(desk: Desk, email: str, as_of: str | None = None) -> dict[str, Any]:
    """POST /v1/consents/lookup: the person's ledger (the address travels in the body)."""
    status, answer = call(
        desk, "POST", "/v1/consents/lookup", {"email": email, **({"as_of": as_of} if as_of else {})}
    )
    assert status == 200, answer
    return answer


def purposes(answer: dict[str, Any]) -> dict[str, str]:
    """purpose -> granted / withdrawn / no_record."""
    return {p["purpose"]: p["state"] for p in answer["purposes"]}


def decide(desk: Desk, email: str, purpose: str, granted: bool, **fields: Any) -> dict[str, Any]:
    """POST /v1/consents: one decision recorded."""
    payload = {"email": email, "purpose": purpose, "granted": granted, "source": "api", **fields}
    status, answer = call(desk, "POST", "/v1/consents", payload)
    assert status == 200, answer
    return answer


def may_contact(desk: Desk, emails: list[str], purpose: str = "marketing_email") -> list[str]:
    """POST /v1/consents/may-contact: the addresses a campaign may write to."""
    status, answer = call(desk, "POST", "/v1/consents/may-contact", {"purpose": purpose, "emails": emails})
    assert status == 200, answer
    allowed: list[str] = answer["emails"]
    return allowed


# ------------------------------------------------------------------------------ opt-outs on arrival


def test_a_mailed_marketing_opt_out_is_applied_on_arrival_recorded_and_confirmed(
    desk: Desk, clock: FakeClock, sample_mail: dict[str, bytes]
) -> None:
    # GIVEN a person a campaign may write to (no decision yet, opt-out model)
    sender = "camille.martin@example.fr"
    assert may_contact(desk, [sender]) == [sender]
    # WHEN they write to privacy@ (in French) to stop marketing
    result = desk.deliver(sample_mail["03-marketing-fr.eml"], sender=sender)
    ref = result["case_ref"]
    # THEN the opt-out is completed at once, with the time it was applied, and the case is closed
    case = case_detail(desk, ref)
    assert [(i["right"], i["state"]) for i in case["items"]] == [("marketing_opt_out", "completed")]
    assert case["closed_at"] == clock.now.isoformat()
    [applied] = [e for e in case["events"] if e["detail"].get("action") == "complete"]
    assert applied["detail"]["applied_at"] == clock.now.isoformat()
    assert applied["actor"] == "system"
    # AND the ledger holds the withdrawal, from the email channel, with the case as evidence
    ledger = lookup(desk, case["requester"])
    assert purposes(ledger)["marketing_email"] == "withdrawn"
    [event] = ledger["events"]
    assert (event["source"], event["granted"], event["evidence"]["case"]) == ("email", False, ref)
    assert ledger["chain"] == {"ok": True, "events": 1, "first_broken_seq": None, "reason": "intact"}
    # AND a campaign may no longer write to them, however the address is spelled
    assert may_contact(desk, [case["requester"], f"  {case['requester'].upper()} "]) == []
    # AND the one mail they get confirms it was applied, and promises no later answer
    [ack] = outbox(desk, ref)
    assert ack["template"] == "acknowledgement"
    assert ack["language"] == "fr"
    assert "nous avons appliqué la vôtre dès sa réception" in ack["text"]
    assert "Vous recevrez notre réponse" not in ack["text"]


def test_a_gpc_signal_withdraws_sharing_at_once_from_the_gpc_channel(desk: Desk, clock: FakeClock) -> None:
    # WHEN a browser sending Global Privacy Control submits an access request
    ref = submit(desk, headers={"Sec-GPC": "1"})["ref"]
    # THEN access waits for verification while sharing is already withdrawn, recorded as a GPC signal
    states = {i["right"]: i["state"] for i in case_detail(desk, ref)["items"]}
    assert states == {"access": "awaiting_verification", "sharing_opt_out": "completed"}
    ledger = lookup(desk, ANA)
    assert purposes(ledger) == {
        "marketing_email": "no_record",
        "third_party_sharing": "withdrawn",
    }
    assert [e["source"] for e in ledger["events"]] == ["gpc"]
    assert may_contact(desk, [ANA], "third_party_sharing") == []
    assert may_contact(desk, [ANA], "marketing_email") == [ANA]


# ----------------------------------------------------------------------------- the ledger over time


def test_the_ledger_answers_what_a_person_agreed_to_on_a_given_date(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a person who signed up to marketing on 12 January, then opted out by email on 20 February
    decide(desk, ANA, "marketing_email", True, policy_version="2026-01", evidence={"form": "signup"})
    clock.now += timedelta(days=39)
    submit(desk, rights=("marketing_opt_out",))
    # WHEN the team asks what they had agreed to at several dates
    before = lookup(desk, ANA, "2026-01-11")
    during = lookup(desk, ANA, "2026-02-01")
    after = lookup(desk, ANA, "2026-02-20")
    # THEN each answer is the state of that day, with the events up to it, and the whole chain checked
    assert purposes(before)["marketing_email"] == "no_record"
    assert before["events"] == []
    assert purposes(during)["marketing_email"] == "granted"
    [grant] = during["events"]
    assert (grant["policy_version"], grant["evidence"]["form"], grant["source"]) == (
        "2026-01",
        "signup",
        "api",
    )
    assert purposes(after)["marketing_email"] == "withdrawn"
    assert [e["granted"] for e in after["events"]] == [True, False]
    assert after["events"][1]["prev_hash"] == after["events"][0]["hash"]
    assert all(answer["chain"]["ok"] for answer in (before, during, after))


def test_an_edited_consent_event_is_caught_by_the_chain(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a grant and a withdrawal
    decide(desk, ANA, "marketing_email", True)
    clock.advance(days=1)
    ledger = decide(desk, ANA, "marketing_email", False)
    subject = ledger["subject"]
    # WHEN someone with write access to the table turns the withdrawal back into a grant
    table = desk.session.resource("dynamodb").Table(desk.env["CASES_TABLE"])
    table.update_item(
        Key={"pk": f"SUBJECT#{subject}", "sk": "CONSENT#0000000002"},
        UpdateExpression="SET granted = :yes",
        ExpressionAttributeValues={":yes": True},
    )
    # THEN the chain check names that event
    chain = lookup(desk, ANA)["chain"]
    assert (chain["ok"], chain["first_broken_seq"]) == (False, 2)
    assert "edited" in chain["reason"]


@pytest.mark.parametrize(("model", "contactable"), [("opt_out", True), ("opt_in", False)])
def test_a_person_with_no_decision_follows_the_deployments_consent_model(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, model: str, contactable: bool
) -> None:
    # GIVEN a deployment with this consent model
    monkeypatch.setenv("CONSENT_MODEL", model)
    reset_caches()
    # WHEN a campaign asks about one person who opted in, one who opted out, and one never asked
    decide(desk, "yes@example.org", "marketing_email", True)
    decide(desk, "no@example.org", "marketing_email", False)
    allowed = may_contact(desk, ["yes@example.org", "no@example.org", "never@example.org"])
    # THEN their own word counts, and the model decides for the one never asked
    assert allowed == ["yes@example.org", *(["never@example.org"] if contactable else [])]
    assert lookup(desk, "never@example.org")["consent_model"] == model


def test_an_internationalised_domain_is_the_same_person_in_either_spelling(
    desk: Desk, clock: FakeClock
) -> None:
    decide(desk, "Jörg@Bücher.example", "marketing_email", False)
    assert lookup(desk, "jörg@xn--bcher-kva.example")["purposes"][0]["state"] == "withdrawn"
    assert may_contact(desk, ["jörg@bücher.example", "jörg@xn--bcher-kva.example"]) == []


# ------------------------------------------------------------------------------------ the edges


@pytest.mark.parametrize(
    ("path", "payload", "status", "message"),
    [
        (
            "/v1/consents",
            {"email": ANA, "purpose": "telepathy", "granted": True, "source": "api"},
            404,
            "unknown purpose",
        ),
        ("/v1/consents/may-contact", {"purpose": "telepathy", "emails": [ANA]}, 404, "unknown purpose"),
        (
            "/v1/consents",
            {"email": ANA, "purpose": "marketing_email", "granted": True, "source": "gpc"},
            400,
            "source",
        ),
        ("/v1/consents/lookup", {"email": "not-an-address"}, 400, "email"),
        ("/v1/consents/lookup", {"email": ANA, "as_of": "2026-01-01T10:00:00"}, 400, "as_of"),
        ("/v1/consents/lookup", {"email": ANA, "as_of": "2026-02-30"}, 400, "as_of"),
    ],
)
def test_what_the_ledger_cannot_take_is_refused_without_echoing_the_address(
    desk: Desk, path: str, payload: dict[str, Any], status: int, message: str
) -> None:
    answered, answer = call(desk, "POST", path, payload)
    assert answered == status
    assert message in answer["error"]["message"]
    assert ANA not in answer["error"]["message"]


@pytest.mark.parametrize(
    ("as_of", "seen"),
    [
        ("0001-01-01T00:00:00+05:00", "no_record"),
        ("9999-12-31", "withdrawn"),
        ("9999-12-31T23:59:59-05:00", "withdrawn"),
    ],
)
def test_moments_at_the_edges_of_the_calendar_mean_before_anything_and_after_everything(
    desk: Desk, clock: FakeClock, as_of: str, seen: str
) -> None:
    decide(desk, ANA, "marketing_email", False)
    assert purposes(lookup(desk, ANA, as_of))["marketing_email"] == seen


def test_the_export_pages_through_every_subject_with_its_chain_checked(desk: Desk, clock: FakeClock) -> None:
    # GIVEN five people with decisions, one with two
    people = [f"p{n}@example.org" for n in range(5)]
    for person in people:
        decide(desk, person, "marketing_email", True)
    decide(desk, people[0], "third_party_sharing", False)
    # WHEN an auditor pages through the export two subjects at a time
    seen: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        status, page = call(desk, "GET", "/v1/consents/export?limit=2" + (f"&after={after}" if after else ""))
        assert status == 200, page
        seen += page["subjects"]
        after = page["next"]
        if after is None:
            break
    # THEN every subject appears once, with every event, and every chain is intact
    assert sorted(s["email"] for s in seen) == people
    assert len({s["subject"] for s in seen}) == 5
    assert sum(len(s["events"]) for s in seen) == 6
    assert all(s["chain"]["ok"] for s in seen)


# ---------------------------------------------------------------------------- the SES contact list


def topic_status(desk: Desk, email: str) -> str | None:
    """The address's marketing topic on the SES contact list (None: SES has no such contact)."""
    ses = desk.session.client("sesv2")
    try:
        contact = ses.get_contact(ContactListName=desk.env["CONTACT_LIST_NAME"], EmailAddress=email)
    except ses.exceptions.NotFoundException:
        return None
    [topic] = [t for t in contact["TopicPreferences"] if t["TopicName"] == desk.env["MARKETING_TOPIC"]]
    status: str = topic["SubscriptionStatus"]
    return status


def test_a_marketing_opt_out_is_mirrored_to_the_ses_contact_list_topic_and_nothing_else(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_call = botocore.client.BaseClient._make_api_call

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append(operation)
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    # GIVEN a person the company's mailing system holds, subscribed to offers and to product news
    ses = desk.session.client("sesv2")
    contacts = desk.env["CONTACT_LIST_NAME"]
    ses.create_contact(
        ContactListName=contacts,
        EmailAddress=ANA,
        TopicPreferences=[
            {"TopicName": "marketing", "SubscriptionStatus": "OPT_IN"},
            {"TopicName": "product_news", "SubscriptionStatus": "OPT_IN"},
        ],
    )
    # WHEN the ledger records their grant, then their opt-out through the API, and a sharing decision
    decide(desk, ANA, "marketing_email", True)
    clock.advance(days=3)
    submit(desk, rights=("marketing_opt_out",))
    decide(desk, ANA, "third_party_sharing", False)
    desk.sync_consents()
    # THEN SES itself now drops offers to them, whichever system sends them
    assert topic_status(desk, ANA) == "OPT_OUT"
    # AND their other topic is left as they set it (SES replaces the whole list of preferences)
    contact = ses.get_contact(ContactListName=contacts, EmailAddress=ANA)
    assert {"TopicName": "product_news", "SubscriptionStatus": "OPT_IN"} in contact["TopicPreferences"]
    assert contact["UnsubscribeAll"] is False
    # AND never through the account-level suppression list, which would also block every legal notice
    assert not [c for c in calls if "Suppress" in c]
    # AND a person SES never heard of who opts out is added, opted out
    submit(desk, email="new.person@example.org", rights=("marketing_opt_out",))
    desk.sync_consents()
    assert topic_status(desk, "new.person@example.org") == "OPT_OUT"


def test_a_grant_is_not_mirrored_so_an_unsubscribe_made_through_ses_stands(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a person who unsubscribed through SES's own link (the ledger never hears of it)
    ses = desk.session.client("sesv2")
    ses.create_contact(
        ContactListName=desk.env["CONTACT_LIST_NAME"],
        EmailAddress=ANA,
        TopicPreferences=[{"TopicName": "marketing", "SubscriptionStatus": "OPT_OUT"}],
    )
    # WHEN an import records a grant for them
    decide(desk, ANA, "marketing_email", True, source="import")
    desk.sync_consents()
    # THEN SES keeps them unsubscribed
    assert topic_status(desk, ANA) == "OPT_OUT"


def test_a_withdrawal_replayed_after_a_later_grant_opts_nobody_out(desk: Desk, clock: FakeClock) -> None:
    from privacydesk.handlers import consent_sync  # noqa: PLC0415

    # GIVEN a person who opted out, then back in
    decide(desk, ANA, "marketing_email", False)
    [withdrawal] = stream_records(desk)
    clock.advance(days=1)
    decide(desk, ANA, "marketing_email", True)
    # WHEN the withdrawal's stream record is retried only now
    consent_sync.lambda_handler({"Records": [withdrawal]}, LocalContext("ConsentSyncFunction"))
    # THEN the ledger's current word (a grant) is what counts: SES is not told to opt them out
    assert topic_status(desk, ANA) is None


def stream_records(desk: Desk) -> list[dict[str, Any]]:
    """Every consent-projection record on the table's stream so far."""
    streams = desk.session.client("dynamodbstreams")
    arn = desk.resources.streams["CasesTable"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return [r for r in records if r["dynamodb"]["NewImage"].get("entity", {}).get("S") == "consent_state"]


def test_a_deleted_projection_is_reported_not_taken_for_no_record(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a person who withdrew
    subject = decide(desk, ANA, "marketing_email", False)["subject"]
    # WHEN someone deletes their projection behind the desk's back
    table = desk.session.resource("dynamodb").Table(desk.env["CASES_TABLE"])
    table.delete_item(Key={"pk": f"SUBJECT#{subject}", "sk": "STATE"})
    # THEN the lookup says the chain is broken instead of "no record"
    chain = lookup(desk, ANA)["chain"]
    assert (chain["ok"], chain["first_broken_seq"]) == (False, 1)
    assert "no projection" in chain["reason"]


def test_the_address_is_kept_as_given_and_a_german_sharp_s_is_not_another_domain(
    desk: Desk, clock: FakeClock
) -> None:
    # IDNA 2008: straße.de and strasse.de are two domains, so two people
    decide(desk, "anna@straße.de", "marketing_email", False)
    assert purposes(lookup(desk, "anna@strasse.de"))["marketing_email"] == "no_record"
    assert purposes(lookup(desk, "ANNA@STRASSE.de"))["marketing_email"] == "no_record"
    # AND the mail address the ledger keeps is the one given, not a rewritten one
    assert lookup(desk, "Anna@Straße.de")["email"] == "anna@straße.de"


def test_the_requester_sees_what_their_opt_out_changed_and_nothing_else_of_the_address(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN an address whose owner agreed to marketing and withdrew sharing
    decide(desk, ANA, "marketing_email", True)
    decide(desk, ANA, "third_party_sharing", False)
    # WHEN someone asks, over the web form and without any identity check, to stop marketing to it
    submitted = submit(desk, rights=("marketing_opt_out",))
    status, seen = call(desk, "GET", submitted["status_url"].split("127.0.0.1:8080", 1)[-1])
    # THEN the status shows the opt-out applied, and only the purpose it changed
    assert status == 200
    assert seen["state"] == "completed"
    assert [(p["purpose"], p["state"], p["may_contact"]) for p in seen["consents"]] == [
        ("marketing_email", "withdrawn", False)
    ]
    # AND a request that changes no consent shows none: a stranger learns nothing of the address
    other = submit(desk, rights=("question",))
    _, seen = call(desk, "GET", other["status_url"].split("127.0.0.1:8080", 1)[-1])
    assert seen["consents"] == []
