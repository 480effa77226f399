"""Tip test helpers: a submission in grid HLS-01 (town 会龙山街道) and a granted user."""

from safegrid.hazards.testing import jpeg

from . import services
from .models import IdentityAccessGrant

SECRET_NAME = "欧阳举报人"
SECRET_MOBILE = "13912345678"


def data(**overrides):
    values = {"description": "某加油站后院违规存放大量液化气钢瓶，无人看管", "lon": "112.305", "lat": "28.505",
              "address": "会龙山公园东门旁", "anonymous": "1", "category": "", "enterprise_name": ""}
    values.update(overrides)
    return values


def named(**overrides):
    return data(**{"anonymous": "0", "name": SECRET_NAME, "mobile": SECRET_MOBILE, **overrides})


def submit(uploads=(), client_ip="10.0.0.1", **overrides):
    return services.submit_tip(data(**overrides), uploads=uploads, client_ip=client_ip)


def grant(world, user=None):
    return IdentityAccessGrant.objects.create(user=user or world.county_user, granted_by=world.admin,
                                              reason="纪检监察核查")


def solve(question):
    """The answer to a challenge question such as “七减三等于几？”."""
    from .abuse import DIGITS

    def number(text):
        if len(text) == 1:
            return DIGITS.index(text)
        tens, _, ones = text.partition("十")
        return (DIGITS.index(tens) if tens else 1) * 10 + (DIGITS.index(ones) if ones else 0)

    op = "加" if "加" in question else "减"
    a, b = (number(x) for x in question.replace("等于几？", "").split(op))
    return a + b if op == "加" else a - b


def form_post(client, **fields):
    """GET the public form, answer its challenge, POST `fields` (a fresh challenge every time)."""
    page = client.get("/report/")
    values = {"challenge_token": page.context["challenge_token"],
              "challenge_answer": str(solve(page.context["question"])), **fields}
    return client.post("/report/", values)


__all__ = ["solve", "form_post", "data", "named", "submit", "grant", "jpeg", "SECRET_NAME", "SECRET_MOBILE"]
