"""An inventory API on FastAPI: Pydantic models, validated parameters, dependencies."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

API_KEY = "dev-key-change-me"

# --- the models ------------------------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class Category(StrEnum):
    TOOLS = "tools"
    GARDEN = "garden"
    KITCHEN = "kitchen"


class ItemCreate(BaseModel):
    """The body of POST /items."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    price: float = Field(gt=0)
    quantity: int = Field(default=0, ge=0)
    category: Category
    cost: float = Field(ge=0)


class ItemUpdate(BaseModel):
    """The body of PATCH /items/{item_id}: every field optional, none of them null."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    price: float | None = Field(default=None, gt=0)
    quantity: int | None = Field(default=None, ge=0)
    category: Category | None = None
    cost: float | None = Field(default=None, ge=0)


class ItemOut(BaseModel):
    """An item as the API shows it."""

    id: int
    name: str
    price: float
    quantity: int
    category: Category


class Item(ItemOut):
    """An item as the store keeps it: with what it cost us, which clients never see."""

    cost: float


class InventoryValue(BaseModel):
    items: int
    units: int
    cost: float
    retail: float


# --- the store and the dependencies ---------------------------------------------------------


class Store:
    """The items, by id, in memory."""

    def __init__(self) -> None:
        self.items: dict[int, Item] = {}
        self.next_id = 1


STORE = Store()


def get_store() -> Store:
    return STORE


def get_api_key() -> str:
    return API_KEY


def require_api_key(
    expected: Annotated[str, Depends(get_api_key)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> None:
    if x_api_key is None or not secrets.compare_digest(x_api_key.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing or invalid API key",
            headers={"WWW-Authenticate": "ApiKey"},
        )


StoreDep = Annotated[Store, Depends(get_store)]
ItemId = Annotated[int, Path(gt=0)]
app = FastAPI(title="Inventory")


def find(store: Store, item_id: int) -> Item:
    item = store.items.get(item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"item {item_id} not found")
    return item


def check_name_free(store: Store, name: str, own_id: int | None = None) -> None:
    for item in store.items.values():
        if item.id != own_id and item.name.casefold() == name.casefold():
            raise HTTPException(status.HTTP_409_CONFLICT, detail=f"an item named {item.name!r} already exists")


# --- the routes ------------------------------------------------------------------------------


@app.get("/items", response_model=list[ItemOut])
def list_items(
    store: StoreDep,
    category: Category | None = None,
    in_stock: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Item]:
    items = sorted(store.items.values(), key=lambda item: item.id)
    if category is not None:
        items = [item for item in items if item.category == category]
    if in_stock is not None:
        items = [item for item in items if (item.quantity > 0) == in_stock]
    return items[offset : offset + limit]


@app.post(
    "/items",
    response_model=ItemOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_api_key)],
)
def create_item(body: ItemCreate, store: StoreDep) -> Item:
    check_name_free(store, body.name)
    item = Item(id=store.next_id, **body.model_dump())
    store.items[item.id] = item
    store.next_id += 1
    return item


@app.get("/items/{item_id}", response_model=ItemOut)
def get_item(item_id: ItemId, store: StoreDep) -> Item:
    return find(store, item_id)


@app.patch("/items/{item_id}", response_model=ItemOut, dependencies=[Depends(require_api_key)])
def update_item(item_id: ItemId, body: ItemUpdate, store: StoreDep) -> Item:
    item = find(store, item_id)
    changes = body.model_dump(exclude_unset=True)
    if "name" in changes:
        check_name_free(store, changes["name"], own_id=item_id)
    updated = item.model_copy(update=changes)
    store.items[item_id] = updated
    return updated


@app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(require_api_key)])
def delete_item(item_id: ItemId, store: StoreDep) -> Response:
    find(store, item_id)
    del store.items[item_id]
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@app.get("/inventory/value", response_model=InventoryValue, dependencies=[Depends(require_api_key)])
def inventory_value(store: StoreDep) -> InventoryValue:
    items = list(store.items.values())
    return InventoryValue(
        items=len(items),
        units=sum(item.quantity for item in items),
        cost=round(sum(item.cost * item.quantity for item in items), 2),
        retail=round(sum(item.price * item.quantity for item in items), 2),
    )
