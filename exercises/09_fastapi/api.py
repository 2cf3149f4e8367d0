"""An inventory API on FastAPI: Pydantic models, validated parameters, dependencies.

Fill in the models, `require_api_key` and the routes; README.md says exactly what each must do.
Keep the names `app`, `Store`, `get_store`, `get_api_key` and `API_KEY`: the grader uses them
(it swaps `get_store` and `get_api_key` through `app.dependency_overrides`).
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import FastAPI
from pydantic import BaseModel

API_KEY = "dev-key-change-me"


# --- the models ------------------------------------------------------------------------------


class Category(StrEnum):
    """TODO: the three categories: tools, garden, kitchen."""


class ItemCreate(BaseModel):
    """The body of POST /items. TODO: name, price, quantity, category, cost, with their constraints."""


class ItemUpdate(BaseModel):
    """The body of PATCH /items/{item_id}. TODO: the same fields, every one optional, none null."""


class ItemOut(BaseModel):
    """An item as the API shows it. TODO: id, name, price, quantity, category (never cost)."""


class Item(ItemOut):
    """An item as the store keeps it. TODO: ItemOut's fields plus cost."""


class InventoryValue(BaseModel):
    """The answer of GET /inventory/value. TODO: items, units, cost, retail."""


# --- the store and the dependencies (keep these names) ---------------------------------------


class Store:
    """The items, by id, in memory; ids start at 1."""

    def __init__(self) -> None:
        self.items: dict[int, Item] = {}
        self.next_id = 1


STORE = Store()


def get_store() -> Store:
    """The store every route works on: a dependency, so that tests can swap it."""
    return STORE


def get_api_key() -> str:
    """The API key that writes must send: a dependency, so that tests can swap it."""
    return API_KEY


def require_api_key() -> None:
    """TODO: read the X-API-Key header, compare it with get_api_key() (as a dependency), 401 if wrong."""
    raise NotImplementedError("require_api_key: not written yet")


app = FastAPI(title="Inventory")


# --- the routes: TODO parameters, response models, status codes, dependencies ---------------


@app.get("/items")
def list_items() -> None:
    raise NotImplementedError("GET /items: not written yet")


@app.post("/items")
def create_item() -> None:
    raise NotImplementedError("POST /items: not written yet")


@app.get("/items/{item_id}")
def get_item() -> None:
    raise NotImplementedError("GET /items/{item_id}: not written yet")


@app.patch("/items/{item_id}")
def update_item() -> None:
    raise NotImplementedError("PATCH /items/{item_id}: not written yet")


@app.delete("/items/{item_id}")
def delete_item() -> None:
    raise NotImplementedError("DELETE /items/{item_id}: not written yet")


@app.get("/inventory/value")
def inventory_value() -> None:
    raise NotImplementedError("GET /inventory/value: not written yet")
