"""Hidden suite for 12_celery: tasks, retries with exponential backoff, a chain and a chord.

Every task runs on a real Celery worker (see conftest.py) and every result comes back through the
result backend: tests call .delay() / .apply_async() / send_task() and wait with .get(timeout=...).
Retries and backoff are observed through Celery's own signals (task_retry, before_task_publish).
The submission comes through the `student` fixture (never imported here). The suite runs in the
grader's process and the submission, the worker, the broker and the backend in the student's:
tasks, results and the app are handles (attribute reads and method calls cross), signatures stay
with the `driver` helper, and the signals' records come back as plain data (conftest.py).

PYTEST_DONT_REWRITE: a failed assertion shows the student its message alone, without pytest's
explanation of the compared values (which would show internal records such as the retry events).
"""

import contextlib
import time
from collections.abc import Callable
from typing import Any

import pytest

RESULT_TIMEOUT_S = 4.0
TASK_NAMES = ("roadmap.add", "roadmap.mul", "roadmap.square", "roadmap.total", "roadmap.fetch_price")


# --- helpers ---------------------------------------------------------------------------------


def error_name(exc: BaseException) -> str:
    module = type(exc).__module__
    prefix = "" if module == "builtins" else f"{module}."
    return f"{prefix}{type(exc).__name__}: {exc}"


def get_result(driver: Any, result: Any, what: str) -> Any:
    """`result.get(...)` in the student's process; Celery's own timeout fails the test readably."""
    if driver.is_result(result) is not True:
        pytest.fail(f"{what} should give an AsyncResult, got {driver.describe(result)}", pytrace=False)
    timeout_error = driver.CeleryTimeoutError
    try:
        return result.get(timeout=RESULT_TIMEOUT_S, interval=0.01)
    except timeout_error:
        raise NoResult from None


class NoResult(Exception):
    """The task gave no result within RESULT_TIMEOUT_S."""


def wait_for(driver: Any, result: Any, what: str) -> Any:
    """The task's return value, or a readable failure when it raised or never answered."""
    if driver.is_result(result) is True and getattr(result, "ignored", False) is True:
        pytest.fail(f"{what}: the task ignores its result (ignore_result=True), so .get() has nothing to return", pytrace=False)
    try:
        return get_result(driver, result, what)
    except NoResult:
        pytest.fail(
            f"{what}: no result within {RESULT_TIMEOUT_S:g} s. Is the task registered under its name, "
            "and does it keep its result (no ignore_result=True)?",
            pytrace=False,
        )
    except Exception as exc:
        pytest.fail(f"{what} should succeed, but the task raised {error_name(exc)}", pytrace=False)


def wait_for_error(driver: Any, result: Any, expected: type[BaseException], what: str) -> BaseException:
    """The exception the task ended with, which must be an `expected`."""
    try:
        value = get_result(driver, result, what)
    except NoResult:
        pytest.fail(
            f"{what} should fail with {expected.__name__}, but gave no result within {RESULT_TIMEOUT_S:g} s", pytrace=False
        )
    except expected as exc:
        return exc
    except Exception as exc:
        pytest.fail(f"{what} should fail with {expected.__name__}, but it failed with {error_name(exc)}", pytrace=False)
    pytest.fail(f"{what} should fail with {expected.__name__}, but it returned {value!r}", pytrace=False)


def root_id(result: Any) -> str:
    """The id of the first task of the chain that `result` ends (its own id for a single task)."""
    while (parent := result.parent) is not None:
        result = parent
    return str(result.id)


def task_of(driver: Any, student: Any, name: str) -> Any:
    """The submission's task `name` (a handle), failing readably when it is missing or not a Celery task."""
    found = getattr(student, name, None)
    if driver.is_task(found) is not True:
        pytest.fail(
            f"tasks.{name} should be a Celery task (decorate it with @app.task(name='roadmap.{name}', ...)), "
            f"got {driver.describe(found)}",
            pytrace=False,
        )
    return found


def signature_of(driver: Any, function: Any, args: list[Any], what: str) -> Any:
    """Call a canvas-building function; it must return a Signature that has not been sent yet.
    The signature stays in the student's process (the driver holds it)."""
    try:
        held = driver.build(function, args)
    except Exception as exc:
        pytest.fail(f"{what} should return a signature, but it raised {error_name(exc)}", pytrace=False)
    checked = driver.check(held)
    if not isinstance(checked, dict) or checked.get("signature") is not True:
        shown = checked.get("shown") if isinstance(checked, dict) else None
        pytest.fail(
            f"{what} should return a Signature (a chain or chord the caller runs with .apply_async()), got {shown}",
            pytrace=False,
        )
    return held


def run(driver: Any, held: Any, what: str) -> Any:
    try:
        result = driver.apply_async(held)
    except Exception as exc:
        pytest.fail(f"{what}.apply_async() raised {error_name(exc)}", pytrace=False)
    return result


def settle(done: Callable[[], bool], timeout_s: float = 1.0) -> None:
    """Wait (briefly) until `done()`: a worker thread may still be sending the last signal."""
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)


def retry_counts(events: Any, task_id: str) -> list[int]:
    return [event.retries for event in events.retries_of(task_id)]


# --- Part 1: tasks on a real worker ----------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Decorate add and mul with @app.task(name='roadmap.add') / (name='roadmap.mul'); a worker runs them. "
    "Leave the broker, the result backend and task_always_eager out of tasks.py: whoever runs the worker sets them.",
)
def test_add_and_mul_run_on_the_worker(student: Any, driver: Any, app: Any, events: Any, worker_state: Any) -> None:
    result = task_of(driver, student, "add").delay(2, 3)
    got = wait_for(driver, result, "add.delay(2, 3)")
    assert got == 5, f"add.delay(2, 3).get() should be 5, got {got!r}"
    product = wait_for(driver, task_of(driver, student, "mul").apply_async((4, 2.5)), "mul.apply_async((4, 2.5))")
    assert product == 10.0, f"mul.apply_async((4, 2.5)).get() should be 10.0, got {product!r}"
    ran = [event for event in events.ran if event.task_id == result.id]
    assert ran, "add.delay(2, 3) should be run by the worker, but the worker never started it"
    assert not ran[0].eager and not ran[0].main_thread, (
        f"add should run in a worker thread, not eagerly in the caller; it ran in {ran[0].thread!r} (eager={ran[0].eager})"
    )
    # As tasks.py left the app, before the grader configured it.
    wrong = sorted(key for key, value in worker_state.submitted.items() if value)
    assert not wrong, f"tasks.py should leave the broker, the result backend and eager mode unset, but it sets {wrong}"


@pytest.mark.points(1, hint="square(x) returns x * x and total(numbers) returns sum(numbers); total([]) is 0.")
def test_square_and_total(student: Any, driver: Any, app: Any) -> None:
    got = (
        wait_for(driver, task_of(driver, student, "square").delay(7), "square.delay(7)"),
        wait_for(driver, task_of(driver, student, "square").delay(-1.5), "square.delay(-1.5)"),
        wait_for(driver, task_of(driver, student, "total").delay([1, 2, 3.5]), "total.delay([1, 2, 3.5])"),
        wait_for(driver, task_of(driver, student, "total").delay([]), "total.delay([])"),
    )
    assert got == (49, 2.25, 6.5, 0), (
        f"(square(7), square(-1.5), total([1, 2, 3.5]), total([])) should be (49, 2.25, 6.5, 0), got {got!r}"
    )


@pytest.mark.points(
    2, hint="Give every task its explicit name, e.g. @app.task(name='roadmap.square'): other services send tasks by name."
)
def test_tasks_are_registered_under_their_names(student: Any, driver: Any, app: Any) -> None:
    missing = [name for name in TASK_NAMES if name not in app.tasks]
    ours = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert not missing, f"the app should have tasks named {list(TASK_NAMES)}; missing {missing}, it has {ours}"
    by_name = (
        wait_for(driver, app.send_task("roadmap.add", (20, 22)), "app.send_task('roadmap.add', (20, 22))"),
        wait_for(driver, app.send_task("roadmap.square", (9,)), "app.send_task('roadmap.square', (9,))"),
        wait_for(driver, app.send_task("roadmap.total", ([4, 5],)), "app.send_task('roadmap.total', ([4, 5],))"),
    )
    assert by_name == (42, 81, 9), (
        f"sending roadmap.add(20, 22), roadmap.square(9), roadmap.total([4, 5]) by name should give (42, 81, 9), got {by_name!r}"
    )


# --- Part 2: fetch_price, retried with backoff -----------------------------------------------


@pytest.mark.points(
    1,
    hint="fetch_price returns PRICES[symbol]; it retries only while self.request.retries < failures, "
    "so with failures=0 it succeeds at once, without a retry.",
)
def test_fetch_price_without_failures(student: Any, driver: Any, app: Any, events: Any) -> None:
    result = task_of(driver, student, "fetch_price").delay("GLOBEX")
    got = wait_for(driver, result, "fetch_price.delay('GLOBEX')")
    assert got == 40.0, f"fetch_price('GLOBEX') should be 40.0, got {got!r}"
    assert retry_counts(events, result.id) == [], (
        f"with failures=0 there should be no retry, got {len(retry_counts(events, result.id))}"
    )


@pytest.mark.points(
    2,
    hint="While self.request.retries < failures, raise self.retry(exc=TransientError(...), countdown=...): "
    "the task runs again, and its retries count goes up by one each time.",
)
def test_fetch_price_retries_until_it_succeeds(student: Any, driver: Any, app: Any, events: Any) -> None:
    result = task_of(driver, student, "fetch_price").delay("ACME", 2)
    got = wait_for(driver, result, "fetch_price.delay('ACME', 2)")
    assert got == 12.5, f"fetch_price('ACME', failures=2) should succeed on its third attempt with 12.5, got {got!r}"
    settle(lambda: len(events.retries_of(result.id)) >= 2)
    retries = events.retries_of(result.id)
    assert [event.retries for event in retries] == [0, 1], (
        f"fetch_price('ACME', failures=2) should be retried exactly twice (after attempts 1 and 2), got {len(retries)} retries"
    )
    reasons = [event.reason for event in retries]  # the names of the errors' classes
    shown = ["no exc=" if reason == "Retry" else reason for reason in reasons]  # Celery's own Retry: exc= was left out
    assert reasons == ["TransientError", "TransientError"], (
        f"each retry should be for a TransientError, passed as self.retry(exc=TransientError(...), ...), got {shown}"
    )


@pytest.mark.points(
    1,
    hint="Declare max_retries=MAX_RETRIES (3) and pass exc=TransientError(...) to self.retry: once the 3 retries "
    "are used up, that TransientError itself ends the task.",
)
def test_fetch_price_gives_up_after_max_retries(student: Any, driver: Any, app: Any, events: Any) -> None:
    result = task_of(driver, student, "fetch_price").delay("INITECH", 4)
    wait_for_error(driver, result, student.TransientError, "fetch_price.delay('INITECH', 4)")
    settle(lambda: len(retry_counts(events, result.id)) >= 3)
    retries = retry_counts(events, result.id)
    assert len(retries) == 3, (
        f"fetch_price('INITECH', failures=4) should be retried exactly MAX_RETRIES = 3 times and then fail, "
        f"it was retried {len(retries)} times"
    )


@pytest.mark.points(
    1,
    hint="failures=3 needs all MAX_RETRIES = 3 retries, and the 4th attempt returns the price: "
    "raise self.retry(...) while self.request.retries < failures (not <=), then return PRICES[symbol].",
)
def test_fetch_price_succeeds_on_its_last_retry(student: Any, driver: Any, app: Any, events: Any) -> None:
    result = task_of(driver, student, "fetch_price").delay("INITECH", 3)
    got = wait_for(driver, result, "fetch_price.delay('INITECH', 3)")
    assert got == 7.25, f"fetch_price('INITECH', failures=3) should succeed on its 4th attempt with 7.25, got {got!r}"
    settle(lambda: len(retry_counts(events, result.id)) >= 3)
    retries = retry_counts(events, result.id)
    assert len(retries) == 3, f"fetch_price('INITECH', failures=3) should be retried 3 times, it was retried {len(retries)} times"


@pytest.mark.points(
    1, hint="Declare the limit on the task: @app.task(bind=True, name='roadmap.fetch_price', max_retries=MAX_RETRIES)."
)
def test_fetch_price_declares_max_retries(student: Any, driver: Any, app: Any) -> None:
    constant = getattr(student, "MAX_RETRIES", None)
    assert constant == 3, f"tasks.MAX_RETRIES should be 3, got {constant!r}"
    got = task_of(driver, student, "fetch_price").max_retries
    assert got == 3, f"fetch_price.max_retries should be MAX_RETRIES = 3, got {got!r}"
    bound = app.tasks.get("roadmap.fetch_price")
    assert bound is not None and bound.max_retries == 3, "the task registered as roadmap.fetch_price should have max_retries = 3"


@pytest.mark.points(
    2,
    hint="Retry with raise self.retry(exc=..., countdown=RETRY_BASE_S * 2 ** self.request.retries): "
    "the waits are exactly 0.05, 0.1 and 0.2 s, with no random jitter.",
)
def test_fetch_price_backs_off_exponentially(student: Any, driver: Any, app: Any, events: Any) -> None:
    base = getattr(student, "RETRY_BASE_S", None)
    assert base == 0.05, f"tasks.RETRY_BASE_S should be 0.05, got {base!r}"
    result = task_of(driver, student, "fetch_price").delay("ACME", 3)
    with contextlib.suppress(Exception):
        result.get(timeout=RESULT_TIMEOUT_S, interval=0.01)  # success or not: other tests check the outcome
    settle(lambda: len(events.retries_of(result.id)) >= 3)
    retries = sorted(events.retries_of(result.id), key=lambda event: event.retries)
    assert len(retries) >= 2, (
        f"fetch_price('ACME', failures=3) should be retried with self.retry, so that its waits can be measured; "
        f"it was retried {len(retries)} times"
    )
    # The countdown each retry asked for (exact); for a retry given an ETA instead, how far ahead it was sent.
    resent = {event.retries: event.countdown for event in list(events.published) if event.task_id == result.id}
    expected = [base * 2**event.retries for event in retries]
    got = [event.countdown if event.countdown is not None else resent.get(event.retries + 1) for event in retries]
    exact = all(
        c is not None and (abs(c - e) <= 1e-6 if event.countdown is not None else e - 0.04 <= c <= e + 0.002)
        for c, e, event in zip(got, expected, retries, strict=True)
    )
    shown = [None if c is None else round(c, 4) for c in got]
    assert exact, (
        f"the retries should wait exactly {[round(e, 4) for e in expected]} s (RETRY_BASE_S * 2 ** retries, "
        f"no jitter), they waited {shown} s"
    )


@pytest.mark.points(1, hint="Retry only TransientError: an unknown symbol raises LookupError at once, and retrying cannot help.")
def test_fetch_price_does_not_retry_unknown_symbols(student: Any, driver: Any, app: Any, events: Any) -> None:
    result = task_of(driver, student, "fetch_price").delay("NOPE", 2)
    wait_for_error(driver, result, LookupError, "fetch_price.delay('NOPE', 2)")
    retries = retry_counts(events, result.id)
    assert retries == [], f"an unknown symbol should fail without any retry, it was retried {len(retries)} times"


# --- Part 3: canvas --------------------------------------------------------------------------


@pytest.mark.points(2, hint="linear(x, a, b) returns chain(mul.s(x, a), add.s(b)): mul's result becomes add's first argument.")
def test_linear_chain_computes_a_x_plus_b(student: Any, driver: Any, app: Any) -> None:
    for x, a, b in ((3, 4, 5), (2, 10, -1), (0.5, 4, 0)):
        what = f"linear({x}, {a}, {b})"
        sig = signature_of(driver, student.linear, [x, a, b], what)
        got = wait_for(driver, run(driver, sig, what), f"{what}.apply_async()")
        assert got == a * x + b, f"{what} should compute a * x + b = {a * x + b}, got {got!r}"


@pytest.mark.points(
    1,
    hint="Build the chain from the mul and add tasks, in that order: the worker runs each link, "
    "and no task waits for another with .get().",
)
def test_linear_runs_mul_then_add(student: Any, driver: Any, app: Any, events: Any) -> None:
    sig = signature_of(driver, student.linear, [6, 7, 8], "linear(6, 7, 8)")
    result = run(driver, sig, "linear(6, 7, 8)")
    wait_for(driver, result, "linear(6, 7, 8).apply_async()")
    root = root_id(result)
    order = [event.name for event in list(events.published) if event.root_id == root or event.task_id == root]
    assert order == ["roadmap.mul", "roadmap.add"], f"linear should send roadmap.mul, then roadmap.add, got {order}"


@pytest.mark.points(
    2, hint="sum_of_squares(values) returns chord([square.s(v) for v in values], total.s()): total gets the list of squares."
)
def test_sum_of_squares_chord(student: Any, driver: Any, app: Any) -> None:
    for values in ([1, 2, 3], list(range(10))):
        what = f"sum_of_squares({values})"
        sig = signature_of(driver, student.sum_of_squares, [values], what)
        got = wait_for(driver, run(driver, sig, what), f"{what}.apply_async()")
        expected = sum(v * v for v in values)
        assert got == expected, f"{what} should be {expected}, got {got!r}"


@pytest.mark.points(1, hint="The chord's header is one square task per value; its body (the callback) is total.")
def test_sum_of_squares_is_a_chord_of_squares(student: Any, driver: Any, app: Any, events: Any) -> None:
    sig = signature_of(driver, student.sum_of_squares, [[4, 5, 6]], "sum_of_squares([4, 5, 6])")
    got = wait_for(driver, run(driver, sig, "sum_of_squares([4, 5, 6])"), "sum_of_squares([4, 5, 6]).apply_async()")
    assert got == 77, f"sum_of_squares([4, 5, 6]) should be 77, got {got!r}"
    names = [event.name for event in list(events.published) if event.name.startswith("roadmap.")]
    counts = {name: names.count(name) for name in sorted(set(names))}
    assert counts == {"roadmap.square": 3, "roadmap.total": 1}, (
        f"sum_of_squares([4, 5, 6]) should send 3 roadmap.square tasks and 1 roadmap.total, it sent {counts}"
    )


@pytest.mark.points(1, hint="A chord with an empty header still calls its body, with []: sum_of_squares([]) is 0.")
def test_sum_of_squares_edge_cases(student: Any, driver: Any, app: Any) -> None:
    for values, expected in (([], 0), ([5], 25), ([-2, 0.5], 4.25)):
        what = f"sum_of_squares({values})"
        sig = signature_of(driver, student.sum_of_squares, [values], what)
        got = wait_for(driver, run(driver, sig, what), f"{what}.apply_async()")
        assert got == expected, f"{what} should be {expected}, got {got!r}"


@pytest.mark.points(
    2,
    hint="order_value returns chain(fetch_price.s(symbol, failures), mul.s(quantity)): fetch_price gets failures, "
    "and the chain waits for its retries before mul runs.",
)
def test_order_value_chains_a_retried_fetch(student: Any, driver: Any, app: Any, events: Any) -> None:
    sig = signature_of(driver, student.order_value, ["ACME", 4, 2], "order_value('ACME', 4, 2)")
    result = run(driver, sig, "order_value('ACME', 4, 2)")
    got = wait_for(driver, result, "order_value('ACME', 4, 2).apply_async()")
    assert got == 50.0, f"order_value('ACME', 4, failures=2) should be 12.5 * 4 = 50.0, got {got!r}"
    settle(lambda: len(events.retries_in(root_id(result))) >= 2)
    in_chain = len(events.retries_in(root_id(result)))
    # Compared with fetch_price on its own, so that a wrong retry bound fails the retry tests, not this one.
    alone = task_of(driver, student, "fetch_price").delay("ACME", 2)
    with contextlib.suppress(Exception):
        alone.get(timeout=RESULT_TIMEOUT_S, interval=0.01)
    settle(lambda: len(events.retries_of(alone.id)) >= in_chain)
    expected = len(events.retries_of(alone.id))
    assert in_chain == expected and in_chain > 0, (
        f"the chain's fetch_price step should be retried like fetch_price('ACME', 2) on its own ({expected} times), "
        f"it was retried {in_chain} times: pass failures on with fetch_price.s(symbol, failures)"
    )
    plain = signature_of(driver, student.order_value, ["GLOBEX", 0.5], "order_value('GLOBEX', 0.5)")
    got = wait_for(driver, run(driver, plain, "order_value('GLOBEX', 0.5)"), "order_value('GLOBEX', 0.5).apply_async()")
    assert got == 20.0, f"order_value('GLOBEX', 0.5) should be 40.0 * 0.5 = 20.0, got {got!r}"


@pytest.mark.points(
    1,
    hint="order_value(symbol, quantity, failures=0): failures defaults to 0, so without it the chain's "
    "fetch_price succeeds on its first attempt, with no retry.",
)
def test_order_value_does_not_retry_by_default(student: Any, driver: Any, app: Any, events: Any) -> None:
    sig = signature_of(driver, student.order_value, ["GLOBEX", 3], "order_value('GLOBEX', 3)")
    result = run(driver, sig, "order_value('GLOBEX', 3)")
    got = wait_for(driver, result, "order_value('GLOBEX', 3).apply_async()")
    assert got == 120.0, f"order_value('GLOBEX', 3) should be 40.0 * 3 = 120.0, got {got!r}"
    root = root_id(result)
    settle(lambda: len(events.retries_in(root)) > 0, timeout_s=0.5)  # a retry would have been seen by now
    retried = len(events.retries_in(root))
    assert retried == 0, (
        f"order_value('GLOBEX', 3) leaves failures at its default, 0: its fetch_price should not be retried, "
        f"it was retried {retried} times"
    )


@pytest.mark.points(
    1, hint="When a chain's first task fails, the chain's result fails with that error and the next task never runs."
)
def test_order_value_fails_with_the_fetch(student: Any, driver: Any, app: Any, events: Any) -> None:
    sig = signature_of(driver, student.order_value, ["NOPE", 3], "order_value('NOPE', 3)")
    result = run(driver, sig, "order_value('NOPE', 3)")
    wait_for_error(driver, result, LookupError, "order_value('NOPE', 3).apply_async()")
    ran = sorted({event.name for event in list(events.ran)})
    assert ran == ["roadmap.fetch_price"], f"only fetch_price should have run (mul never gets a price), ran {ran}"
