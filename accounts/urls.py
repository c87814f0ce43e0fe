from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("my/", views.dashboard, name="dashboard"),
    path("account/", views.account, name="account"),
    path("account/export/", views.export, name="export"),
    path("account/delete/", views.delete, name="delete"),
    path("account/deleted/", views.deleted, name="deleted"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
