"""A small shopping cart: items, discount codes, tax and shipping.

Money is ``decimal.Decimal`` throughout, and every amount the cart returns is rounded to cents
(two decimal places) with ``ROUND_HALF_UP``: an exact half cent always rounds up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
TAX_RATE = Decimal("0.075")
SHIPPING_FEE = Decimal("4.99")
FREE_SHIPPING_FROM = Decimal("50.00")


@dataclass(frozen=True)
class DiscountCode:
    """``percent`` off the subtotal, or a ``fixed`` amount off, once the subtotal reaches ``min_spend``."""

    kind: str
    value: Decimal
    min_spend: Decimal = ZERO


DISCOUNT_CODES: dict[str, DiscountCode] = {
    "SAVE10": DiscountCode("percent", Decimal("10")),
    "FIVEOFF": DiscountCode("fixed", Decimal("5.00")),
    "TENOFF": DiscountCode("fixed", Decimal("10.00"), min_spend=Decimal("40.00")),
}

_LINE = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9-]*)\s+[xX]\s+([0-9]+)\s*")


def to_cents(amount: Decimal) -> Decimal:
    """``amount`` rounded to cents, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_price(price: Decimal | int | str) -> Decimal:
    """A price as a Decimal: ``TypeError`` for a float, ``ValueError`` unless it is > 0 with at most 2 decimals."""
    if isinstance(price, float | bool) or not isinstance(price, Decimal | int | str):
        raise TypeError(f"a price must be a Decimal, an int or a str, not {type(price).__name__}")
    try:
        value = Decimal(price)
        valid = value.is_finite() and value > 0 and value == value.quantize(CENT)
    except InvalidOperation:
        valid = False
    if not valid:
        raise ValueError(f"a price must be a positive amount with at most 2 decimals, got {price!r}")
    return value


def parse_cart_line(line: str) -> tuple[str, int]:
    """Parse ``"SKU x 3"`` into ``("SKU", 3)``; ``ValueError`` for anything else or a quantity below 1."""
    match = _LINE.fullmatch(line)
    if match is None:
        raise ValueError(f"expected 'SKU x QUANTITY', got {line!r}")
    quantity = int(match.group(2))
    if quantity < 1:
        raise ValueError(f"the quantity must be at least 1, got {quantity}")
    return match.group(1), quantity


@dataclass
class _Line:
    price: Decimal
    quantity: int


class Cart:
    """Items by SKU, at most one discount code, and the amounts derived from them."""

    def __init__(self) -> None:
        self._lines: dict[str, _Line] = {}
        self.code: str | None = None

    def add(self, sku: str, price: Decimal | int | str, quantity: int = 1) -> None:
        """Add ``quantity`` units of ``sku`` at ``price``; adding a SKU again adds to its quantity."""
        if not sku.strip():
            raise ValueError("the SKU is blank")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValueError(f"the quantity must be an int of at least 1, got {quantity!r}")
        unit = parse_price(price)
        line = self._lines.get(sku)
        if line is None:
            self._lines[sku] = _Line(unit, quantity)
        elif line.price != unit:
            raise ValueError(f"{sku} is already in the cart at {line.price}, not {unit}")
        else:
            line.quantity += quantity

    def remove(self, sku: str, quantity: int | None = None) -> None:
        """Remove ``quantity`` units of ``sku`` (all of them when None); the line goes when it reaches 0."""
        if sku not in self._lines:
            raise KeyError(sku)
        line = self._lines[sku]
        if quantity is None:
            quantity = line.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= line.quantity:
            raise ValueError(f"can remove 1 to {line.quantity} of {sku}, not {quantity!r}")
        line.quantity -= quantity
        if line.quantity == 0:
            del self._lines[sku]

    def quantity(self, sku: str) -> int:
        """How many units of ``sku`` are in the cart (0 when it is not)."""
        line = self._lines.get(sku)
        return line.quantity if line else 0

    def items(self) -> dict[str, int]:
        """SKU -> quantity, in the order the SKUs were first added."""
        return {sku: line.quantity for sku, line in self._lines.items()}

    def apply_code(self, code: str) -> None:
        """Use the discount ``code`` (case and surrounding spaces ignored), replacing any earlier one."""
        name = code.strip().upper()
        if name not in DISCOUNT_CODES:
            raise ValueError(f"unknown discount code {code!r}")
        self.code = name

    def subtotal(self) -> Decimal:
        """The sum of price x quantity over every line."""
        return to_cents(sum((line.price * line.quantity for line in self._lines.values()), ZERO))

    def discount(self) -> Decimal:
        """What the code takes off: 0 below its minimum spend, never more than the subtotal."""
        subtotal = self.subtotal()
        rule = DISCOUNT_CODES[self.code] if self.code else None
        if rule is None or subtotal < rule.min_spend:
            return ZERO
        amount = subtotal * rule.value / 100 if rule.kind == "percent" else rule.value
        return min(to_cents(amount), subtotal)

    def tax(self) -> Decimal:
        """TAX_RATE of the discounted subtotal, rounded half up to cents."""
        return to_cents((self.subtotal() - self.discount()) * TAX_RATE)

    def shipping(self) -> Decimal:
        """0 for an empty cart or a discounted subtotal of at least FREE_SHIPPING_FROM, else SHIPPING_FEE."""
        if not self._lines or self.subtotal() - self.discount() >= FREE_SHIPPING_FROM:
            return ZERO
        return SHIPPING_FEE

    def total(self) -> Decimal:
        """Subtotal - discount + tax + shipping."""
        return self.subtotal() - self.discount() + self.tax() + self.shipping()
