"""A JSON REST API for todos, in Flask, with an app factory and an in-memory store.

Write `create_app()`; README.md says exactly what each endpoint must answer.
"""

from flask import Flask

PRIORITIES = ("low", "normal", "high")  # the allowed values of a todo's "priority"


def create_app() -> Flask:
    """A new Flask app with its own, empty store of todos.

    To do, inside this function (so that every app has its own store):
      - the store: a dict of todos by id, and a counter for the next id (ids are never reused);
      - the routes: GET and POST /todos; GET, PUT, PATCH and DELETE /todos/<int:todo_id>;
      - the error handlers, so that every error answer is JSON, never an HTML page;
      - return the app.
    """
    raise NotImplementedError("create_app: make the app, its store, its routes and its error handlers")
