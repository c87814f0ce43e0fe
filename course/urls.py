from django.urls import path

from course import views

app_name = "course"

urlpatterns = [
    path("learn/<int:course_id>/start/", views.start, name="start"),
    path("learn/<int:course_id>/completed/", views.completed, name="completed"),
    path("learn/<int:course_id>/break/", views.nudges_break, name="nudges-break"),
    path("learn/lessons/<int:lesson_id>/progress/", views.lesson_progress, name="lesson-progress"),
    path(
        "learn/lessons/<int:lesson_id>/reflections/<str:block_id>/",
        views.reflection,
        name="reflection",
    ),
    path("learn/notes/", views.notes, name="notes"),
    path("certificates/<uuid:certificate_id>/", views.certificate, name="certificate"),
]
