"""工作日历 pages, import and API; the banner staff see from 1 November."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from safegrid.workcal import banner
from safegrid.workcal.models import Holiday

pytestmark = pytest.mark.django_db
D = datetime.date


def test_banner_from_1_november(world):
    assert banner.years_to_warn(D(2026, 10, 31)) == []
    assert banner.years_to_warn(D(2026, 11, 1)) == [2027]
    assert banner.banner(world.enterprise_user, D(2026, 11, 1)) is None  # staff only
    shown = banner.banner(world.town_user, D(2026, 11, 1))
    assert shown["years"] == "2027" and not shown["may_edit"]
    assert banner.banner(world.admin, D(2026, 11, 1))["may_edit"]


@pytest.mark.parametrize("attr,status", [("admin", 200), ("county_user", 200), ("town_user", 200),
                                         ("enterprise_user", 403)])
def test_pages_by_role(world, attr, status):
    client = world.client(getattr(world, attr))
    assert client.get("/manage/calendar/").status_code == status
    assert client.get("/manage/calendar/2027/").status_code == status


def test_only_admin_enters_a_year(world):
    data = {"f-TOTAL_FORMS": "1", "f-INITIAL_FORMS": "0", "f-0-name": "元旦", "f-0-start": "2027-01-01",
            "f-0-end": "2027-01-03", "f-0-workdays": "2027-01-09", "source": "国办发明电〔2026〕7号"}
    assert world.client(world.county_user).post("/manage/calendar/2027/", data).status_code == 403
    assert not Holiday.objects.filter(date__year=2027).exists()
    assert world.client().post("/manage/calendar/2027/", data).status_code == 302  # to the login page
    response = world.client(world.admin).post("/manage/calendar/2027/", data)
    assert response.status_code == 302
    assert Holiday.objects.get(date=D(2027, 1, 9)).kind == "workday"


def test_import_table(world):
    csv = "日期,类型,节日\n2027-01-01,放假,元旦\n2027-02-05,放假,春节\n2027-02-20,上班,春节\n".encode()
    client = world.client(world.admin)
    response = client.post("/manage/calendar/2027/import/", {"file": SimpleUploadedFile("2027.csv", csv),
                                                             "source": "通知"})
    assert response.status_code == 302
    assert set(Holiday.objects.filter(date__year=2027).values_list("kind", flat=True)) == {"holiday", "workday"}
    bad = "日期,类型,节日\n2027-01-04,上班,元旦\n".encode()
    client.post("/manage/calendar/2027/import/", {"file": SimpleUploadedFile("bad.csv", bad)})
    assert Holiday.objects.filter(date__year=2027).count() == 3  # refused whole


def test_api(world):
    api = APIClient()
    body = {"source": "通知", "festivals": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-01"}]}
    api.force_authenticate(world.county_user)
    assert api.put("/api/v1/workcal/years/2027/", body, format="json").status_code == 403
    api.force_authenticate(world.admin)
    response = api.put("/api/v1/workcal/years/2027/", body, format="json")
    assert response.status_code == 200 and response.data["recomputed"] == 0
    assert [d["date"] for d in api.get("/api/v1/workcal/years/2027/").data] == ["2027-01-01"]
