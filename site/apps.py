from django.apps import AppConfig


class CoachhouseConfig(AppConfig):
    name = "coachhouse"
    verbose_name = "Site"
