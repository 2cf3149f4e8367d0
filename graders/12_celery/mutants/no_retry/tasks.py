"""Celery tasks: plain tasks, a flaky task retried with exponential backoff, a chain and a chord.

README.md says exactly what each task and function must do. The broker and the result backend
are configured by whoever runs the app (the tests, or your own worker), not here.
"""

from collections.abc import Iterable

from celery import Celery, Task, chain, chord
from celery.canvas import Signature

app = Celery("roadmap")

MAX_RETRIES = 3
RETRY_BASE_S = 0.05  # the first retry waits 0.05 s, then 0.1 s, then 0.2 s

PRICES: dict[str, float] = {"ACME": 12.5, "GLOBEX": 40.0, "INITECH": 7.25}


class TransientError(Exception):
    """The price service is busy: trying again a little later may work."""


# --- Part 1: tasks ---------------------------------------------------------------------------


@app.task(name="roadmap.add")
def add(x: float, y: float) -> float:
    return x + y


@app.task(name="roadmap.mul")
def mul(x: float, y: float) -> float:
    return x * y


@app.task(name="roadmap.square")
def square(x: float) -> float:
    return x * x


@app.task(name="roadmap.total")
def total(numbers: list[float]) -> float:
    return sum(numbers)


# --- Part 2: retries with exponential backoff ------------------------------------------------


@app.task(bind=True, name="roadmap.fetch_price", max_retries=MAX_RETRIES)
def fetch_price(self: Task, symbol: str, failures: int = 0) -> float:
    """The price of `symbol`; the simulated service fails the first `failures` attempts."""
    if symbol not in PRICES:
        raise LookupError(f"unknown symbol {symbol!r}")  # retrying cannot help: no retry
    attempt = self.request.retries  # 0 on the first run, 1 on the first retry, ...
    if attempt < failures:
        error = TransientError(f"price service busy (attempt {attempt + 1})")
        raise error
    return PRICES[symbol]


# --- Part 3: canvas --------------------------------------------------------------------------


def linear(x: float, a: float, b: float) -> Signature:
    """A chain computing a * x + b: mul(x, a), then add(that, b)."""
    return chain(mul.s(x, a), add.s(b))


def sum_of_squares(values: Iterable[float]) -> Signature:
    """A chord: square every value in parallel, then total the squares."""
    return chord([square.s(value) for value in values], total.s())


def order_value(symbol: str, quantity: float, failures: int = 0) -> Signature:
    """A chain: fetch the price (retrying as needed), then multiply it by the quantity."""
    return chain(fetch_price.s(symbol, failures), mul.s(quantity))
