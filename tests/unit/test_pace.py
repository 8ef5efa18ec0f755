"""The notice senders' pacer: sends on slots one interval apart, so SES never sees more than the rate."""

import bisect

from hypothesis import given, settings
from hypothesis import strategies as st

from privacydesk.logic.pace import Pacer


class FakeTime:
    """A clock that sleeps exactly, plus an overshoot per sleep, as a loaded machine would."""

    def __init__(self, overshoot: float = 0.0) -> None:
        self.now = 100.0
        self.overshoot = overshoot

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.overshoot


def send_times(pacer: Pacer, fake: FakeTime, sends: int, work: float) -> list[float]:
    """When each send went out, with `work` seconds spent after each one."""
    times = []
    for _ in range(sends):
        pacer.wait()
        times.append(fake.now)
        fake.now += work
    return times


def busiest_second(times: list[float]) -> int:
    """The most sends in any window of one second."""
    return max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))


@settings(max_examples=60, deadline=None)
@given(
    rate=st.sampled_from([5.0, 14.0, 100.0, 200.0]),
    overshoot=st.floats(min_value=0.0, max_value=0.004),
    work=st.floats(min_value=0.0, max_value=0.004),
)
def test_no_second_ever_holds_more_than_the_rate(rate: float, overshoot: float, work: float) -> None:
    fake = FakeTime(overshoot)
    times = send_times(Pacer(rate, clock=fake.clock, sleep=fake.sleep), fake, int(rate * 5), work)
    assert busiest_second(times) <= rate


def test_the_pace_stays_within_five_percent_of_the_rate_when_the_sender_keeps_up() -> None:
    fake = FakeTime(overshoot=0.0005)
    times = send_times(Pacer(200.0, clock=fake.clock, sleep=fake.sleep), fake, 2000, work=0.001)
    pace = (len(times) - 1) / (times[-1] - times[0])
    assert 190.0 <= pace <= 200.0


def test_after_an_idle_spell_the_sender_does_not_burst() -> None:
    fake = FakeTime()
    pacer = Pacer(10.0, clock=fake.clock, sleep=fake.sleep)
    first = send_times(pacer, fake, 5, work=0.0)
    fake.now += 60.0  # nothing to send for a minute
    after = send_times(pacer, fake, 12, work=0.0)
    assert busiest_second(first + after) <= 10
    assert after[1] - after[0] >= pacer.interval - 1e-9
