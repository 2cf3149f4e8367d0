"""A notes API as a single-file Django app: settings, a model, JSON views and the URLs."""

from __future__ import annotations

import json
from typing import Any

import django
from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="notes-exercise-not-a-real-secret",
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django.contrib.contenttypes"],
        MIDDLEWARE=[],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
django.setup()


# --- the model -----------------------------------------------------------------------------


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class Note(models.Model):
    """A note: a title, an optional body, a priority, and when it was created."""

    title = models.CharField(max_length=100)
    body = models.TextField(blank=True, default="")
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.NORMAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "notes"

    def __str__(self) -> str:
        return self.title


def note_to_dict(note: Note) -> dict[str, Any]:
    """A note as the API shows it."""
    return {
        "id": note.pk,
        "title": note.title,
        "body": note.body,
        "priority": note.priority,
        "created_at": note.created_at.isoformat(),
    }


# --- validation ----------------------------------------------------------------------------

WRITABLE = ("title", "body", "priority")
ORDERS = ("created_at", "-created_at", "title", "-title")
MAX_PER_PAGE = 50


class NoteForm(forms.ModelForm):
    """Checks a new note's fields against the model: required title, max_length, choices."""

    class Meta:
        model = Note
        fields = WRITABLE


class ListQuery(forms.Form):
    """The query string of GET /notes/; an empty value counts as not given."""

    q = forms.CharField(required=False)
    priority = forms.ChoiceField(choices=Priority.choices, required=False)
    order = forms.ChoiceField(choices=[(order, order) for order in ORDERS], required=False)
    page = forms.IntegerField(min_value=1, required=False)
    per_page = forms.IntegerField(min_value=1, max_value=MAX_PER_PAGE, required=False)


def error(status: int, message: str, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    """A JSON error answer: {"error": message} and, for a validation error, {"errors": {...}}."""
    body: dict[str, Any] = {"error": message}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status)


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """{field: [message, ...]} from a bound, invalid form."""
    return {name: [item["message"] for item in items] for name, items in form.errors.get_json_data().items()}


def not_allowed(request: HttpRequest, allowed: tuple[str, ...]) -> JsonResponse:
    response = error(405, f"method {request.method} is not allowed here; use {', '.join(allowed)}")
    response["Allow"] = ", ".join(allowed)
    return response


# --- the views -----------------------------------------------------------------------------


def notes_collection(request: HttpRequest) -> HttpResponse:
    """/notes/: GET lists, POST creates."""
    if request.method == "GET":
        return list_notes(request)
    if request.method == "POST":
        return create_note(request)
    return not_allowed(request, ("GET", "POST"))


def list_notes(request: HttpRequest) -> HttpResponse:
    query = ListQuery(request.GET)
    if not query.is_valid():
        return error(400, "invalid query string", form_errors(query))
    params = query.cleaned_data
    notes = Note.objects.all()
    if params["q"]:
        notes = notes.filter(Q(title__icontains=params["q"]) | Q(body__icontains=params["q"]))
    if params["priority"]:
        notes = notes.filter(priority=params["priority"])
    order = params["order"] or "-created_at"
    notes = notes.order_by(order, "-pk" if order.startswith("-") else "pk")
    paginator = Paginator(notes, params["per_page"] or 10)
    number = params["page"] or 1
    try:
        page = paginator.page(number)
    except EmptyPage:
        return error(404, f"page {number} does not exist; there are {paginator.num_pages}")
    return JsonResponse(
        {
            "count": len(page.object_list),
            "page": page.number,
            "pages": paginator.num_pages,
            "results": [note_to_dict(note) for note in page.object_list],
        }
    )


def create_note(request: HttpRequest) -> HttpResponse:
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return error(400, "the body must be a JSON object")
    if not isinstance(payload, dict):
        return error(400, "the body must be a JSON object")
    # A form turns any value into text, so check the JSON types first; the form checks the rest.
    wrong_type = {name: ["must be a string"] for name in WRITABLE if name in payload and not isinstance(payload[name], str)}
    # The form does not apply the model's defaults to missing fields: supply them.
    data: dict[str, Any] = {"body": "", "priority": "normal"}
    data.update({name: payload[name] for name in WRITABLE if name in payload and name not in wrong_type})
    form = NoteForm(data)
    if not form.is_valid() or wrong_type:
        return error(400, "invalid note", {**form_errors(form), **wrong_type})
    note = form.save()
    response = JsonResponse(note_to_dict(note), status=201)
    response["Location"] = f"/notes/{note.pk}/"
    return response


def note_detail(request: HttpRequest, note_id: int) -> HttpResponse:
    """/notes/<id>/: GET shows, DELETE deletes."""
    if request.method not in ("GET", "DELETE"):
        return not_allowed(request, ("GET", "DELETE"))
    note = Note.objects.filter(pk=note_id).first()
    if note is None:
        return error(404, f"note {note_id} not found")
    if request.method == "DELETE":
        note.delete()
        return HttpResponse(status=204)
    return JsonResponse(note_to_dict(note))


def note_stats(request: HttpRequest) -> HttpResponse:
    """/notes/stats/: how many notes, in all and per priority."""
    if request.method != "GET":
        return not_allowed(request, ("GET",))
    counts = dict(Note.objects.order_by().values_list("priority").annotate(n=Count("pk")))
    by_priority = {value: counts.get(value, 0) for value in Priority.values}
    return JsonResponse({"total": sum(by_priority.values()), "by_priority": by_priority})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django calls this (the root URLconf's handler404) for any URL no pattern matches."""
    return error(404, f"no such URL: {request.path}")


urlpatterns = [
    path("notes/", notes_collection),
    path("notes/stats/", note_stats),
    path("notes/<int:note_id>/", note_detail),
]
handler404 = not_found
