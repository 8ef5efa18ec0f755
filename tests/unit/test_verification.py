"""Identity verification: single use, expiry, binding to case and purpose, attempt and resend limits."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privacydesk.logic import verification as v
from privacydesk.models.verification import Challenge, RedeemReason, ResendLimitError, VerificationError

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
REF = "PD-7KQ4-M9XW-C2HT"
OTHER_REF = "PD-2222-3333-4444"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ADDRESS = "Ana.Requester@Example.org"


def _issue(
    now: datetime = T0, *, previous: Challenge | None = None, ref: str = REF
) -> tuple[Challenge, str, str]:
    return v.issue(ref, "identity", ADDRESS, now, KEY, previous=previous)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**v.CODE_DIGITS:06d}"


def test_a_code_redeems_once_and_a_replay_is_refused() -> None:
    # GIVEN a fresh challenge
    challenge, code, _ = _issue()
    # WHEN the code is redeemed
    first = v.redeem(challenge, purpose="identity", now=T0 + timedelta(minutes=5), key=KEY, code=code)
    # THEN it succeeds once and records when
    assert first.ok
    assert first.reason is RedeemReason.OK
    assert (first.ok, first.reason) == (True, "ok")
    assert first.challenge.used_at == T0 + timedelta(minutes=5)
    assert first.challenge.version == challenge.version + 1
    # AND neither the code nor the link redeems the used challenge again
    again = v.redeem(first.challenge, purpose="identity", now=T0 + timedelta(minutes=6), key=KEY, code=code)
    assert (again.ok, again.reason) == (False, "used")
    assert again.challenge == first.challenge


def test_a_used_challenge_refuses_its_link_too() -> None:
    challenge, code, token = _issue()
    used = v.redeem(challenge, purpose="identity", now=T0, key=KEY, token=token).challenge
    assert v.redeem(used, purpose="identity", now=T0, key=KEY, code=code).reason == "used"
    assert v.redeem(used, purpose="identity", now=T0, key=KEY, token=token).reason == "used"


def test_the_code_expires_at_its_exact_boundary_while_a_longer_lived_link_still_works() -> None:
    # GIVEN a challenge whose code lives a day and whose link lives the default 72 h
    challenge, code, token = v.issue(REF, "identity", ADDRESS, T0, KEY, code_ttl=timedelta(hours=24))
    code_end = T0 + timedelta(hours=24)
    assert challenge.code_expires_at == code_end
    # THEN one microsecond before the end the code works, at the end it has expired
    just_before = v.redeem(
        challenge, purpose="identity", now=code_end - timedelta(microseconds=1), key=KEY, code=code
    )
    assert just_before.ok
    at_end = v.redeem(challenge, purpose="identity", now=code_end, key=KEY, code=code)
    assert (at_end.ok, at_end.reason) == (False, "expired")
    # AND an expired code costs no attempt and changes nothing
    assert at_end.challenge == challenge
    # AND the link still works then
    assert v.redeem(challenge, purpose="identity", now=code_end, key=KEY, token=token).ok


def test_the_link_expires_at_its_exact_boundary() -> None:
    challenge, _, token = _issue()
    link_end = T0 + v.LINK_TTL
    assert challenge.link_expires_at == link_end == T0 + timedelta(hours=72)
    before = v.redeem(
        challenge, purpose="identity", now=link_end - timedelta(microseconds=1), key=KEY, token=token
    )
    assert before.ok
    at_end = v.redeem(challenge, purpose="identity", now=link_end, key=KEY, token=token)
    assert (at_end.ok, at_end.reason) == (False, "expired")


def test_lifetimes_are_configurable() -> None:
    challenge, code, _ = v.issue(
        REF, "identity", ADDRESS, T0, KEY, link_ttl=timedelta(hours=1), code_ttl=timedelta(minutes=10)
    )
    assert challenge.link_expires_at == T0 + timedelta(hours=1)
    late = v.redeem(challenge, purpose="identity", now=T0 + timedelta(minutes=10), key=KEY, code=code)
    assert late.reason == "expired"


def test_a_challenge_for_another_purpose_is_refused() -> None:
    challenge, code, token = _issue()
    for kwargs in ({"code": code}, {"token": token}):
        result = v.redeem(challenge, purpose="email_change", now=T0, key=KEY, **kwargs)
        assert (result.ok, result.reason) == (False, "wrong_purpose")
        assert result.challenge == challenge


def test_the_mac_binds_the_purpose_so_relabelling_a_stored_challenge_does_not_help() -> None:
    # GIVEN someone who can write the store relabels an identity challenge as another purpose
    challenge, code, _ = _issue()
    relabelled = dataclasses.replace(challenge, purpose="email_change")
    # THEN the right code does not redeem it for that purpose
    result = v.redeem(relabelled, purpose="email_change", now=T0, key=KEY, code=code)
    assert (result.ok, result.reason) == (False, "wrong_code")


def test_a_code_for_another_case_never_matches() -> None:
    # GIVEN two cases' challenges, and case A's code and link
    a, code_a, token_a = _issue(ref=REF)
    b, _, _ = _issue(ref=OTHER_REF)
    # THEN A's code and link do not redeem B
    assert v.redeem(b, purpose="identity", now=T0, key=KEY, code=code_a).reason == "wrong_code"
    assert v.redeem(b, purpose="identity", now=T0, key=KEY, token=token_a).reason == "wrong_token"
    # AND not even if A's stored MACs are copied onto B's record
    grafted = dataclasses.replace(b, code_hmac=a.code_hmac, link_hmac=a.link_hmac)
    assert v.redeem(grafted, purpose="identity", now=T0, key=KEY, code=code_a).reason == "wrong_code"
    assert v.redeem(grafted, purpose="identity", now=T0, key=KEY, token=token_a).reason == "wrong_token"


def test_a_code_is_not_a_link_token_and_the_key_matters() -> None:
    challenge, code, _ = _issue()
    assert v.redeem(challenge, purpose="identity", now=T0, key=KEY, token=code).reason == "wrong_token"
    assert v.redeem(challenge, purpose="identity", now=T0, key=OTHER_KEY, code=code).reason == "wrong_code"


def test_five_wrong_codes_lock_the_challenge_until_a_fresh_issue() -> None:
    # GIVEN a challenge and five wrong codes
    challenge, code, token = _issue()
    for attempt in range(1, v.MAX_ATTEMPTS + 1):
        result = v.redeem(challenge, purpose="identity", now=T0, key=KEY, code=_wrong(code))
        assert (result.ok, result.reason) == (False, "wrong_code")
        assert result.challenge.attempts == attempt
        assert result.challenge.version == challenge.version + 1
        challenge = result.challenge
    # WHEN the right code and the right link come next
    locked_code = v.redeem(challenge, purpose="identity", now=T0, key=KEY, code=code)
    locked_link = v.redeem(challenge, purpose="identity", now=T0, key=KEY, token=token)
    # THEN both are refused as locked, without changing the record
    assert (locked_code.ok, locked_code.reason) == (False, "locked")
    assert (locked_link.ok, locked_link.reason) == (False, "locked")
    assert locked_code.challenge == challenge
    # AND a fresh issue resets the attempts and its new code works
    fresh, new_code, _ = _issue(T0 + timedelta(minutes=2), previous=challenge)
    assert (fresh.attempts, fresh.used_at) == (0, None)
    assert v.redeem(fresh, purpose="identity", now=T0 + timedelta(minutes=3), key=KEY, code=new_code).ok


def test_four_wrong_codes_leave_one_try() -> None:
    challenge, code, _ = _issue()
    for _ in range(v.MAX_ATTEMPTS - 1):
        challenge = v.redeem(challenge, purpose="identity", now=T0, key=KEY, code=_wrong(code)).challenge
    assert v.redeem(challenge, purpose="identity", now=T0, key=KEY, code=code).ok


def test_a_wrong_link_token_counts_as_an_attempt() -> None:
    challenge, _, token = _issue()
    result = v.redeem(challenge, purpose="identity", now=T0, key=KEY, token=token[:-1] + "x")
    assert (result.ok, result.reason, result.challenge.attempts) == (False, "wrong_token", 1)


def test_exactly_one_of_code_or_token_is_required() -> None:
    challenge, code, token = _issue()
    with pytest.raises(ValueError, match="exactly one"):
        v.redeem(challenge, purpose="identity", now=T0, key=KEY)
    with pytest.raises(ValueError, match="exactly one"):
        v.redeem(challenge, purpose="identity", now=T0, key=KEY, code=code, token=token)


def test_spaces_in_a_typed_code_are_ignored() -> None:
    challenge, code, _ = _issue()
    assert v.redeem(challenge, purpose="identity", now=T0, key=KEY, code=f" {code[:3]} {code[3:]}\n").ok


def test_a_resend_within_a_minute_is_refused() -> None:
    # GIVEN a code sent at T0
    first, _, _ = _issue()
    # WHEN another is asked for 59 seconds later
    with pytest.raises(ResendLimitError) as caught:
        _issue(T0 + timedelta(seconds=59), previous=first)
    # THEN it is refused until a minute has passed, and allowed at that moment
    assert isinstance(caught.value, VerificationError)
    assert caught.value.retry_at == T0 + timedelta(seconds=v.MIN_SECONDS_BETWEEN_SENDS)
    second, _, _ = _issue(T0 + timedelta(seconds=60), previous=first)
    assert second.sends == (T0, T0 + timedelta(seconds=60))
    assert second.version == first.version + 1


def test_a_sixth_send_in_24_hours_is_refused_and_old_sends_are_forgotten() -> None:
    # GIVEN five sends an hour apart
    challenge, _, _ = _issue()
    for hour in range(1, v.MAX_SENDS_PER_DAY):
        challenge, _, _ = _issue(T0 + timedelta(hours=hour), previous=challenge)
    assert len(challenge.sends) == v.MAX_SENDS_PER_DAY
    # WHEN a sixth is asked for within 24 hours of the first
    with pytest.raises(ResendLimitError, match="24 hours") as caught:
        _issue(T0 + timedelta(hours=23, minutes=59), previous=challenge)
    # THEN it is refused until the first send leaves the window
    assert caught.value.retry_at == T0 + timedelta(hours=24)
    # AND once 24 hours have passed since the first, the first no longer counts
    later, _, _ = _issue(T0 + timedelta(hours=24), previous=challenge)
    assert later.sends[0] == T0 + timedelta(hours=1)
    assert len(later.sends) == v.MAX_SENDS_PER_DAY


def test_the_error_message_of_a_refused_resend_names_no_one() -> None:
    first, _, _ = _issue()
    with pytest.raises(ResendLimitError) as caught:
        _issue(T0, previous=first)
    assert ADDRESS.lower() not in str(caught.value).lower()
    assert REF not in str(caught.value)


def test_a_previous_challenge_of_another_case_cannot_be_carried_over() -> None:
    first, _, _ = _issue()
    with pytest.raises(ValueError, match="another case"):
        _issue(T0 + timedelta(hours=1), previous=first, ref=OTHER_REF)


def test_issue_needs_an_aware_time_and_a_key() -> None:
    with pytest.raises(ValueError, match="timezone"):
        v.issue(REF, "identity", ADDRESS, T0.replace(tzinfo=None), KEY)
    with pytest.raises(ValueError, match="key"):
        v.issue(REF, "identity", ADDRESS, T0, b"")


def test_codes_are_six_digits_drawn_uniformly() -> None:
    codes = [_issue()[1] for _ in range(5000)]
    assert all(len(code) == v.CODE_DIGITS and code.isdigit() for code in codes)
    # Every digit value appears in every position about 500 times out of 5000 (10%).
    for position in range(v.CODE_DIGITS):
        counts = [sum(code[position] == str(digit) for code in codes) for digit in range(10)]
        assert min(counts) > 380
        assert max(counts) < 620
    assert len(set(codes)) > 4900


def test_link_tokens_are_long_and_unique() -> None:
    tokens = {_issue()[2] for _ in range(200)}
    assert len(tokens) == 200
    # 192 bits of HMAC output, URL-safe base64 without padding.
    assert all(len(token) == 32 for token in tokens)


def test_nothing_clear_is_stored() -> None:
    # GIVEN a fresh challenge and the clear secrets that were mailed
    challenge, code, token = _issue()
    stored = [str(value) for value in dataclasses.asdict(challenge).values()]
    # THEN no stored field holds the code, the token or the address
    for value in stored:
        assert code not in value
        assert token not in value
        assert ADDRESS.lower() not in value.lower()
    assert challenge.address_hash == v.address_hash(KEY, " ana.requester@example.ORG ")


def test_status_tokens_match_only_their_case_and_key() -> None:
    token = v.new_status_token()
    stored = v.status_token_hash(KEY, REF, token)
    assert token not in stored
    assert v.status_token_matches(KEY, REF, token, stored)
    assert not v.status_token_matches(KEY, REF, v.new_status_token(), stored)
    assert not v.status_token_matches(KEY, OTHER_REF, token, stored)
    assert not v.status_token_matches(OTHER_KEY, REF, token, stored)
    assert not v.status_token_matches(KEY, REF, "", stored)
    assert not v.status_token_matches(KEY, REF, token, None)
    assert not v.status_token_matches(KEY, REF, "café", stored)


@given(guess=st.text(alphabet="0123456789", min_size=0, max_size=8))
def test_a_random_wrong_code_never_redeems(guess: str) -> None:
    challenge, code, _ = _issue()
    result = v.redeem(challenge, purpose="identity", now=T0, key=KEY, code=guess)
    assert result.ok == (guess == code)
    if guess != code:
        assert result.reason == "wrong_code"
        assert result.challenge.attempts == 1
        assert result.challenge.used_at is None


@given(guess=st.text(min_size=1, max_size=60))
def test_a_random_wrong_token_never_redeems(guess: str) -> None:
    challenge, _, token = _issue()
    result = v.redeem(challenge, purpose="identity", now=T0, key=KEY, token=guess)
    assert result.ok == (guess == token)
