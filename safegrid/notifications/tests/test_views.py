"""The inbox page: own messages only, mark one or all read, the navbar's unread badge."""

import pytest
from django.test import Client
from django.urls import reverse

from safegrid.notifications.models import Notification
from safegrid.notifications.services import notify

pytestmark = pytest.mark.django_db


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def message(world):
    return notify([world.town_user], "新隐患待核实：恒安化工", "配电箱未加锁", link="/hazards/1/")[0]


def test_inbox_is_private(world, message):
    notify([world.admin], "给管理员的消息")
    response = client(world.town_user).get(reverse("notifications:index"))
    assert [n.pk for n in response.context["page"]] == [message.pk]
    assert list(client(world.town_b_user).get(reverse("notifications:index")).context["page"]) == []
    # Administrators see their own inbox only.
    assert [n.title for n in client(world.admin).get(reverse("notifications:index")).context["page"]] == ["给管理员的消息"]
    response = client().get(reverse("notifications:index"))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_mark_read(world, message):
    target = reverse("notifications:read", args=[message.pk])
    assert client(world.town_b_user).post(target).status_code == 404
    assert client().post(target).status_code == 302 and Notification.objects.get(pk=message.pk).read_at is None
    assert client(world.town_user).get(target).status_code == 405
    response = client(world.town_user).post(target, {"go": "1"})
    assert response.status_code == 302 and response["Location"] == "/hazards/1/"
    assert Notification.objects.get(pk=message.pk).read_at is not None


def test_outside_link_is_not_followed(world):
    row = notify([world.town_user], "外部链接", link="https://example.com/x")[0]
    response = client(world.town_user).post(reverse("notifications:read", args=[row.pk]), {"go": "1"})
    assert response["Location"] == reverse("notifications:index")


def test_read_all_and_unread_filter(world, message):
    notify([world.town_user], "第二条")
    notify([world.town_b_user], "别人的")
    c = client(world.town_user)
    assert c.get(reverse("notifications:index") + "?unread=1").context["page"].paginator.count == 2
    c.post(reverse("notifications:read-all"))
    assert Notification.objects.filter(user=world.town_user, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=world.town_b_user, read_at__isnull=True).count() == 1
    assert c.get(reverse("notifications:index") + "?unread=1").context["page"].paginator.count == 0


def test_bell_shows_unread_count(world, message):
    text = client(world.town_user).get("/").content.decode()
    assert 'id="sg-bell-count">1<' in text.replace("\n", "")
    assert 'id="sg-bell-count"' not in client(world.town_b_user).get("/").content.decode()
