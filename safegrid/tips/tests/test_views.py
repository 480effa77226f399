"""Public pages, staff pages and the API: permissions, bad input, and the secrecy of the reporter."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safegrid.audit.models import AuditEvent
from safegrid.notifications.models import Notification
from safegrid.tips import testing
from safegrid.tips.models import State, Tip

pytestmark = pytest.mark.django_db
SECRETS = (testing.SECRET_NAME, testing.SECRET_MOBILE)


def named_fields(**extra):
    fields = {k: v for k, v in testing.named().items()}
    fields.update(extra)
    return fields


class TestPublicReport:
    def test_form_needs_no_login_and_uses_no_cdn(self, client):
        page = client.get("/report/")
        assert page.status_code == 200 and "no-cache" in page["Cache-Control"]
        html = page.content.decode()
        assert "/static/vendor/leaflet/leaflet.js" in html and "等于几" in html
        assert "https://" not in html.replace("https://t{s}", "")

    def test_submit_shows_code_and_qr(self, world, client):
        page = testing.form_post(client, **testing.data(), photos=[testing.jpeg()])
        assert page.status_code == 200
        code = page.context["code"]
        html = page.content.decode()
        assert code in html and "<svg" in html and Tip.objects.get().photos.count() == 1
        assert f"/report/track/#{code}" in html

    def test_wrong_challenge_refused_and_identity_not_echoed(self, world, client):
        page = client.get("/report/")
        answer = testing.solve(page.context["question"]) + 1
        response = client.post("/report/", {**named_fields(), "challenge_token": page.context["challenge_token"],
                                            "challenge_answer": str(answer)})
        assert response.status_code == 400 and "验证题答案不正确" in response.content.decode()
        assert not any(s in response.content.decode() for s in SECRETS)
        assert "违规存放" in response.content.decode()  # the description is kept for the retry
        assert not Tip.objects.exists()

    def test_challenge_is_single_use(self, world, client):
        page = client.get("/report/")
        fields = {**testing.data(), "challenge_token": page.context["challenge_token"],
                  "challenge_answer": str(testing.solve(page.context["question"]))}
        assert client.post("/report/", fields).status_code == 200
        assert client.post("/report/", fields).status_code == 400
        assert Tip.objects.count() == 1

    def test_missing_location(self, world, client):
        response = testing.form_post(client, **testing.data(lon="", lat="", address=""))
        assert response.status_code == 400 and "地图上选点" in response.content.decode()

    def test_script_shown_escaped(self, world, client):
        text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        done = testing.form_post(client, **testing.data(description=text, address=text))
        tip = Tip.objects.get()
        assert tip.description == text
        staff = world.client(world.county_user).get(f"/tips/{tip.pk}/").content.decode()
        assert text not in staff and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in staff
        assert "<script>alert" not in done.content.decode()

    def test_flood_gets_429_in_chinese(self, world, client, settings):
        settings.SAFEGRID_TIP_RATE_LIMITS = {**settings.SAFEGRID_TIP_RATE_LIMITS, "submit_ip": (2, 3600)}
        for i in range(2):
            assert testing.form_post(client, **testing.data(description=f"第{i}件不同的事情")).status_code == 200
        response = testing.form_post(client, **testing.data())
        assert response.status_code == 429 and "提交过于频繁" in response.content.decode()

    def test_too_many_or_too_large_photos(self, world, client, settings):
        settings.SAFEGRID_TIP_PHOTO_MAX_COUNT = 1
        response = testing.form_post(client, **testing.data(), photos=[testing.jpeg(), testing.jpeg()])
        assert response.status_code == 400 and "最多上传 1 张" in response.content.decode()
        settings.SAFEGRID_HAZARD_PHOTO_MAX_BYTES = 1000
        big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * 400_000, content_type="image/jpeg")
        response = testing.form_post(client, **testing.data(), photos=[big])
        assert response.status_code == 413 and "照片总大小超过上限" in response.content.decode()
        assert not Tip.objects.exists()


class TestTracking:
    def test_code_shows_public_timeline_only(self, world, client):
        from safegrid.tips import services

        done = testing.submit()
        tip = services.accept(done.tip, actor=world.town_user, version=1, note="内部：请网格员核查")
        services.reply(tip, actor=world.town_user, version=tip.version, public_reply="已安排人员核查。")
        page = client.post("/report/track/", {"code": done.tracking_code.lower().replace("-", " ")})
        html = page.content.decode()
        assert page.status_code == 200 and "已安排人员核查。" in html and "已受理" in html
        assert "内部：请网格员核查" not in html and "会龙山街道" not in html

    def test_wrong_and_unknown_code_look_the_same(self, world, client, django_assert_num_queries):
        done = testing.submit()
        wrong = done.tracking_code[:-1] + ("0" if done.tracking_code[-1] != "0" else "1")
        with django_assert_num_queries(1):
            first = client.post("/report/track/", {"code": wrong})
        with django_assert_num_queries(1):
            second = client.post("/report/track/", {"code": "not a code at all"})
        assert first.status_code == second.status_code == 200
        assert "未查到该查询码" in first.content.decode()
        assert self.without_tokens(first) == self.without_tokens(second)

    @staticmethod
    def without_tokens(response):
        """The page with its (per-response masked) CSRF tokens blanked."""
        import re

        return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", response.content.decode())

    def test_tracking_is_rate_limited(self, world, client, settings):
        settings.SAFEGRID_TIP_RATE_LIMITS = {**settings.SAFEGRID_TIP_RATE_LIMITS, "track_ip": (2, 3600)}
        for _ in range(2):
            client.post("/report/track/", {"code": "x"})
        assert client.post("/report/track/", {"code": "x"}).status_code == 429


class TestStaffPermissions:
    """In scope, out of scope, anonymous, and roles that may not act, for each page."""

    def test_matrix(self, world):
        tip = testing.submit().tip
        pages = ["/tips/", f"/tips/{tip.pk}/", "/tips/closure/", "/tips/export.xlsx", "/api/v1/tips/",
                 f"/api/v1/tips/{tip.pk}/"]
        anonymous = world.client()
        for url in pages:
            assert anonymous.get(url).status_code in (302, 401, 403), url
        for user in (world.town_user, world.county_user, world.admin, world.leader, world.officer_user):
            client = world.client(user)
            for url in pages:
                assert client.get(url).status_code == 200, (user, url)
        for user in (world.town_b_user, world.other_county_user, world.dept_user):
            client = world.client(user)
            assert client.get(f"/tips/{tip.pk}/").status_code == 404
            assert client.get(f"/api/v1/tips/{tip.pk}/").status_code == 404
            assert tip.public_id not in client.get("/tips/?box=todo").content.decode()
        enterprise = world.client(world.enterprise_user)
        for url in pages:
            assert enterprise.get(url).status_code == 403, url

    def test_actions(self, world):
        tip = testing.submit().tip
        url = f"/tips/{tip.pk}/accept/"
        assert world.client().post(url, {"version": 1}).status_code == 302  # to the login page
        assert world.client(world.enterprise_user).post(url, {"version": 1}).status_code == 403
        assert world.client(world.leader).post(url, {"version": 1}).status_code == 403
        assert world.client(world.town_b_user).post(url, {"version": 1}).status_code == 404
        assert world.client(world.town_user).post(url, {"version": 1}).status_code == 302
        assert Tip.objects.get().state == State.ACCEPTED
        api = f"/api/v1/tips/{tip.pk}/reply/"
        assert world.client().post(api, {"version": 2}).status_code == 401
        assert world.client(world.leader).post(api, {"version": 2}).status_code == 403
        assert world.client(world.other_county_user).post(api, {"version": 2}).status_code == 404
        ok = world.client(world.county_user).post(api, {"version": 2, "public_reply": "收到"},
                                                  content_type="application/json")
        assert ok.status_code == 200 and ok.json()["events"][-1]["public_text"] == "收到"
        stale = world.client(world.county_user).post(f"/api/v1/tips/{tip.pk}/close/",
                                                     {"version": 1, "outcome": "x", "public_reply": "y"},
                                                     content_type="application/json")
        assert stale.status_code == 409

    def test_reveal_only_for_granted_users(self, world):
        tip = services_submit_named()
        url = f"/tips/{tip.pk}/reveal/"
        assert world.client().post(url, {"reason": "x"}).status_code == 302
        assert world.client(world.county_user).post(url, {"reason": "核查"}).status_code == 403
        assert testing.SECRET_NAME not in world.client(world.county_user).get(f"/tips/{tip.pk}/").content.decode()
        testing.grant(world)
        assert world.client(world.other_county_user).post(url, {"reason": "核查"}).status_code == 404
        page = world.client(world.county_user).post(url, {"reason": "纪检核查"})
        assert page.status_code == 200 and testing.SECRET_MOBILE in page.content.decode()
        assert "no-store" in page["Cache-Control"]
        assert AuditEvent.objects.filter(action="tip_identity_reveal", reason="纪检核查").count() == 1
        api = world.client(world.county_user).post(f"/api/v1/tips/{tip.pk}/reveal/", {"reason": "复核"})
        assert api.status_code == 200 and api.json()["identity"]["name"] == testing.SECRET_NAME
        assert world.client(world.town_user).post(f"/api/v1/tips/{tip.pk}/reveal/", {"reason": "x"}).status_code == 403

    def test_closure_rate_api(self, world):
        from safegrid.tips import services

        done = testing.submit().tip
        services.reject(done, actor=world.town_user, version=1, reason="非安全生产事项", public_reply="请向12345反映。")
        testing.submit(description="另一件完全不同的投诉内容")
        rows = world.client(world.county_user).get("/api/v1/tips/closure-rate/?by=town").json()["results"]
        assert rows == [{"id": world.town_a.pk, "name": "会龙山街道", "total": 2, "done": 1, "on_time": 1,
                         "overdue": 0, "rate": 50.0, "on_time_rate": 50.0}]
        assert world.client(world.county_user).get("/api/v1/tips/closure-rate/?by=x").status_code == 400
        assert world.client(world.enterprise_user).get("/api/v1/tips/closure-rate/").status_code == 403
        assert world.client(world.other_county_user).get("/api/v1/tips/closure-rate/").json()["results"] == []


def services_submit_named():
    from safegrid.tips import services

    return services.submit_tip(testing.named(), client_ip="10.1.1.1").tip


def test_identity_never_leaks_during_the_journey(world, caplog, settings, django_capture_on_commit_callbacks):
    """Submit by name, handle, reply, close, reward: search every response, notice, audit event, log."""
    settings.SAFEGRID_TIP_RATE_EXEMPT_IPS = []
    caplog.set_level(logging.DEBUG)
    from safegrid.registry.models import SafetyCategory
    from safegrid.registry.services import set_responsibility_rule

    set_responsibility_rule(county=world.county, category=SafetyCategory.objects.get(code="town_gas"),
                            lead_department=world.department, actor=world.admin)
    outputs = []
    public = world.client()
    with django_capture_on_commit_callbacks(execute=True):  # the notices go out after commit
        done = testing.form_post(public, **named_fields(category="town_gas", enterprise_name="益阳某燃气站"),
                                 photos=[testing.jpeg()])
    outputs.append(done)
    code = done.context["code"]
    tip = Tip.objects.get()
    town, dept, county = world.client(world.town_user), world.client(world.dept_user), world.client(world.county_user)
    steps = [
        (town, "accept", {}), (town, "verify", {"founded": "1", "major": "1", "finding": "现场属实"}),
        (town, "no_hazard", {"reason": "违法行为已立案处罚"}), (town, "reply", {"public_reply": "已立案。"}),
        (town, "close", {"outcome": "罚款", "public_reply": "经查属实，已依法处罚。"}),
        (town, "reward", {"fine": "50000"}),
    ]
    for client, name, fields in steps:
        tip.refresh_from_db()
        outputs.append(client.post(f"/tips/{tip.pk}/{name}/", {"version": tip.version, **fields}, follow=True))
    reward = Tip.objects.get().reward
    outputs.append(county.post(f"/tips/{tip.pk}/reward_approve/", {"reward_version": reward.version}, follow=True))
    outputs.append(public.post("/report/track/", {"code": code}))
    outputs.append(public.post("/report/claim/", {"code": code, "payee": "王某", "account": "6222000011112222",
                                                  "bank": "农业银行"}))
    for client in (town, dept, county, world.client(world.leader), world.client(world.admin)):
        for url in ["/tips/", f"/tips/{tip.pk}/", "/tips/export.xlsx", "/api/v1/tips/", f"/api/v1/tips/{tip.pk}/",
                    "/tips/closure/", "/api/v1/notifications/", "/audit/", "/api/v1/audit-events/",
                    f"/open311/v2/requests/{tip.public_id}.json", "/open311/v2/requests.xml"]:
            outputs.append(client.get(url))
    assert Tip.objects.get().state == State.CLOSED and Tip.objects.get().reward.state == "claimed"
    assert Notification.objects.exists()
    bodies = [b"".join(r.streaming_content) if r.streaming else r.content for r in outputs]
    assert all(r.status_code < 500 for r in outputs)
    _assert_secret_free(bodies, caplog.text)


def _assert_secret_free(bodies, log_text):
    import io
    import zipfile

    texts = [log_text]
    for body in bodies:
        if body[:2] == b"PK":  # xlsx: read the sheets' XML
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                texts += [archive.read(n).decode() for n in archive.namelist()]
        else:
            texts.append(body.decode("utf-8", "replace"))
    texts += [f"{n.title} {n.body}" for n in Notification.objects.all()]
    texts += [f"{e.before} {e.after} {e.reason} {e.object_repr}" for e in AuditEvent.objects.all()]
    for secret in (*SECRETS, "6222000011112222"):
        assert not any(secret in text for text in texts), secret
