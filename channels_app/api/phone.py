"""Phone API (filled in by the phone work)."""

urlpatterns: list = []
