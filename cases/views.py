from django.shortcuts import render


def home(request):
    """The landing page: where the portal, the workbench, the dashboard and the API live."""
    return render(request, "home.html")
