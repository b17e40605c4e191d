"""URL conf for benchmarks/registration_burst.py: the product's URLs plus a baseline
view that writes one row, behind the same middleware (session, auth, CSRF)."""

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST


@require_POST
def baseline_write(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline_write (user_id, written_at) VALUES (%s, now())",
            [request.user.pk],
        )
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/baseline-write/", baseline_write),
    path("", include("socex.urls")),
]
