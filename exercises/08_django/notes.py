"""A notes API as a single-file Django app: settings, a model, JSON views and the URLs.

Fill in the model, the views and handler404; README.md says exactly what each must do.
The settings below are complete: keep them (the grader relies on ROOT_URLCONF, the in-memory
database and DEBUG=False).
"""

from __future__ import annotations

from typing import Any

import django
from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import path

# Django needs settings before any model is defined. A normal project keeps them in settings.py;
# this app is one file, so it configures Django itself, once.
if not settings.configured:
    settings.configure(
        DEBUG=False,  # errors are answered by handler404 / handler500, not by debug pages
        SECRET_KEY="notes-exercise-not-a-real-secret",
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],  # "testserver": django.test.Client
        ROOT_URLCONF=__name__,  # this module holds `urlpatterns` (and `handler404`)
        INSTALLED_APPS=["django.contrib.contenttypes"],
        MIDDLEWARE=[],  # no sessions, no CSRF checks: a bare JSON API
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
django.setup()


class Note(models.Model):
    """A note: a title, an optional body, a priority, and when it was created."""

    # TODO: the fields `title`, `body`, `priority` (with choices) and `created_at`.

    class Meta:
        app_label = "notes"  # this file is not an installed app, so name the app here


def note_to_dict(note: Note) -> dict[str, Any]:
    """A note as the API shows it (a suggestion: the grader only calls the views)."""
    raise NotImplementedError("note_to_dict: not written yet")


def notes_collection(request: HttpRequest) -> HttpResponse:
    """/notes/: GET lists the notes (filters, order, pages), POST creates one."""
    raise NotImplementedError("notes_collection (GET and POST /notes/): not written yet")


def note_detail(request: HttpRequest, note_id: int) -> HttpResponse:
    """/notes/<id>/: GET shows the note, DELETE deletes it."""
    raise NotImplementedError("note_detail (GET and DELETE /notes/<id>/): not written yet")


def note_stats(request: HttpRequest) -> HttpResponse:
    """/notes/stats/: how many notes there are, in all and per priority."""
    raise NotImplementedError("note_stats (GET /notes/stats/): not written yet")


urlpatterns = [
    path("notes/", notes_collection),
    path("notes/stats/", note_stats),
    path("notes/<int:note_id>/", note_detail),
]

# TODO: handler404, so that an unknown URL is answered with JSON too.
