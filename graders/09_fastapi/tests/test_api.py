"""Hidden suite for 09_fastapi: a typed inventory API on FastAPI and Pydantic v2.

Every test gets the submission through the `student` fixture (never imported here), a client on
the app with a fresh store through `client`, and the API-key header through `key` (conftest.py).
The app runs in the student's process: the `api` helper builds its TestClient there and sends back
each answer as plain data (status, headers, body); every expected value stays here.

PYTEST_DONT_REWRITE: a failed assertion shows the student its message alone, without pytest's
explanation of the compared values.
"""

from typing import Any

import pytest

OUT_KEYS = {"id", "name", "price", "quantity", "category"}
Headers = dict[str, str]
Client = Any  # conftest.Client: get/post/patch/delete on the student's app, answers as plain data
Response = Any  # conftest.Answer: status_code, headers, content, text, json()
Api = Any  # the helper beside the student's app (conftest.API)


# --- helpers ---------------------------------------------------------------------------------


def body_of(response: Response, what: str, status: int) -> Any:
    """The JSON body of `response`, failing readably unless the status is `status`."""
    if response.status_code != status:
        pytest.fail(f"{what} should answer {status}, got {response.status_code} {response.text[:300]!r}", pytrace=False)
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"{what} should answer with a JSON body, got {response.text[:200]!r}", pytrace=False)


def error_locs(response: Response, what: str) -> set[tuple[Any, ...]]:
    """The `loc`s of a 422 answer, as tuples."""
    body = body_of(response, what, 422)
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, list):
        pytest.fail(f"{what}: a 422 should be FastAPI's {{'detail': [...]}}, got {body!r}", pytrace=False)
    return {tuple(error.get("loc", ())) for error in detail if isinstance(error, dict)}


def assert_422_at(response: Response, what: str, *locs: tuple[str, ...]) -> None:
    """Check a 422 that points at each of `locs`, such as ('body', 'price')."""
    got = error_locs(response, what)
    missing = [loc for loc in locs if loc not in got]
    assert not missing, f"{what} should answer 422 with loc {[list(loc) for loc in locs]}, got locs {sorted(map(list, got))}"


def assert_detail(response: Response, what: str, status: int) -> str:
    """Check an HTTPException answer: that status and {"detail": "<non-empty text>"}; return the text."""
    body = body_of(response, what, status)
    detail = body.get("detail") if isinstance(body, dict) else None
    assert isinstance(detail, str) and detail, f"{what} should answer {status} with a 'detail' text, got {body!r}"
    return detail


def new_item(name: str = "Hammer", **fields: Any) -> dict[str, Any]:
    """A valid ItemCreate body, with some fields changed."""
    return {"name": name, "price": 12.5, "quantity": 4, "category": "tools", "cost": 7.25, **fields}


def created(response: Response, what: str) -> dict[str, Any]:
    """The item a POST created; 200 passes here too (the 201 itself is checked elsewhere)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code not in (200, 201) or not isinstance(body, dict) or not isinstance(body.get("id"), int):
        pytest.fail(
            f"{what} should answer 201 with the new item (with an integer id), "
            f"got {response.status_code} {response.text[:300]!r}",
            pytrace=False,
        )
    return body


def add(client: Client, key: Headers, name: str = "Hammer", **fields: Any) -> dict[str, Any]:
    """POST /items and return the created item."""
    payload = new_item(name, **fields)
    return created(client.post("/items", json=payload, headers=key), f"POST /items {payload!r}")


def shown(item_id: int, name: str, price: float, quantity: int, category: str) -> dict[str, Any]:
    """An item as the API shows it."""
    return {"id": item_id, "name": name, "price": price, "quantity": quantity, "category": category}


def listed(client: Client, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    what = f"GET /items with {params!r}" if params else "GET /items"
    got = body_of(client.get("/items", params=params), what, 200)
    assert isinstance(got, list), f"{what} should answer a JSON list, got {got!r}"
    return got


def ids(items: list[dict[str, Any]]) -> list[Any]:
    return [item.get("id") for item in items]


def add_many(client: Client, key: Headers, count: int) -> list[int]:
    """Items 'Item 01', 'Item 02', ...; even numbers are garden, odd ones kitchen."""
    return [
        add(client, key, f"Item {n:02d}", category="garden" if n % 2 == 0 else "kitchen", quantity=n % 3)["id"]
        for n in range(1, count + 1)
    ]


# --- POST /items -----------------------------------------------------------------------------


@pytest.mark.points(2, hint="POST /items answers 201 (status_code=201) with the new item: id 1 first, then 2, ... in each store.")
def test_create_answers_201(client: Client, key: Headers) -> None:
    response = client.post("/items", json=new_item(), headers=key)
    got = body_of(response, "POST /items with a valid Hammer", 201)
    expected = shown(1, "Hammer", 12.5, 4, "tools")
    assert got == expected, f"the first item of a store should be {expected!r}, got {got!r}"
    second = add(client, key, "Rake", category="garden", price=20, quantity=0, cost=11)
    expected = shown(2, "Rake", 20.0, 0, "garden")
    assert second == expected, f"the second item should be {expected!r}, got {second!r}"


@pytest.mark.points(1, hint="quantity is optional: Field(default=0, ge=0).")
def test_create_quantity_defaults_to_0(client: Client, key: Headers) -> None:
    payload = new_item()
    del payload["quantity"]
    got = created(client.post("/items", json=payload, headers=key), "POST /items without quantity")
    assert got.get("quantity") == 0, f"quantity should default to 0, got {got!r}"


@pytest.mark.points(
    2, hint="Declare response_model=ItemOut (list[ItemOut] for the list): cost is kept in the store but never sent."
)
def test_cost_is_never_returned(client: Client, key: Headers) -> None:
    made = add(client, key)
    answers = {
        "POST /items": made,
        "GET /items/{id}": body_of(client.get(f"/items/{made['id']}"), "GET /items/{id}", 200),
        "GET /items": listed(client)[0],
        "PATCH /items/{id}": body_of(
            client.patch(f"/items/{made['id']}", json={"cost": 8}, headers=key), "PATCH /items/{id} {'cost': 8}", 200
        ),
    }
    for what, item in answers.items():
        assert isinstance(item, dict) and set(item) == OUT_KEYS, (
            f"{what} should answer an item with exactly the keys {sorted(OUT_KEYS)} (never cost), got {item!r}"
        )


@pytest.mark.points(
    1,
    hint="Use response_model (or a return annotation) so that the OpenAPI schema documents ItemOut, and status_code=201 on POST.",
)
def test_openapi_documents_the_public_model(api: Api) -> None:
    schema = api.openapi()
    assert isinstance(schema, dict), "app.openapi() should return the OpenAPI schema as a dict"
    operation = schema.get("paths", {}).get("/items/{item_id}", {}).get("get", {})
    content = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    model = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    properties = set(model.get("properties", {}))
    assert properties == OUT_KEYS, (
        f"the OpenAPI schema of GET /items/{{item_id}}'s 200 answer should be a model with exactly {sorted(OUT_KEYS)}, "
        f"got {sorted(properties) or content!r}"
    )
    responses = set(schema["paths"].get("/items", {}).get("post", {}).get("responses", {}))
    assert "201" in responses, f"the OpenAPI schema should document POST /items answering 201, got responses {sorted(responses)}"


@pytest.mark.points(
    2,
    hint="Constraints: price Field(gt=0), quantity Field(ge=0) and int, cost Field(ge=0), category a Category enum; "
    "FastAPI answers 422 with loc ['body', field].",
)
def test_create_refuses_bad_values_with_their_loc(client: Client, key: Headers) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"price": 0}, "price"),
        ({"price": -3.5}, "price"),
        ({"price": "cheap"}, "price"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 2.5}, "quantity"),
        ({"category": "toys"}, "category"),
        ({"category": "Tools"}, "category"),
        ({"cost": -0.01}, "cost"),
    ]
    for change, field in cases:
        assert_422_at(
            client.post("/items", json=new_item(**change), headers=key), f"POST /items with {change!r}", ("body", field)
        )
    assert listed(client) == [], "a refused item should not be stored"


@pytest.mark.points(1, hint="cost and quantity may be 0 (Field(ge=0)), and a 1-character name is fine; only price must be > 0.")
def test_create_accepts_the_lowest_allowed_values(client: Client, key: Headers) -> None:
    payload = new_item("X", price=0.01, quantity=0, cost=0)
    got = created(client.post("/items", json=payload, headers=key), f"POST /items {payload!r}")
    expected = shown(got["id"], "X", 0.01, 0, "tools")
    assert got == expected, f"POST /items {payload!r} should create {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="name, price, category and cost are required (no default); quantity is not.")
def test_create_reports_every_missing_field(client: Client, key: Headers) -> None:
    locs = error_locs(client.post("/items", json={}, headers=key), "POST /items with {}")
    required = {("body", name) for name in ("name", "price", "category", "cost")}
    assert required <= locs, f"POST /items with {{}} should point at {sorted(map(list, required))}, got {sorted(map(list, locs))}"
    assert ("body", "quantity") not in locs, (
        f"quantity is optional and should not be reported missing, got {sorted(map(list, locs))}"
    )


@pytest.mark.points(1, hint="StringConstraints(strip_whitespace=True, min_length=1, max_length=50): strip, then count.")
def test_create_strips_the_name(client: Client, key: Headers) -> None:
    got = add(client, key, "  Hammer \t")
    assert got["name"] == "Hammer", f"the name '  Hammer \\t' should be stored stripped as 'Hammer', got {got['name']!r}"
    assert_422_at(client.post("/items", json=new_item("   "), headers=key), "POST /items with name '   '", ("body", "name"))
    assert_422_at(client.post("/items", json=new_item(""), headers=key), "POST /items with name ''", ("body", "name"))


@pytest.mark.points(1, hint="A name has at most 50 characters (after stripping).")
def test_create_name_at_most_50_characters(client: Client, key: Headers) -> None:
    assert_422_at(
        client.post("/items", json=new_item("x" * 51), headers=key), "POST /items with a 51-character name", ("body", "name")
    )
    got = add(client, key, " " + "y" * 50 + " ")
    assert got["name"] == "y" * 50, f"a 50-character name (with spaces around it) should be accepted, got {got['name']!r}"


@pytest.mark.points(1, hint="model_config = ConfigDict(extra='forbid'): an unknown key such as 'id' is a 422 at ['body', 'id'].")
def test_create_refuses_unknown_keys(client: Client, key: Headers) -> None:
    assert_422_at(client.post("/items", json=new_item(id=99), headers=key), "POST /items with 'id': 99", ("body", "id"))
    assert_422_at(
        client.post("/items", json=new_item(colour="red"), headers=key), "POST /items with 'colour'", ("body", "colour")
    )
    assert listed(client) == [], "a refused item should not be stored"


@pytest.mark.points(
    2, hint="Names are unique ignoring case: compare name.casefold() (after stripping) and raise HTTPException(409)."
)
def test_create_refuses_a_taken_name_with_409(client: Client, key: Headers) -> None:
    add(client, key, "Hammer")
    for name in ("Hammer", "hammer", "  HAMMER "):
        assert_detail(client.post("/items", json=new_item(name), headers=key), f"POST /items with the taken name {name!r}", 409)
    got = [item.get("name") for item in listed(client)]
    assert got == ["Hammer"], f"only the first Hammer should be stored, got {got!r}"


# --- GET /items/{item_id} --------------------------------------------------------------------


@pytest.mark.points(1, hint="GET /items/{item_id} answers 200 with that item.")
def test_get_one_item(client: Client, key: Headers) -> None:
    add(client, key, "Hammer")
    rake = add(client, key, "Rake", category="garden", price=20, quantity=3)
    got = body_of(client.get(f"/items/{rake['id']}"), f"GET /items/{rake['id']}", 200)
    assert got == rake, f"GET /items/{rake['id']} should show {rake!r}, got {got!r}"


@pytest.mark.points(1, hint="An unknown id: raise HTTPException(status_code=404, detail=f'item {item_id} not found').")
def test_unknown_item_is_a_404(client: Client, key: Headers) -> None:
    add(client, key)
    got = body_of(client.get("/items/999"), "GET /items/999", 404)
    assert got == {"detail": "item 999 not found"}, (
        f"GET /items/999 should answer {{'detail': 'item 999 not found'}}, got {got!r}"
    )


@pytest.mark.points(
    2, hint="item_id: Annotated[int, Path(gt=0)]: FastAPI answers 422 at ['path', 'item_id'] for abc, 1.5, 0 or -3."
)
def test_item_id_must_be_a_positive_integer(client: Client, key: Headers) -> None:
    add(client, key)
    for raw in ("abc", "1.5", "0", "-3"):
        assert_422_at(client.get(f"/items/{raw}"), f"GET /items/{raw}", ("path", "item_id"))
    assert_422_at(client.delete("/items/abc", headers=key), "DELETE /items/abc", ("path", "item_id"))
    assert_422_at(client.patch("/items/0", json={"quantity": 1}, headers=key), "PATCH /items/0", ("path", "item_id"))


# --- GET /items ------------------------------------------------------------------------------


@pytest.mark.points(1, hint="GET /items lists every item ordered by id ([] for an empty store).")
def test_list_is_ordered_by_id(client: Client, key: Headers) -> None:
    assert listed(client) == [], f"GET /items on an empty store should be [], got {listed(client)!r}"
    made = [add(client, key, name) for name in ("Saw", "Hose", "Whisk")]
    got = listed(client)
    assert got == made, f"GET /items should list {made!r} in id order, got {got!r}"


@pytest.mark.points(
    1,
    hint="category: Category | None = None as a query parameter: only that category; "
    "an unknown one is a 422 at ['query', 'category'].",
)
def test_list_filter_by_category(client: Client, key: Headers) -> None:
    add(client, key, "Saw", category="tools")
    rake = add(client, key, "Rake", category="garden")
    hose = add(client, key, "Hose", category="garden")
    got = listed(client, {"category": "garden"})
    assert ids(got) == [rake["id"], hose["id"]], f"GET /items?category=garden should list Rake and Hose, got {got!r}"
    assert_422_at(client.get("/items", params={"category": "toys"}), "GET /items?category=toys", ("query", "category"))


@pytest.mark.points(
    2,
    hint="in_stock: bool | None = None; true means quantity > 0, false means quantity == 0: test `is not None`, not truthiness.",
)
def test_list_filter_in_stock(client: Client, key: Headers) -> None:
    saw = add(client, key, "Saw", quantity=2)
    rake = add(client, key, "Rake", quantity=0)
    hose = add(client, key, "Hose", quantity=7)
    checks = {"true": [saw["id"], hose["id"]], "false": [rake["id"]], "1": [saw["id"], hose["id"]], "no": [rake["id"]]}
    for value, expected in checks.items():
        got = ids(listed(client, {"in_stock": value}))
        assert got == expected, f"GET /items?in_stock={value} should list ids {expected}, got {got}"
    assert_422_at(client.get("/items", params={"in_stock": "maybe"}), "GET /items?in_stock=maybe", ("query", "in_stock"))


@pytest.mark.points(2, hint="Filter first, then items[offset : offset + limit]; limit defaults to 20, offset to 0.")
def test_list_limit_and_offset(client: Client, key: Headers) -> None:
    made = add_many(client, key, 25)
    checks: list[tuple[dict[str, Any], list[int]]] = [
        ({}, made[:20]),
        ({"limit": 5, "offset": 10}, made[10:15]),
        ({"offset": 24}, made[24:]),
        ({"offset": 30}, []),
        ({"limit": 100}, made),
        ({"category": "garden", "limit": 3, "offset": 2}, [made[5], made[7], made[9]]),
    ]
    for params, expected in checks:
        got = ids(listed(client, params))
        assert got == expected, f"GET /items with {params!r} (25 items) should list ids {expected}, got {got}"


@pytest.mark.points(2, hint="limit: Annotated[int, Query(ge=1, le=100)] = 20 and offset: Annotated[int, Query(ge=0)] = 0.")
def test_list_limit_and_offset_bounds(client: Client, key: Headers) -> None:
    add(client, key)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "x"}, "offset"),
    ]
    for params, name in cases:
        assert_422_at(client.get("/items", params=params), f"GET /items with {params!r}", ("query", name))


# --- PATCH /items/{item_id} ------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Change only the fields that were sent, each checked with the create rules (the name stripped): "
    "body.model_dump(exclude_unset=True), then item.model_copy(update=...).",
)
def test_patch_changes_only_the_fields_sent(client: Client, key: Headers) -> None:
    item = add(client, key, "Hammer", price=12.5, quantity=4, category="tools")
    other = add(client, key, "Rake", category="garden")
    changes: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"quantity": 9}, shown(item["id"], "Hammer", 12.5, 9, "tools")),
        ({"price": 15, "name": " Claw hammer "}, shown(item["id"], "Claw hammer", 15.0, 9, "tools")),
        ({}, shown(item["id"], "Claw hammer", 15.0, 9, "tools")),
        ({"name": "CLAW HAMMER", "category": "kitchen"}, shown(item["id"], "CLAW HAMMER", 15.0, 9, "kitchen")),
    ]
    for body, expected in changes:
        got = body_of(client.patch(f"/items/{item['id']}", json=body, headers=key), f"PATCH /items/{item['id']} {body!r}", 200)
        assert got == expected, f"after PATCH {body!r} the item should be {expected!r}, got {got!r}"
    stored = body_of(client.get(f"/items/{item['id']}"), "GET after the PATCHes", 200)
    assert stored == changes[-1][1], f"the PATCHes should be stored: GET should show {changes[-1][1]!r}, got {stored!r}"
    untouched = body_of(client.get(f"/items/{other['id']}"), "GET of the other item", 200)
    assert untouched == other, f"the other item should be unchanged {other!r}, got {untouched!r}"


@pytest.mark.points(
    1, hint="PATCH checks each field sent with the create rules, refuses null (a field_validator) and unknown keys: 422."
)
def test_patch_refuses_bad_values_and_null(client: Client, key: Headers) -> None:
    item = add(client, key)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"price": 0}, "price"),
        ({"quantity": -2}, "quantity"),
        ({"name": "  "}, "name"),
        ({"category": "toys"}, "category"),
        ({"price": None}, "price"),
        ({"name": None}, "name"),
        ({"id": 5}, "id"),
    ]
    for body, field in cases:
        assert_422_at(
            client.patch(f"/items/{item['id']}", json=body, headers=key), f"PATCH /items/{item['id']} {body!r}", ("body", field)
        )
    stored = body_of(client.get(f"/items/{item['id']}"), "GET after refused PATCHes", 200)
    assert stored == item, f"refused PATCHes should change nothing: {item!r}, got {stored!r}"


@pytest.mark.points(
    1, hint="PATCH has the create rules: quantity and cost may be 0 (Field(default=None, ge=0)); only price must be > 0."
)
def test_patch_accepts_the_lowest_allowed_values(client: Client, key: Headers) -> None:
    item = add(client, key, "Hammer", price=12.5, quantity=4, category="tools", cost=7.25)
    changes: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"quantity": 0}, shown(item["id"], "Hammer", 12.5, 0, "tools")),
        ({"cost": 0}, shown(item["id"], "Hammer", 12.5, 0, "tools")),
        ({"price": 0.01, "name": "X"}, shown(item["id"], "X", 0.01, 0, "tools")),
    ]
    for body, expected in changes:
        got = body_of(client.patch(f"/items/{item['id']}", json=body, headers=key), f"PATCH /items/{item['id']} {body!r}", 200)
        assert got == expected, f"after PATCH {body!r} the item should be {expected!r}, got {got!r}"


@pytest.mark.points(
    1, hint="PATCH of an unknown id is a 404; renaming to another item's name (any case) is a 409; to its own name is fine."
)
def test_patch_unknown_is_404_and_taken_name_is_409(client: Client, key: Headers) -> None:
    hammer = add(client, key, "Hammer")
    rake = add(client, key, "Rake")
    got = body_of(client.patch("/items/999", json={"quantity": 1}, headers=key), "PATCH /items/999", 404)
    assert got == {"detail": "item 999 not found"}, (
        f"PATCH /items/999 should answer {{'detail': 'item 999 not found'}}, got {got!r}"
    )
    assert_detail(
        client.patch(f"/items/{rake['id']}", json={"name": "hammer"}, headers=key), "PATCH Rake to the name 'hammer'", 409
    )
    stored = body_of(client.get(f"/items/{rake['id']}"), "GET of Rake after the 409", 200)
    assert stored == rake, f"a 409 should change nothing: {rake!r}, got {stored!r}"
    renamed = body_of(
        client.patch(f"/items/{hammer['id']}", json={"name": "HAMMER"}, headers=key), "PATCH Hammer to 'HAMMER'", 200
    )
    assert renamed.get("name") == "HAMMER", f"renaming an item to its own name in another case should work, got {renamed!r}"


# --- DELETE /items/{item_id} -----------------------------------------------------------------


@pytest.mark.points(
    2, hint="DELETE answers 204 with an empty body (status_code=204, return Response(status_code=204)); unknown ids are 404."
)
def test_delete_answers_204_and_removes_the_item(client: Client, key: Headers) -> None:
    keep = add(client, key, "Keep")
    gone = add(client, key, "Gone")
    response = client.delete(f"/items/{gone['id']}", headers=key)
    assert response.status_code == 204, (
        f"DELETE /items/{gone['id']} should answer 204, got {response.status_code} {response.text[:200]!r}"
    )
    assert response.content == b"", f"a 204 answer should have an empty body, got {response.text[:200]!r}"
    assert listed(client) == [keep], f"only {keep!r} should be left, got {listed(client)!r}"
    assert_detail(client.get(f"/items/{gone['id']}"), "GET of a deleted item", 404)
    assert_detail(client.delete(f"/items/{gone['id']}", headers=key), "DELETE of an item already deleted", 404)
    again = add(client, key, "Gone")
    assert again["id"] == gone["id"] + 1, f"ids are never reused: the next item should get id {gone['id'] + 1}, got {again['id']}"


# --- the API key -----------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="require_api_key reads the X-API-Key header and raises HTTPException(401) when it is missing or wrong; "
    "GETs need no key.",
)
def test_writes_need_the_api_key(client: Client, key: Headers) -> None:
    item = add(client, key)
    wrong = {"X-API-Key": key["X-API-Key"] + "x"}
    for headers, how in (({}, "without X-API-Key"), (wrong, "with a wrong X-API-Key")):
        assert_detail(client.post("/items", json=new_item("Saw"), headers=headers), f"POST /items {how}", 401)
        assert_detail(client.patch(f"/items/{item['id']}", json={"quantity": 0}, headers=headers), f"PATCH {how}", 401)
        assert_detail(client.delete(f"/items/{item['id']}", headers=headers), f"DELETE {how}", 401)
        assert_detail(client.get("/inventory/value", headers=headers), f"GET /inventory/value {how}", 401)
    got = listed(client)
    assert got == [item], f"refused writes should change nothing: GET /items should be [{item!r}], got {got!r}"
    body_of(client.get(f"/items/{item['id']}"), "GET /items/{id} without a key", 200)


@pytest.mark.points(
    1,
    hint="Compare bytes: secrets.compare_digest(x_api_key.encode(), expected.encode()); "
    "given two str, compare_digest raises TypeError on a non-ASCII key, which answers 500.",
)
def test_a_non_ascii_key_is_a_401(lenient_client: Client, key: Headers) -> None:
    client = lenient_client  # a crash in the route is a 500 answer, as in production
    item = created(client.post("/items", json=new_item(), headers=key), "POST /items with the right key")
    wrong = {"X-API-Key": "clé-secrète".encode()}  # sent as UTF-8 bytes, the way a client sends such a header
    requests = (
        ("POST /items", lambda: client.post("/items", json=new_item("Saw"), headers=wrong)),
        ("PATCH /items/{id}", lambda: client.patch(f"/items/{item['id']}", json={"quantity": 0}, headers=wrong)),
        ("GET /inventory/value", lambda: client.get("/inventory/value", headers=wrong)),
    )
    for what, send in requests:
        response = send()
        assert response.status_code == 401, (
            f"{what} with the non-ASCII X-API-Key 'clé-secrète' should answer 401, got {response.status_code} "
            f"{response.text[:200]!r}"
        )
    got = listed(client)
    assert got == [item], f"refused writes should change nothing: GET /items should be [{item!r}], got {got!r}"


@pytest.mark.points(1, hint="require_api_key must get the key through Depends(get_api_key), not from the API_KEY constant.")
def test_the_key_comes_from_get_api_key(api: Api, client: Client, key: Headers) -> None:
    api.use_api_key("rotated-key-for-the-grader")  # app.dependency_overrides[get_api_key], in the student's process
    assert_detail(
        client.post("/items", json=new_item(), headers=key), "POST /items with the old key after get_api_key was overridden", 401
    )
    response = client.post("/items", json=new_item(), headers={"X-API-Key": "rotated-key-for-the-grader"})
    created(response, "POST /items with the key that the overridden get_api_key returns")


# --- the store -------------------------------------------------------------------------------


@pytest.mark.points(1, hint="Every route must get the store through Depends(get_store), never use STORE directly.")
def test_the_store_comes_from_get_store(api: Api, client: Client, key: Headers) -> None:
    api.new_store("first")  # a Store() in the student's process, given by app.dependency_overrides[get_store]
    api.use_store("first")
    add(client, key, "In the first store")
    api.new_store("other")
    api.use_store("other")
    got = listed(client)
    assert got == [], f"after overriding get_store with a new Store, GET /items should be [], got {got!r}"
    made = add(client, key, "In the second store")
    assert made["id"] == 1, f"a new store's first item should get id 1, got {made!r}"
    api.use_store("first")
    got = [item.get("name") for item in listed(client)]
    assert got == ["In the first store"], f"back on the first store, GET /items should list only its item, got {got!r}"


@pytest.mark.points(1, hint="get_store() returns the one module-level STORE, so items stay between requests.")
def test_the_default_store_keeps_items_between_requests(api: Api, client: Client, key: Headers) -> None:
    api.use_store(None)  # no override: the app's own get_store
    name = "Grader's own item 7f3c"
    made = add(client, key, name)
    got = body_of(client.get(f"/items/{made['id']}"), f"GET /items/{made['id']} with the default store", 200)
    assert got == made, (
        f"with the default get_store, the item created by one request should be there in the next: {made!r}, got {got!r}"
    )
    client.delete(f"/items/{made['id']}", headers=key)  # leave the module's store as it was


# --- GET /inventory/value --------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="items = count, units = sum of quantities, cost = sum(cost * quantity), "
    "retail = sum(price * quantity), each round(x, 2).",
)
def test_inventory_value(client: Client, key: Headers) -> None:
    empty = body_of(client.get("/inventory/value", headers=key), "GET /inventory/value on an empty store", 200)
    expected: dict[str, Any] = {"items": 0, "units": 0, "cost": 0.0, "retail": 0.0}
    assert empty == expected, f"GET /inventory/value on an empty store should be {expected!r}, got {empty!r}"
    add(client, key, "Hammer", price=12.5, quantity=4, cost=7.25)
    add(client, key, "Rake", price=20, quantity=0, cost=11, category="garden")
    add(client, key, "Whisk", price=3.1, quantity=3, cost=1.15, category="kitchen")
    got = body_of(client.get("/inventory/value", headers=key), "GET /inventory/value", 200)
    expected = {"items": 3, "units": 7, "cost": 32.45, "retail": 59.3}
    assert isinstance(got, dict) and set(got) == set(expected), (
        f"GET /inventory/value should have the keys {sorted(expected)}, got {got!r}"
    )
    close = all(got[name] == pytest.approx(value, abs=1e-9) for name, value in expected.items())
    assert close, f"GET /inventory/value should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="Round each total to 2 decimals with round(x, 2): 0.333 * 3 = 0.999 is shown as 1.0.")
def test_inventory_value_is_rounded_to_2_decimals(client: Client, key: Headers) -> None:
    add(client, key, "Pegs", price=1.111, quantity=3, cost=0.333, category="garden")
    got = body_of(client.get("/inventory/value", headers=key), "GET /inventory/value", 200)
    expected = {"items": 1, "units": 3, "cost": 1.0, "retail": 3.33}
    totals = {name: got.get(name) for name in ("cost", "retail")} if isinstance(got, dict) else got
    close = isinstance(got, dict) and all(got.get(name) == pytest.approx(expected[name], abs=1e-9) for name in ("cost", "retail"))
    assert close, (
        f"with one item (price 1.111, cost 0.333, quantity 3), cost should be round(0.999, 2) = 1.0 and retail "
        f"round(3.333, 2) = 3.33, got {totals!r}"
    )
