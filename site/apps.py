from django.apps import AppConfig


class CoachhouseConfig(AppConfig):
    name = "coachhouse"
    verbose_name = "Site"

    def ready(self):
        from coachhouse import content_version

        content_version.connect_signals()
