"""``GET /healthz``: the state of the database and the broker, as JSON."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse


def _broker_state() -> str:
    from ilp_platform.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # any failure to reach the broker is "down", with the reason
        return f"error: {exc.__class__.__name__}"


def health_response() -> JsonResponse:
    state = {"database": "ok", "broker": _broker_state()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        state["database"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in state.values())
    state["status"] = "ok" if healthy else "degraded"
    response = JsonResponse(state, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
