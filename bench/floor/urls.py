from django.urls import path

from floor.views import page

urlpatterns = [path("", page)]
