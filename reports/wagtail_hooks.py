"""The coach's reports in the admin: the Reports menu, their URLs and a dashboard panel."""

from wagtail import hooks

from reports import views


@hooks.register("register_admin_urls")
def register_report_urls():
    return views.admin_urls()


@hooks.register("register_reports_menu_item")
def register_funnel_report_menu_item():
    return views.menu_item("funnel")


@hooks.register("register_reports_menu_item")
def register_attribution_report_menu_item():
    return views.menu_item("attribution")


@hooks.register("register_reports_menu_item")
def register_learners_report_menu_item():
    return views.menu_item("learners")


@hooks.register("register_reports_menu_item")
def register_enrolments_report_menu_item():
    return views.menu_item("enrolments")


@hooks.register("construct_homepage_panels")
def add_learners_this_week_panel(request, panels):
    panels.append(views.LearnersThisWeekPanel())
