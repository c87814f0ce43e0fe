import pytest
from django.test.signals import template_rendered
from django.urls import get_resolver, reverse, NoReverseMatch

from tests.factories import UserFactory


def names():
    import allauth.urls  # noqa
    out = set()
    for key in get_resolver().reverse_dict.keys():
        if isinstance(key, str) and (key.startswith("account_") or key.startswith("mfa_")):
            out.add(key)
    return sorted(out)


@pytest.mark.parametrize("signed_in", [False, True])
def test_list(db, client, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    seen = []
    template_rendered.connect(lambda sender, template, **kw: seen.append(template.origin.name), weak=False)
    rows = []
    for name in names():
        try:
            url = reverse(name)
        except NoReverseMatch:
            rows.append((name, "needs args"))
            continue
        seen.clear()
        r = client.get(url)
        stock = [t for t in seen if "site-packages/allauth" in t and "/templates/" in t]
        rows.append((name, url, r.status_code, r.get("Location", ""), [s.split("templates/")[-1] for s in stock][:3]))
    print()
    for row in rows:
        print(signed_in, row)
