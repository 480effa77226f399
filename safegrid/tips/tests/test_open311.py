"""Open311 GeoReport v2: the shapes the spec shows, in JSON and XML, and its error format."""

import xml.etree.ElementTree as ET

import pytest

from safegrid.tips import codes, crypto, services, testing
from safegrid.tips.models import Channel, Tip

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def partner(db):
    return services.create_partner("12345 政务服务便民热线")


def post(client, key, fmt="json", **fields):
    values = {"api_key": key, "service_code": "town_gas", "lat": "28.505", "long": "112.305",
              "description": "燃气管道漏气", **fields}
    return client.post(f"{BASE}/requests.{fmt}", values)


def test_services_json_and_xml(world, client):
    rows = client.get(f"{BASE}/services.json").json()
    gas = next(r for r in rows if r["service_code"] == "town_gas")
    assert gas == {"service_code": "town_gas", "service_name": "城镇燃气", "description": gas["description"],
                   "metadata": False, "type": "realtime", "keywords": "城镇燃气", "group": "城镇燃气"}
    assert rows[-1]["service_code"] == "other"
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and root[0].tag == "service"
    assert {child.tag for child in root[0]} == {"service_code", "service_name", "description", "metadata", "type",
                                                "keywords", "group"}
    assert root.find("service/metadata").text == "false"


def test_post_json_returns_public_id_and_tracking_code(world, client, partner):
    response = post(client, partner[1], first_name="三", last_name="张", phone="0737-1234567")
    assert response.status_code == 201
    [row] = response.json()
    tip = Tip.objects.get()
    assert row["service_request_id"] == tip.public_id and row["account_id"] is None
    assert row["service_notice"].startswith("答复期限")
    assert tip.tracking_hash == codes.tracking_hash(row["tracking_code"])
    assert tip.channel == Channel.OPEN311 and tip.partner == partner[0] and tip.grid == world.grid_a1
    assert crypto.decrypt(tip.identity_token) == {"name": "张 三", "phone": "0737-1234567"}


def test_post_xml(world, client, partner):
    response = post(client, partner[1], fmt="xml", address_string="会龙山公园", lat="", long="",
                    jurisdiction_id="430903")
    root = ET.fromstring(response.content)
    assert response.status_code == 201 and root.tag == "service_requests"
    assert root.find("request/service_request_id").text == Tip.objects.get().public_id
    assert Tip.objects.get().anonymous


@pytest.mark.parametrize("fields, status, words", [
    ({"api_key": "wrong"}, 403, "api_key"),
    ({"lat": "", "long": ""}, 400, "lat/long"),
    ({"service_code": ""}, 400, "service_code"),
    ({"service_code": "nope"}, 400, "category"),
    ({"description": ""}, 400, "description"),
    ({"lat": "abc"}, 400, "lon"),
])
def test_post_errors_in_spec_format(world, client, partner, fields, status, words):
    values = {"api_key": partner[1], **fields}
    json_response = post(client, **{"key": values.pop("api_key")}, **values)
    assert json_response.status_code == status
    [error] = json_response.json()
    assert error["code"] == status and words in error["description"]
    xml_response = post(client, fmt="xml", **{"key": partner[1] if fields.get("api_key") != "wrong" else "wrong"},
                        **{k: v for k, v in fields.items() if k != "api_key"})
    root = ET.fromstring(xml_response.content)
    assert root.tag == "errors" and root.find("error/code").text == str(status)
    assert root.find("error/description").text
    assert not Tip.objects.exists()


def test_get_requests_public_fields_only(world, client, partner):
    done = testing.submit(description="机密的举报内容", address="具体门牌号")
    tip = services.accept(done.tip, actor=world.town_user, version=1)
    services.reply(tip, actor=world.town_user, version=tip.version, public_reply="已受理，正在核查。")
    [row] = client.get(f"{BASE}/requests.json").json()
    assert row["service_request_id"] == tip.public_id and row["status"] == "open"
    assert row["status_notes"] == "已受理，正在核查。" and row["agency_responsible"] == "会龙山街道"
    assert row["description"] is None and row["lat"] is None and row["address"] is None
    assert set(row) >= {"service_name", "service_code", "requested_datetime", "updated_datetime",
                        "expected_datetime", "service_notice", "media_url"}
    body = client.get(f"{BASE}/requests.xml").content.decode()
    assert "机密的举报内容" not in body and "具体门牌号" not in body and done.tracking_code not in body
    root = ET.fromstring(body)
    assert root.find("request/status").text == "open"
    one = client.get(f"{BASE}/requests/{tip.public_id}.json").json()
    assert one[0]["service_request_id"] == tip.public_id
    assert client.get(f"{BASE}/requests.json?status=closed").json() == []
    assert client.get(f"{BASE}/requests.json?service_request_id={tip.public_id},TXXXX").json()[0]["status"] == "open"
    assert len(client.get(f"{BASE}/requests.json?service_code=other").json()) == 1
    assert client.get(f"{BASE}/requests.json?service_code=town_gas").json() == []


def test_get_errors(world, client):
    missing = client.get(f"{BASE}/requests/TNOPE.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    root = ET.fromstring(client.get(f"{BASE}/requests/TNOPE.xml").content)
    assert root.find("error/code").text == "404"
    bad = client.get(f"{BASE}/requests.json?start_date=yesterday")
    assert bad.status_code == 400 and "start_date" in bad.json()[0]["description"]
    assert client.get(f"{BASE}/requests.json?status=pending").status_code == 400
    assert client.get(f"{BASE}/services.csv").json()[0]["code"] == 400


def test_partner_rate_limit(world, client, partner, settings):
    settings.SAFEGRID_TIP_RATE_LIMITS = {**settings.SAFEGRID_TIP_RATE_LIMITS, "submit_partner": (1, 60)}
    assert post(client, partner[1]).status_code == 201
    response = post(client, partner[1], description="另一件不同的事")
    assert response.status_code == 429 and response.json()[0]["code"] == 429
