"""Celery tasks: plain tasks, a flaky task retried with exponential backoff, a chain and a chord.

Fill in everything marked TODO; README.md says exactly what each task and function must do.
The app, the constants and the exception class are given: keep their names. Do not configure a
broker or a result backend here: whoever runs the app does (the tests, or your own worker).
"""

from collections.abc import Iterable

from celery import Celery, chain, chord  # noqa: F401  (you will need chain and chord)
from celery.canvas import Signature

app = Celery("roadmap")

MAX_RETRIES = 3
RETRY_BASE_S = 0.05  # the first retry waits 0.05 s, then 0.1 s, then 0.2 s

PRICES: dict[str, float] = {"ACME": 12.5, "GLOBEX": 40.0, "INITECH": 7.25}


class TransientError(Exception):
    """The price service is busy: trying again a little later may work."""


# --- Part 1: tasks ---------------------------------------------------------------------------
# TODO: make each of these a Celery task named "roadmap.<function name>".


def add(x: float, y: float) -> float:
    raise NotImplementedError("add: not written yet")


def mul(x: float, y: float) -> float:
    raise NotImplementedError("mul: not written yet")


def square(x: float) -> float:
    raise NotImplementedError("square: not written yet")


def total(numbers: list[float]) -> float:
    raise NotImplementedError("total: not written yet")


# --- Part 2: retries with exponential backoff ------------------------------------------------
# TODO: a bound task (it needs `self`) named "roadmap.fetch_price", with max_retries=MAX_RETRIES.


def fetch_price(self, symbol: str, failures: int = 0) -> float:  # type: ignore[no-untyped-def]
    """The price of `symbol`; the simulated service fails the first `failures` attempts."""
    raise NotImplementedError("fetch_price: not written yet")


# --- Part 3: canvas --------------------------------------------------------------------------


def linear(x: float, a: float, b: float) -> Signature:
    """A chain computing a * x + b: mul(x, a), then add(that, b)."""
    raise NotImplementedError("linear: not written yet")


def sum_of_squares(values: Iterable[float]) -> Signature:
    """A chord: square every value in parallel, then total the squares."""
    raise NotImplementedError("sum_of_squares: not written yet")


def order_value(symbol: str, quantity: float, failures: int = 0) -> Signature:
    """A chain: fetch the price (retrying as needed), then multiply it by the quantity."""
    raise NotImplementedError("order_value: not written yet")
