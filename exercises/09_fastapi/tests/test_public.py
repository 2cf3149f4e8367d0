"""Public tests for 09_fastapi. Run `pytest` in this exercise's folder.

They show the shape of the hidden suite, which checks much more (every constraint and its
`loc`, 409s, paging bounds, partial updates, the dependencies, the inventory totals). They fail
until api.py is written.
"""

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():  # Starlette warns on import that it now prefers httpx2 to httpx
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find api.py next to tests/

import api

HAMMER = {"name": "Hammer", "price": 12.5, "quantity": 4, "category": "tools", "cost": 7.25}


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A test client whose routes use a fresh, empty store (through the get_store dependency)."""
    store = api.Store()
    api.app.dependency_overrides[api.get_store] = lambda: store
    yield TestClient(api.app)
    api.app.dependency_overrides.clear()


@pytest.fixture
def key() -> dict[str, str]:
    return {"X-API-Key": api.get_api_key()}


def test_create_answers_201_without_cost(client: TestClient, key: dict[str, str]) -> None:
    response = client.post("/items", json=HAMMER, headers=key)
    assert response.status_code == 201, f"POST /items should answer 201, got {response.status_code} {response.text[:200]}"
    expected = {"id": 1, "name": "Hammer", "price": 12.5, "quantity": 4, "category": "tools"}
    assert response.json() == expected, f"the new item should be {expected!r} (no cost), got {response.json()!r}"
    shown = client.get("/items/1").json()
    assert shown == expected, f"GET /items/1 should show {expected!r}, got {shown!r}"


def test_create_validation_errors_name_the_field(client: TestClient, key: dict[str, str]) -> None:
    response = client.post("/items", json={**HAMMER, "price": 0, "category": "toys"}, headers=key)
    assert response.status_code == 422, f"a price of 0 and category 'toys' should be a 422, got {response.status_code}"
    locs = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert {("body", "price"), ("body", "category")} <= locs, f"the 422 should point at body.price and body.category, got {locs}"


def test_unknown_item_and_bad_id(client: TestClient) -> None:
    response = client.get("/items/42")
    assert response.status_code == 404, f"GET /items/42 in an empty store should answer 404, got {response.status_code}"
    assert response.json() == {"detail": "item 42 not found"}, f"got {response.json()!r}"
    response = client.get("/items/abc")
    assert response.status_code == 422, f"GET /items/abc should answer 422 (item_id is an int), got {response.status_code}"


def test_writes_need_the_api_key(client: TestClient) -> None:
    response = client.post("/items", json=HAMMER)
    assert response.status_code == 401, f"POST /items without X-API-Key should answer 401, got {response.status_code}"
    response = client.post("/items", json=HAMMER, headers={"X-API-Key": "wrong"})
    assert response.status_code == 401, f"POST /items with a wrong key should answer 401, got {response.status_code}"
    assert client.get("/items").json() == [], "a refused POST should store nothing"
