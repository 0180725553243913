from django.urls import path

from dreams import views

urlpatterns = [
    path("", views.home, name="home"),
]
