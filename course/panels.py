"""Admin panels for the course page."""

from wagtail.admin.panels import Panel


class DripSchedulePanel(Panel):
    """Read-only: each lesson of the course and the day it opens after enrolment."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "course/admin/drip_schedule_panel.html"

        def get_context_data(self, parent_context=None):
            # Imported here: selectors import the models, which declare this panel.
            from course.selectors import course_drip_schedule

            context = super().get_context_data(parent_context)
            context["schedule"] = course_drip_schedule(course=self.instance)
            return context
