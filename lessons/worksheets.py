"""Who may download a worksheet: documents used in lessons only enrolled learners can open
are served only to them; a free preview's worksheet stays public, like the lesson."""

from dataclasses import dataclass

from course.models import Enrolment
from lessons.models import LessonPage


@dataclass(frozen=True)
class WorksheetAccess:
    """Where a document is used in lessons, and so who may download it."""

    gated_lessons: list  # lessons that are not free previews
    public: bool  # used in a live free-preview lesson, or in no lesson at all

    @property
    def first_lesson(self):
        return self.gated_lessons[0] if self.gated_lessons else None


def worksheet_access(*, document) -> WorksheetAccess:
    """The lessons whose worksheet blocks offer `document`.

    Reads the lessons' bodies rather than Wagtail's reference index, which the task worker
    fills after a publish: a worksheet must be private from the moment its lesson is saved.
    """
    gated, in_free_preview = [], False
    for lesson in LessonPage.objects.order_by("path").only("body", "free_preview", "live"):
        # The raw JSON: the document's id, without loading every block's document.
        if not any(
            block.get("type") == "worksheet"
            and (block.get("value") or {}).get("document") == document.pk
            for block in lesson.body.raw_data
        ):
            continue
        if not lesson.free_preview:
            gated.append(lesson)
        elif lesson.live:
            in_free_preview = True
    return WorksheetAccess(gated_lessons=gated, public=in_free_preview or not gated)


def worksheet_may_download(*, user, access: WorksheetAccess) -> bool:
    """Anyone for a public worksheet; else editors, and learners enrolled in a course whose
    lesson offers it."""
    if access.public:
        return True
    if not user.is_authenticated:
        return False
    if user.has_perm("wagtailadmin.access_admin"):
        return True
    course_ids = {lesson.get_parent().pk for lesson in access.gated_lessons}
    return Enrolment.objects.filter(user=user, course_id__in=course_ids).exists()
