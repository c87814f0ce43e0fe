"""Every class a template puts on the page is styled, or is a hook a script looks for.

A class with no rule is a promise the page does not keep: the wait-list position read
"21 person is ahead of you." because `position__number` had no CSS. The templates and
stylesheets are read when the test runs, so templates added or removed later are covered.
"""

import re
from pathlib import Path

import wagtail

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
SITE_CSS = sorted((ROOT / "site" / "static").rglob("*.css"))
SITE_JS = sorted((ROOT / "site" / "static").rglob("*.js"))
WAGTAIL_ADMIN_CSS = Path(wagtail.__file__).parent / "admin/static/wagtailadmin/css/core.css"

# Templates shown inside the Wagtail admin: Wagtail's own stylesheet styles them.
ADMIN_TEMPLATE_DIRS = ("coaching/admin", "course/admin", "reports")
# Emails carry their styles inline; no stylesheet reaches a mail client.
EMAIL_TEMPLATE_DIRS = ("emails", "account/email")

CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"')
BLOCK_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)  # {% if %}: separates names
VARIABLE = re.compile(r"\{\{.*?\}\}", re.S)  # {{ x }}: writes (part of) a name
CSS_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def defined_classes(paths) -> set[str]:
    classes: set[str] = set()
    for path in paths:
        css = CSS_COMMENT.sub("", path.read_text(encoding="utf-8"))
        # Selectors only: drop declarations, so "0.5rem" or "url(x.png)" are not classes.
        selectors = re.sub(r"\{[^{}]*\}", "{}", css)
        classes.update(CSS_CLASS.findall(selectors))
    return classes


def script_hooks() -> set[str]:
    """Classes a script reads or toggles, named in a string in the site's JavaScript."""
    hooks: set[str] = set()
    for path in SITE_JS:
        for string in re.findall(r"[\"'`]([^\"'`]+)[\"'`]", path.read_text(encoding="utf-8")):
            hooks.update(CSS_CLASS.findall(string))
            hooks.update(re.findall(r"^[a-z][\w-]*$", string))
    return hooks


def used_classes(template: Path) -> set[tuple[str, bool]]:
    """(class, is_prefix) pairs: in "message--{{ tags }}" the class is only a prefix."""
    used = set()
    for attribute in CLASS_ATTRIBUTE.findall(template.read_text(encoding="utf-8")):
        segments = VARIABLE.split(BLOCK_TAG.sub(" ", attribute))
        for index, segment in enumerate(segments):
            tokens = segment.split()
            if not tokens:
                continue
            glued_before = index > 0 and not segment[0].isspace()
            glued_after = index < len(segments) - 1 and not segment[-1].isspace()
            for position, token in enumerate(tokens):
                if position == 0 and glued_before:
                    continue  # the end of a name built by a tag: cannot be checked alone
                is_prefix = position == len(tokens) - 1 and glued_after
                used.add((token, is_prefix))
    return used


def unstyled(template: Path, defined: set[str]) -> list[str]:
    missing = []
    for name, is_prefix in sorted(used_classes(template)):
        if is_prefix:
            if not any(cls.startswith(name) and cls != name for cls in defined):
                missing.append(name + "…")
        elif name not in defined:
            missing.append(name)
    return missing


def test_every_class_in_a_template_is_styled_or_a_script_hook():
    site = defined_classes(SITE_CSS) | script_hooks()
    admin = site | defined_classes([WAGTAIL_ADMIN_CSS])
    problems = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        relative = template.relative_to(TEMPLATES).as_posix()
        if relative.startswith(EMAIL_TEMPLATE_DIRS):
            continue
        defined = admin if relative.startswith(ADMIN_TEMPLATE_DIRS) else site
        problems.extend(f"{relative}: {name}" for name in unstyled(template, defined))
    assert problems == [], "classes without a rule:\n" + "\n".join(problems)


def test_the_check_notices_a_class_without_a_rule(tmp_path):
    template = tmp_path / "t.html"
    template.write_text('<span class="badge badge--locked{% if x %} is-new{% endif %}">')
    assert unstyled(template, {"badge", "is-new"}) == ["badge--locked"]
