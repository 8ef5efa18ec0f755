"""The local Lambda runtime hands each function one event at a time, as one execution environment does."""

import threading
import time
from typing import Any

from privacydesk_local.lambda_runtime import invoke


def test_a_function_takes_its_events_one_at_a_time_while_other_functions_run_alongside() -> None:
    # GIVEN handlers that note how many of their own invocations are in flight
    in_flight: dict[str, int] = {"A": 0, "B": 0}
    most: dict[str, int] = {"A": 0, "B": 0}
    both = threading.Event()
    lock = threading.Lock()

    def handler(name: str) -> Any:
        def handle(event: dict[str, Any], context: Any) -> str:
            with lock:
                in_flight[name] += 1
                most[name] = max(most[name], in_flight[name])
                if in_flight["A"] and in_flight["B"]:
                    both.set()
            time.sleep(0.05)
            with lock:
                in_flight[name] -= 1
            return str(context.function_name)

        return handle

    # WHEN eight threads invoke function A and eight invoke function B at once
    threads = [
        threading.Thread(target=invoke, args=(name, handler(name), {}))
        for name in ("A", "B")
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN no function ever had two events in hand (a handler's module state is one request's), while
    # the two functions did run side by side
    assert most == {"A": 1, "B": 1}
    assert both.is_set()
