"""A tiny notes API to put in a container. Do not change it: you submit only the Dockerfile.

In the container, gunicorn serves the WSGI object `app` in this module (`app:app`) on port 8000.
The API key that guards POST /notes comes from the environment at run time:

    docker run -p 8000:8000 -e NOTES_API_KEY=... notes
"""

import os
from typing import Any

from flask import Flask, request

app = Flask(__name__)
NOTES: list[dict[str, Any]] = []


@app.get("/health")
def health() -> dict[str, str]:
    """For the container's HEALTHCHECK: 200 while the app is up."""
    return {"status": "ok"}


@app.get("/notes")
def list_notes() -> dict[str, Any]:
    return {"notes": NOTES}


@app.post("/notes")
def add_note() -> tuple[dict[str, Any], int]:
    api_key = os.environ.get("NOTES_API_KEY")
    if not api_key:
        return {"error": "NOTES_API_KEY is not set on the server"}, 503
    if request.headers.get("X-API-Key") != api_key:
        return {"error": "wrong or missing X-API-Key"}, 401
    body = request.get_json(silent=True) or {}
    text = str(body.get("text", "")).strip()
    if not text:
        return {"error": "'text' is required"}, 400
    note = {"id": len(NOTES) + 1, "text": text}
    NOTES.append(note)
    return note, 201


if __name__ == "__main__":
    # Flask's development server, for trying the app on your own machine only (127.0.0.1:5000).
    app.run(debug=True)
