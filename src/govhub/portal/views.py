from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from govhub.portal.queries import province_overview


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"overview": province_overview()})


def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability, for load balancers and the demo supervisor."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
