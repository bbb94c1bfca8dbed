from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from govhub.kernel import problems
from govhub_contracts import gateway_problems

# The integration hub's gateway answers with these types (govhub_contracts.gateway_problems);
# their URIs point here, at the control plane, which documents them.
GATEWAY_PROBLEMS = {kind.slug: kind for kind in gateway_problems.ALL}


def problem_type(request: HttpRequest, slug: str) -> HttpResponse:
    """Human-readable page behind each problem ``type`` URI (RFC 9457 §3.1.1)."""
    kind = problems.ALL.get(slug) or GATEWAY_PROBLEMS.get(slug)
    if kind is None:
        raise Http404(slug)
    return render(request, "kernel/problem_type.html",
                  {"kind": kind, "all_kinds": problems.ALL.values(),
                   "gateway_kinds": GATEWAY_PROBLEMS.values()})
