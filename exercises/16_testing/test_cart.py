"""Your tests for cart.py. Run `pytest` in this folder.

These two tests pass, but they catch none of the hidden bugs: add your own below
(see README.md for what cart.py must do).
"""

from decimal import Decimal

from cart import Cart


def test_new_cart_is_empty() -> None:
    assert Cart().items() == {}


def test_one_item_makes_the_subtotal() -> None:
    cart = Cart()
    cart.add("AB-1", "2.50", 2)
    assert cart.subtotal() == Decimal("5.00")
