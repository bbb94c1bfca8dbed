from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from govhub.kernel import problems


def problem_type(request: HttpRequest, slug: str) -> HttpResponse:
    """Human-readable page behind each problem ``type`` URI (RFC 9457 §3.1.1)."""
    kind = problems.ALL.get(slug)
    if kind is None:
        raise Http404(slug)
    return render(request, "kernel/problem_type.html",
                  {"kind": kind, "all_kinds": problems.ALL.values()})
