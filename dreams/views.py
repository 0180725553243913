"""Server-rendered pages. They read through selectors and talk to the API from the browser."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dreams/home.html")
