import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import Conflict, PermissionDenied, ServiceError
from safegrid.hazards.models import Source
from safegrid.regions import services as rs
from safegrid.registry.models import SafetyCategory
from safegrid.testing import square
from safegrid.tips import abuse, codes, crypto, services, testing
from safegrid.tips.models import State, Tip, TipEvent

pytestmark = pytest.mark.django_db


def category():
    return SafetyCategory.objects.get(code="town_gas")


def rule(world, cat=None):
    from safegrid.registry.services import set_responsibility_rule

    return set_responsibility_rule(county=world.county, category=cat or category(), lead_department=world.department,
                                   actor=world.admin)


class TestSubmit:
    def test_routes_by_place_and_category(self, world):
        rule(world)
        done = testing.submit(category="town_gas")
        tip = done.tip
        assert (tip.grid, tip.town, tip.department) == (world.grid_a1, world.town_a, world.department)
        assert tip.scope_path == world.grid_a1.path and tip.region_code == "430903"
        assert not tip.territorial_fallback
        assert tip.events.get().data["suggested"] == {"grid": "HLS-01", "town": "会龙山街道",
                                                      "department": "区住房和城乡建设局"}

    def test_no_rule_falls_to_the_town(self, world):
        tip = testing.submit(category="town_gas").tip
        assert tip.department is None and tip.territorial_fallback and tip.town == world.town_a

    def test_cached_routing_follows_changes(self, world):
        """Grids, rules and recipients are cached per process: each change is seen by the next tip."""
        from safegrid.accounts.services import set_active
        from safegrid.notifications.models import Notification

        inbox = Notification.objects.filter(user=world.town_user)
        assert testing.submit(category="town_gas").tip.department is None
        assert inbox.count() == 1
        rule(world)
        assert testing.submit(category="town_gas").tip.department == world.department
        set_active(world.town_user, False, actor=world.admin, reason="调离")
        testing.submit(category="town_gas")
        assert inbox.count() == 2  # the deactivated town user hears nothing more
        rs.update_grid(world.grid_a1, actor=world.admin, polygon=square(112.40, 28.70))
        moved = testing.submit(category="town_gas", county="430903").tip
        assert (moved.grid, moved.town) == (None, None)

    def test_tracking_code_format_and_only_hash_stored(self, world):
        done = testing.submit()
        code = done.tracking_code
        assert len(code) == 19 and code.count("-") == 3
        assert all(ch in codes.ALPHABET for ch in code.replace("-", ""))
        assert done.tip.tracking_hash == codes.tracking_hash(code.lower().replace("-", " "))
        assert code.replace("-", "") not in str(Tip.objects.values().get())

    def test_identity_encrypted_and_absent_from_audit(self, world):
        tip = services.submit_tip(testing.named(), client_ip="10.0.0.2").tip
        row = Tip.objects.values().get(pk=tip.pk)
        assert testing.SECRET_MOBILE not in str(row) and testing.SECRET_NAME not in str(row)
        assert crypto.decrypt(tip.identity_token) == {"name": testing.SECRET_NAME, "mobile": testing.SECRET_MOBILE}
        event = AuditEvent.objects.get(action="tip_submit")
        assert testing.SECRET_MOBILE not in str(event.after) and event.client_ip is None
        assert event.actor_name == "匿名"

    @pytest.mark.parametrize("overrides, code", [
        ({"lon": "", "lat": "", "address": ""}, "location.required"),
        ({"description": "  "}, "description.required"),
        ({"lon": "200", "lat": "28"}, "coordinates.range"),
        ({"anonymous": "0", "name": "张三", "mobile": "123"}, "mobile.format"),
        ({"anonymous": "0", "name": "", "mobile": "13900000000"}, "name.required"),
        ({"category": "nope"}, "category.unknown"),
        ({"occurred_at": "2999-01-01T10:00"}, "occurred_at.future"),
    ])
    def test_bad_input_writes_nothing(self, world, overrides, code):
        with pytest.raises(ServiceError) as err:
            testing.submit(**overrides)
        assert err.value.code == code
        assert not Tip.objects.exists() and not AuditEvent.objects.filter(action="tip_submit").exists()

    def test_mobile_error_does_not_repeat_the_number(self, world):
        with pytest.raises(ServiceError) as err:
            services.submit_tip(testing.named(mobile="139123"), client_ip="1.1.1.1")
        assert "139123" not in err.value.message

    def test_address_only_outside_grids_needs_a_county(self, world):
        with pytest.raises(ServiceError) as err:
            testing.submit(lon="", lat="")
        assert err.value.code == "county.required"
        tip = testing.submit(lon="", lat="", county="430903").tip
        assert tip.town is None and tip.scope_path == world.county.path

    def test_script_is_stored_as_given(self, world):
        text = "<script>alert('x')</script> 违规动火"
        assert testing.submit(description=text).tip.description == text

    def test_photos_checked_and_stripped(self, world, settings):
        tip = testing.submit(uploads=[testing.jpeg()]).tip
        photo = tip.photos.get()
        assert photo.taken_at is not None and photo.gps_lon == pytest.approx(112.305, abs=1e-3)
        from PIL import Image

        with Image.open(photo.file.path) as image:
            assert not image.getexif()

    def test_too_many_or_bad_photos(self, world, settings):
        settings.SAFEGRID_TIP_PHOTO_MAX_COUNT = 2
        with pytest.raises(ServiceError) as err:
            testing.submit(uploads=[testing.jpeg(), testing.jpeg(), testing.jpeg()])
        assert err.value.code == "photo.too_many"
        from django.core.files.uploadedfile import SimpleUploadedFile

        with pytest.raises(ServiceError) as err:
            testing.submit(uploads=[SimpleUploadedFile("a.jpg", b"<html>not an image</html>")])
        assert err.value.code == "photo.not_image"
        settings.SAFEGRID_HAZARD_PHOTO_MAX_BYTES = 100
        with pytest.raises(ServiceError) as err:
            testing.submit(uploads=[testing.jpeg()])
        assert err.value.code == "photo.too_large"
        assert not Tip.objects.exists()

    def test_deadline_calendar_or_working_days(self, world, settings, monkeypatch):
        from safegrid.hazards import clock

        monkeypatch.setattr(clock, "today", lambda: datetime.date(2026, 3, 2))
        assert testing.submit().tip.deadline == datetime.date(2026, 3, 12)
        settings.SAFEGRID_TIP_RESPONSE_WORKING_DAYS = True
        assert testing.submit(description="另一件事情完全不同").tip.deadline == datetime.date(2026, 3, 16)


class TestRateLimit:
    def test_flood_from_one_ip(self, world, settings):
        settings.SAFEGRID_TIP_RATE_LIMITS = {**settings.SAFEGRID_TIP_RATE_LIMITS, "submit_ip": (3, 3600)}
        for i in range(3):
            testing.submit(description=f"第{i}件", client_ip="9.9.9.9")
        with pytest.raises(abuse.RateLimited) as err:
            testing.submit(client_ip="9.9.9.9")
        assert err.value.status == 429 and "频繁" in err.value.message
        testing.submit(client_ip="9.9.9.8")  # another address still may

    def test_per_mobile(self, world, settings):
        settings.SAFEGRID_TIP_RATE_LIMITS = {**settings.SAFEGRID_TIP_RATE_LIMITS, "submit_mobile": (1, 86400)}
        services.submit_tip(testing.named(), client_ip="1.0.0.1")
        with pytest.raises(abuse.RateLimited):
            services.submit_tip(testing.named(), client_ip="1.0.0.2")

    def test_exempt_address(self, world, settings):
        settings.SAFEGRID_TIP_RATE_LIMITS = {**settings.SAFEGRID_TIP_RATE_LIMITS, "submit_ip": (1, 3600)}
        settings.SAFEGRID_TIP_RATE_EXEMPT_IPS = ["127.0.0.1"]
        for _ in range(3):
            testing.submit(client_ip="127.0.0.1")


class TestChallenge:
    def test_right_answer_once(self):
        question, token = abuse.new_challenge()
        abuse.check_challenge(token, str(testing.solve(question)))
        with pytest.raises(ServiceError) as err:
            abuse.check_challenge(token, str(testing.solve(question)))
        assert err.value.code == "challenge.used"

    def test_wrong_answer_and_forged_token(self):
        question, token = abuse.new_challenge()
        with pytest.raises(ServiceError) as err:
            abuse.check_challenge(token, str(testing.solve(question) + 1))
        assert err.value.code == "challenge.wrong"
        with pytest.raises(ServiceError):
            abuse.check_challenge(token[:-2] + "xx", "3")
        cache.clear()


class TestHandling:
    def test_accept_verify_hazard_close(self, world):
        tip = testing.submit(uploads=[testing.jpeg()]).tip
        tip = services.accept(tip, actor=world.town_user, version=tip.version)
        tip = services.verify(tip, actor=world.town_user, version=tip.version, founded=True, finding="现场属实")
        with pytest.raises(ServiceError):
            services.close(tip, actor=world.town_user, version=tip.version, outcome="x", public_reply="y")
        tip = services.create_hazard(tip, actor=world.town_user, version=tip.version, hazard_type="electrical",
                                     description="液化气钢瓶违规存放")
        assert tip.hazard.source == Source.PUBLIC_REPORT and tip.hazard.grid == world.grid_a1
        assert tip.hazard.photos.count() == 1 and tip.hazard.reporter == world.town_user
        tip = services.close(tip, actor=world.town_user, version=tip.version, outcome="已责令整改",
                             public_reply="经查属实，已责令整改。")
        assert tip.state == State.CLOSED and tip.closed_at is not None
        assert [e.action for e in tip.events.all()] == ["submit", "accept", "verify_founded", "hazard", "close"]

    def test_stale_version_conflicts(self, world):
        tip = testing.submit().tip
        services.accept(tip, actor=world.town_user, version=tip.version)
        with pytest.raises(Conflict):
            services.accept(tip, actor=world.county_user, version=1)

    def test_leader_and_officer_may_not_act(self, world):
        tip = testing.submit().tip
        for user in (world.leader, world.officer_user, world.enterprise_user):
            with pytest.raises(PermissionDenied):
                services.accept(tip, actor=user, version=tip.version)

    def test_reassign_keeps_history(self, world):
        tip = testing.submit().tip
        tip = services.reassign(tip, actor=world.town_user, version=tip.version, town=world.town_b,
                                department=world.department, reason="实际位于八字哨镇")
        assert tip.town == world.town_b and tip.scope_path == world.town_b.path and tip.department == world.department
        event = tip.events.get(action="reassign")
        assert event.data == {"from": {"town": "会龙山街道", "department": None},
                              "to": {"town": "八字哨镇", "department": "区住房和城乡建设局"}}
        assert not Tip.objects.restrict(world.town_user).filter(pk=tip.pk).exists()
        assert Tip.objects.restrict(world.town_b_user).filter(pk=tip.pk).exists()
        with pytest.raises(ServiceError):
            other = rs.create_region(code="430902101000", name="长春镇", level=4, parent=world.other_county, actor=None)
            services.reassign(tip, actor=world.county_user, version=tip.version, town=other, reason="x")


class TestDuplicates:
    def test_near_same_category_similar_text(self, world):
        first = testing.submit(category="town_gas").tip
        second = testing.submit(category="town_gas", lon="112.3055", lat="28.5052",
                                description="加油站后院违规存放液化气钢瓶很多，无人看管").tip
        assert [c["public_id"] for c in second.duplicate_candidates] == [first.public_id]
        assert second.duplicate_candidates[0]["distance_m"] < 200

    def test_far_or_other_category_or_other_text_not_proposed(self, world):
        testing.submit(category="town_gas")
        far = testing.submit(category="town_gas", lon="112.309", lat="28.509").tip  # ~600 m
        other_cat = testing.submit(category="fireworks").tip
        other_text = testing.submit(category="town_gas", description="道路施工没有围挡，夜间无警示灯").tip
        assert far.duplicate_candidates == [] and other_cat.duplicate_candidates == []
        assert other_text.duplicate_candidates == []

    def test_without_category_closed_old_and_excluded_not_proposed(self, world):
        from safegrid.hazards import clock
        from safegrid.tips import duplicates

        first = testing.submit().tip  # category "other": stored without one
        assert [c["public_id"] for c in testing.submit().tip.duplicate_candidates] == [first.public_id]
        wanted = {"region_code": "430903", "lon": 112.305, "lat": 28.505, "category_id": None, "enterprise_key": "",
                  "description": first.description, "now": clock.now()}
        assert first.pk in [c["id"] for c in duplicates.find(**wanted)]
        assert first.pk not in [c["id"] for c in duplicates.find(**wanted, exclude_pk=first.pk)]
        assert duplicates.find(**{**wanted, "category_id": category().pk}) == []
        Tip.objects.filter(pk=first.pk).update(created_at=clock.now() - datetime.timedelta(days=31))
        assert first.pk not in [c["id"] for c in duplicates.find(**wanted)]
        Tip.objects.update(state=State.CLOSED)
        assert duplicates.find(**wanted) == []

    def test_same_enterprise_anywhere(self, world):
        first = testing.submit(enterprise_name="益阳 某某化工有限公司", lon="", lat="", county="430903").tip
        second = testing.submit(enterprise_name="益阳某某化工有限公司", lon="112.41", lat="28.61").tip
        assert second.duplicate_candidates[0]["public_id"] == first.public_id
        assert second.duplicate_candidates[0]["same_enterprise"]

    def test_merge_keeps_reporters_and_codes(self, world):
        first = testing.submit()
        second = services.submit_tip(testing.named(), client_ip="10.0.0.3")
        merged = services.merge(second.tip, actor=world.town_user, version=second.tip.version, target=first.tip)
        assert merged.state == State.MERGED and merged.merged_into == first.tip
        assert crypto.decrypt(merged.identity_token)["mobile"] == testing.SECRET_MOBILE
        case = services.close(services.verify(services.accept(first.tip, actor=world.town_user, version=1),
                                              actor=world.town_user, version=2, founded=False, finding="未发现"),
                               actor=world.town_user, version=3, outcome="不实", public_reply="经核查未发现问题。")
        from safegrid.tips import queries

        view = queries.tracking(Tip.objects.get(tracking_hash=codes.tracking_hash(second.tracking_code)))
        assert view.case == case
        texts = [(row["label"], row["text"]) for row in view.timeline]
        assert ("已办结", "经核查未发现问题。") in texts and ("已与同一事项的其他举报合并办理", "") in texts
        assert all("不实" != row["text"] for row in view.timeline)  # internal outcome never shown


class TestIdentity:
    def test_reveal_needs_grant_and_is_audited(self, world):
        tip = services.submit_tip(testing.named(), client_ip="10.0.0.4").tip
        with pytest.raises(PermissionDenied):
            services.reveal_identity(tip, actor=world.county_user, reason="核实")
        testing.grant(world)
        with pytest.raises(ServiceError):
            services.reveal_identity(tip, actor=world.county_user, reason=" ")
        identity = services.reveal_identity(tip, actor=world.county_user, reason="核实举报人身份")
        assert identity["mobile"] == testing.SECRET_MOBILE
        event = AuditEvent.objects.get(action="tip_identity_reveal")
        assert event.actor == world.county_user and event.reason == "核实举报人身份"
        assert testing.SECRET_MOBILE not in str(event.after) and testing.SECRET_NAME not in str(event.after)

    def test_grant_only_by_admin(self, world):
        with pytest.raises(PermissionDenied):
            services.grant_identity_access(world.town_user, actor=world.county_user, reason="x")
        grant = services.grant_identity_access(world.town_user, actor=world.admin, reason="局党组决定")
        assert services.may_reveal(world.town_user)
        services.revoke_identity_access(grant, actor=world.admin, reason="调岗")
        assert not services.may_reveal(world.town_user)

    def test_rotation(self, world, settings):
        from cryptography.fernet import Fernet

        tip = services.submit_tip(testing.named(), client_ip="10.0.0.5").tip
        old = tip.identity_token
        settings.SAFEGRID_TIP_KEYS = [Fernet.generate_key().decode(), *settings.SAFEGRID_TIP_KEYS]
        assert services.rotate_keys() == 1
        tip.refresh_from_db()
        assert tip.identity_token != old
        settings.SAFEGRID_TIP_KEYS = settings.SAFEGRID_TIP_KEYS[:1]
        assert crypto.decrypt(tip.identity_token)["name"] == testing.SECRET_NAME


class TestRewards:
    def founded(self, world, major=True):
        tip = testing.submit().tip
        tip = services.accept(tip, actor=world.town_user, version=tip.version)
        return services.verify(tip, actor=world.town_user, version=tip.version, founded=True, finding="属实",
                               major=major)

    def test_compute_approve_claim_pay(self, world):
        done = testing.submit()
        tip = services.verify(services.accept(done.tip, actor=world.town_user, version=1), actor=world.town_user,
                              version=2, founded=True, finding="属实", major=True)
        reward = services.propose_reward(tip, actor=world.town_user, fine="100000")
        assert reward.amount == Decimal("15000.00") and reward.rule["rate"] == "0.15"
        with pytest.raises(ServiceError):
            services.claim_reward(done.tracking_code, {"payee": "甲", "account": "6222", "bank": "农行"})
        with pytest.raises(PermissionDenied):
            services.approve_reward(reward, actor=world.town_user, version=reward.version)
        reward = services.approve_reward(reward, actor=world.county_user, version=reward.version)
        reward = services.claim_reward(done.tracking_code.lower(), {"payee": "王某", "account": "6222020200112233",
                                                                     "bank": "农业银行", "mobile": "13700001111"})
        assert reward.state == "claimed" and "6222020200112233" not in reward.payment_token
        assert not any("6222020200112233" in str(e.after) for e in AuditEvent.objects.all())
        reward = services.record_payment(reward, actor=world.county_user, version=reward.version, reference="PZ-1")
        assert reward.state == "paid"

    def test_not_major_not_eligible(self, world):
        tip = self.founded(world, major=False)
        with pytest.raises(ServiceError):
            services.propose_reward(tip, actor=world.town_user, fine="1000")

    def test_proposer_may_not_approve(self, world):
        tip = self.founded(world)
        reward = services.propose_reward(tip, actor=world.county_user, fine="0")
        assert reward.amount == Decimal("3000.00")
        with pytest.raises(PermissionDenied):
            services.approve_reward(reward, actor=world.county_user, version=reward.version)


def test_scope(world):
    tip = testing.submit().tip
    assert Tip.objects.restrict(world.town_user).filter(pk=tip.pk).exists()
    assert Tip.objects.restrict(world.county_user).filter(pk=tip.pk).exists()
    assert Tip.objects.restrict(world.officer_user).filter(pk=tip.pk).exists()
    for user in (world.town_b_user, world.other_county_user, world.dept_user, world.enterprise_user):
        assert not Tip.objects.restrict(user).filter(pk=tip.pk).exists()
    assert TipEvent.objects.filter(tip=tip).count() == 1
