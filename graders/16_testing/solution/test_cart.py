"""Reference tests for cart.py: they pass on the correct module and catch every hidden bug."""

from decimal import Decimal

import pytest
from cart import FREE_SHIPPING_FROM, SHIPPING_FEE, Cart, parse_cart_line


def cart_with(*lines: tuple[str, str, int]) -> Cart:
    cart = Cart()
    for sku, price, quantity in lines:
        cart.add(sku, price, quantity)
    return cart


# --- adding and removing -------------------------------------------------------------------


def test_new_cart_is_empty_and_costs_nothing() -> None:
    cart = Cart()
    assert cart.items() == {}
    assert cart.subtotal() == Decimal("0.00")
    assert cart.shipping() == Decimal("0.00")
    assert cart.total() == Decimal("0.00")


def test_add_keeps_skus_in_order_and_sums_the_subtotal() -> None:
    cart = cart_with(("B-2", "2.50", 2), ("A-1", "10.00", 1))
    assert cart.items() == {"B-2": 2, "A-1": 1}
    assert list(cart.items()) == ["B-2", "A-1"]
    assert cart.subtotal() == Decimal("15.00")


def test_adding_a_sku_again_adds_to_its_quantity() -> None:
    cart = cart_with(("A-1", "3.00", 2))
    cart.add("A-1", "3.00", 3)
    assert cart.quantity("A-1") == 5
    assert cart.subtotal() == Decimal("15.00")


def test_adding_a_sku_again_at_another_price_is_refused() -> None:
    cart = cart_with(("A-1", "3.00", 2))
    with pytest.raises(ValueError):
        cart.add("A-1", "3.50", 1)
    assert cart.items() == {"A-1": 2}


def test_price_may_be_a_decimal_an_int_or_a_string() -> None:
    cart = Cart()
    cart.add("A", Decimal("1.25"))
    cart.add("B", 2)
    cart.add("C", "0.01")
    assert cart.subtotal() == Decimal("3.26")


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_below_one_is_refused(quantity: int) -> None:
    cart = Cart()
    with pytest.raises(ValueError):
        cart.add("A-1", "1.00", quantity)
    assert cart.items() == {}


@pytest.mark.parametrize("price", ["0", "0.00", Decimal("0"), 0, "-1.00", "1.001", "abc"])
def test_bad_prices_are_refused(price: Decimal | int | str) -> None:
    cart = Cart()
    with pytest.raises(ValueError):
        cart.add("A-1", price)
    assert cart.items() == {}


def test_float_prices_are_refused() -> None:
    with pytest.raises(TypeError):
        Cart().add("A-1", 1.5)  # type: ignore[arg-type]


def test_blank_sku_is_refused() -> None:
    with pytest.raises(ValueError):
        Cart().add("  ", "1.00")


def test_remove_some_units() -> None:
    cart = cart_with(("A-1", "2.00", 5))
    cart.remove("A-1", 2)
    assert cart.items() == {"A-1": 3}
    assert cart.subtotal() == Decimal("6.00")


def test_removing_every_unit_takes_the_line_out() -> None:
    cart = cart_with(("A-1", "2.00", 2), ("B-2", "1.00", 1))
    cart.remove("A-1", 2)
    assert cart.items() == {"B-2": 1}
    cart.remove("B-2")
    assert cart.items() == {}
    assert cart.quantity("B-2") == 0
    assert cart.total() == Decimal("0.00")


def test_remove_unknown_sku_raises_key_error() -> None:
    cart = cart_with(("A-1", "2.00", 1))
    with pytest.raises(KeyError):
        cart.remove("Z-9")
    cart.remove("A-1")
    with pytest.raises(KeyError):
        cart.remove("A-1")


@pytest.mark.parametrize("quantity", [0, -1, 3])
def test_remove_bad_quantity_is_refused(quantity: int) -> None:
    cart = cart_with(("A-1", "2.00", 2))
    with pytest.raises(ValueError):
        cart.remove("A-1", quantity)
    assert cart.items() == {"A-1": 2}


# --- discount codes ------------------------------------------------------------------------


def test_percent_code_rounds_half_up() -> None:
    cart = cart_with(("A-1", "12.25", 1))
    cart.apply_code("save10")
    assert cart.code == "SAVE10"
    assert cart.discount() == Decimal("1.23")


def test_unknown_code_is_refused() -> None:
    cart = cart_with(("A-1", "12.00", 1))
    with pytest.raises(ValueError):
        cart.apply_code("FREE100")
    assert cart.code is None
    assert cart.discount() == Decimal("0.00")


def test_unknown_code_keeps_the_code_in_use() -> None:
    cart = cart_with(("A-1", "12.00", 1))
    cart.apply_code("FIVEOFF")
    with pytest.raises(ValueError):
        cart.apply_code("FREE100")
    assert cart.code == "FIVEOFF"
    assert cart.discount() == Decimal("5.00")


def test_a_new_code_replaces_the_old_one() -> None:
    cart = cart_with(("A-1", "20.00", 1))
    cart.apply_code("SAVE10")
    cart.apply_code(" fiveoff ")
    assert cart.code == "FIVEOFF"
    assert cart.discount() == Decimal("5.00")


def test_the_same_code_twice_counts_once() -> None:
    cart = cart_with(("A-1", "20.00", 1))
    cart.apply_code("SAVE10")
    cart.apply_code("SAVE10")
    assert cart.discount() == Decimal("2.00")


def test_fixed_code_never_goes_below_zero() -> None:
    cart = cart_with(("A-1", "3.00", 1))
    cart.apply_code("FIVEOFF")
    assert cart.discount() == Decimal("3.00")
    assert cart.tax() == Decimal("0.00")
    assert cart.total() == SHIPPING_FEE


def test_minimum_spend_is_inclusive() -> None:
    cart = cart_with(("A-1", "40.00", 1))
    cart.apply_code("TENOFF")
    assert cart.discount() == Decimal("10.00")


def test_below_minimum_spend_gives_nothing_until_it_is_reached() -> None:
    cart = cart_with(("A-1", "39.99", 1))
    cart.apply_code("TENOFF")
    assert cart.discount() == Decimal("0.00")
    cart.add("B-2", "0.01")
    assert cart.discount() == Decimal("10.00")


# --- tax -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "tax"),
    [("0.60", "0.05"), ("1.00", "0.08"), ("2.20", "0.17"), ("10.60", "0.80"), ("18.20", "1.37"), ("30.60", "2.30")],
)
def test_tax_rounds_half_cents_up(price: str, tax: str) -> None:
    assert cart_with(("A-1", price, 1)).tax() == Decimal(tax)


def test_tax_is_on_the_discounted_amount() -> None:
    cart = cart_with(("A-1", "20.00", 1))
    cart.apply_code("SAVE10")
    assert cart.tax() == Decimal("1.35")


# --- shipping and total --------------------------------------------------------------------


def test_shipping_is_charged_below_the_threshold() -> None:
    cart = cart_with(("A-1", "49.99", 1))
    assert cart.shipping() == SHIPPING_FEE


def test_shipping_is_free_at_exactly_the_threshold() -> None:
    cart = cart_with(("A-1", "25.00", 2))
    assert cart.subtotal() == FREE_SHIPPING_FROM
    assert cart.shipping() == Decimal("0.00")
    assert cart.total() == Decimal("53.75")


def test_free_shipping_uses_the_discounted_subtotal() -> None:
    cart = cart_with(("A-1", "54.00", 1))
    assert cart.shipping() == Decimal("0.00")
    cart.apply_code("FIVEOFF")
    assert cart.shipping() == SHIPPING_FEE
    assert cart.total() == Decimal("49.00") + Decimal("3.68") + SHIPPING_FEE


def test_total_adds_everything_up() -> None:
    cart = cart_with(("A-1", "10.20", 1))
    assert cart.total() == Decimal("10.20") + Decimal("0.77") + SHIPPING_FEE


# --- parse_cart_line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [("AB-1 x 3", ("AB-1", 3)), ("  ab-1   X  12 \n", ("ab-1", 12)), ("Z x 03", ("Z", 3))],
)
def test_parse_good_lines(line: str, expected: tuple[str, int]) -> None:
    assert parse_cart_line(line) == expected


@pytest.mark.parametrize(
    "line",
    ["", "AB-1", "AB-1 x", "x 3", "AB-1 x 0", "AB-1 x -2", "AB-1 x 2.5", "AB-1x3", "AB 1 x 3", "-AB x 3",
     "AB-1 x 3 please", "AB-1 x 3x", "AB-1 * 3", "AB-1 x +3"],
)  # fmt: skip
def test_parse_bad_lines(line: str) -> None:
    with pytest.raises(ValueError):
        parse_cart_line(line)
