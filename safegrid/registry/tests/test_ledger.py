"""Excel ledger: template, export, import (preview, all-or-nothing, bad files), API, command, scope."""

import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from safegrid.audit.models import AuditEvent
from safegrid.registry import ledger, services
from safegrid.registry.models import Enterprise
from safegrid.registry.testing import create, make_credit_code
from safegrid.testing import square

H = {field: header for header, field in ledger.LEDGER_COLUMNS}


def row(seed=1, **values):
    base = {"credit_code": make_credit_code(random.Random(seed)), "name": f"测试企业{seed}号有限公司",
            "legal_representative": "张伟", "legal_representative_mobile": "13807371234",
            "category": "危险化学品", "scale": "规上", "status": "在营", "headcount": 20,
            "operating_region": "会龙山街道/会龙山社区", "address": "会龙山街道工业园路 8 号",
            "lon": 112.305, "lat": 28.505}
    base.update(values)
    return base


def xlsx(rows, headers=None, edit=None):
    """A ledger workbook as bytes; `edit(sheet)` may damage it (merge, formulas)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ledger.SHEET_TITLE
    headers = headers or ledger.LEDGER_HEADERS
    sheet.append(headers)
    fields = {header: field for header, field in ledger.LEDGER_COLUMNS}
    for values in rows:
        sheet.append([values.get(fields.get(h), None) if values else None for h in headers])
    if edit:
        edit(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, content, name="台账.xlsx"):
    return client.post("/registry/ledger/import/", {"file": SimpleUploadedFile(name, content)})


def import_via_page(world, user, content):
    """Upload, then confirm; returns (preview response, confirm response or None)."""
    client = world.client(user)
    response = upload(client, content)
    assert response.status_code == 302, response.content.decode()[:500]
    preview = client.get(response["Location"])
    confirm = client.post(response["Location"] + "confirm/") if preview.context["plan"].valid else None
    return preview, confirm


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def api_import(user, content, dry_run=False):
    url = "/api/v1/enterprises/import/" + ("?dry_run=1" if dry_run else "")
    return api(user).post(url, {"file": SimpleUploadedFile("台账.xlsx", content)}, format="multipart")


def errors_of(response):
    return [(e["row"], e["column"], e["code"]) for e in response.json()["errors"]]


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- template -------------------------------------------------------------------------------


def test_template_headers_validations_and_scope(world):
    response = world.client(world.town_user).get("/registry/ledger/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook[ledger.SHEET_TITLE]
    assert [c.value for c in sheet[1]] == ledger.LEDGER_HEADERS
    assert len(ledger.LEDGER_HEADERS) == len(services.export_values(create(world))) == 20
    assert sheet.column_dimensions["A"].number_format == "@"
    ranges = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    column = {h: chr(ord("A") + i) for i, h in enumerate(ledger.LEDGER_HEADERS)}
    for header in ["安全监管类别", "规模", "经营状态", "经营地(乡镇/村)"]:
        assert f"{column[header]}2" in ranges, header
    options = workbook["选项"]
    assert options.sheet_state == "hidden"
    places = [c.value for c in options["D"][1:] if c.value]
    assert places == ["会龙山街道", "会龙山街道/会龙山社区"]  # town_a only, not 八字哨镇
    assert "危险化学品" in [c.value for c in options["A"]]
    assert "填写说明" in workbook.sheetnames


@pytest.mark.parametrize("url", ["/registry/ledger/template.xlsx", "/registry/ledger/import/"])
def test_import_pages_roles(world, url):
    assert world.client(world.county_user).get(url).status_code == 200
    assert world.client(world.town_user).get(url).status_code == 200
    assert world.client(world.dept_user).get(url).status_code == 403
    assert world.client(world.leader).get(url).status_code == 403
    assert world.client(world.officer_user).get(url).status_code == 403
    anonymous = world.client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# --- import: success, atomicity, duplicates ---------------------------------------------------------


def test_import_creates_assigns_grids_and_records_one_event(world):
    rows = [row(1), row(2, name="八字哨鑫源建材厂", category="工贸·建材", operating_region="八字哨镇",
                    lon=112.405, lat=28.605, status_since="2024-03-01"), {}, row(3, lon=None, lat=None)]
    preview, confirm = import_via_page(world, world.county_user, xlsx(rows))
    assert preview.context["plan"].preview() | {"errors": []} == {
        "valid": True, "rows": 3, "empty_rows": 1, "errors": [], "create": 3, "update": 0, "unchanged": 0}
    assert confirm.status_code == 302
    first = Enterprise.objects.get(name="测试企业1号有限公司")
    assert first.grid == world.grid_a1 and first.scope_path == world.grid_a1.path
    second = Enterprise.objects.get(name="八字哨鑫源建材厂")
    assert second.grid == world.grid_b1 and second.operating_region == world.village_b  # town → grid's village
    assert Enterprise.objects.get(name="测试企业3号有限公司").grid is None
    event = AuditEvent.objects.get(action="enterprise_import")
    assert event.after["created"] == 3 and event.after["file"] == "台账.xlsx"
    assert sorted(event.after["created_ids"]) == sorted(Enterprise.objects.values_list("pk", flat=True))
    assert not (ledger._upload_dir()).joinpath("x").exists()
    assert list(ledger._upload_dir().iterdir()) == []  # the stored upload is removed after import


def test_error_in_last_row_writes_nothing(world):
    rows = [row(seed) for seed in range(1, 30)] + [row(99, legal_representative_mobile="1234")]
    response = api_import(world.county_user, xlsx(rows))
    assert response.status_code == 400
    assert errors_of(response) == [(31, "法定代表人手机", "mobile.format")]
    assert Enterprise.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="enterprise").exists()


def test_confirm_revalidates_and_writes_nothing_when_the_database_changed(world):
    client = world.client(world.county_user)
    location = upload(client, xlsx([row(1), row(2)]))["Location"]
    assert client.get(location).context["plan"].valid
    create(world, seed=2, name="别的单位")  # same code, another name, registered meanwhile
    response = client.post(location + "confirm/")
    assert response.status_code == 400
    assert [(e["row"], e["code"]) for e in response.context["plan"].errors] == [(3, "credit_code.duplicate")]
    assert Enterprise.objects.count() == 1


def test_duplicates_in_file_name_both_rows(world):
    rows = [row(1), row(2), row(1, name="另一家公司")]
    response = api_import(world.county_user, xlsx(rows), dry_run=True)
    assert response.status_code == 400
    body = response.json()
    assert body["valid"] is False and body["rows"] == 3
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "统一社会信用代码"), (4, "统一社会信用代码")]
    assert "第 2 行和第 4 行" in body["errors"][0]["message"]


def test_database_clash_and_update(world):
    existing = create(world, seed=5, name="恒安化工有限公司")
    clash = api_import(world.county_user, xlsx([row(5, name="改了名的公司")]), dry_run=True)
    assert errors_of(clash) == [(2, "统一社会信用代码", "credit_code.duplicate")]
    assert "恒安化工有限公司" in clash.json()["errors"][0]["message"]
    same = row(5, name="恒安化工有限公司", address="工业园路 99 号")
    response = api_import(world.county_user, xlsx([same]))
    assert response.status_code == 201, response.json()
    assert response.json()["update"] == 1
    existing.refresh_from_db()
    assert existing.address == "工业园路 99 号" and existing.version == 2
    assert AuditEvent.objects.filter(action="enterprise_update", object_id=str(existing.pk)).count() == 1


def test_export_then_import_changes_nothing(world):
    create(world, seed=1)
    create(world, seed=2, name="八字哨镇鑫源建材厂", category="trade_building_materials",
           operating_region="430903101000", lon=112.405, lat=28.605, status="suspended", status_since="2024-05-01")
    create(world, seed=3, name="无坐标五金店", credit_code="", no_credit_code_reason="个体工商户", lon=None,
           lat=None, operating_region="430903101201", registered_region="430902")
    client = world.client(world.county_user)
    exported = b"".join(client.get("/registry/ledger/export.xlsx").streaming_content)
    versions = dict(Enterprise.objects.values_list("pk", "version"))
    events = AuditEvent.objects.count()
    preview, confirm = import_via_page(world, world.county_user, exported)
    plan = preview.context["plan"]
    assert (plan.rows, len(plan.creates), len(plan.updates), plan.unchanged) == (3, 0, 0, 3), plan.errors
    assert confirm.status_code == 302
    assert dict(Enterprise.objects.values_list("pk", "version")) == versions
    assert not AuditEvent.objects.filter(action="enterprise_update").exists()
    assert AuditEvent.objects.count() == events + 1  # only the import summary


# --- address resolution and per-field checks --------------------------------------------------------


def test_address_resolves_to_town_or_village(world):
    rows = [row(1, operating_region="", lon=None, lat=None, address="赫山区八字哨镇八字哨村三组 12 号"),
            row(2, operating_region="", lon=None, lat=None, address="会龙山街道某路 1 号"),
            row(3, operating_region="", lon=None, lat=None, address="长沙市岳麓区某路")]
    response = api_import(world.county_user, xlsx(rows), dry_run=True)
    assert errors_of(response) == [(4, "经营地(乡镇/村)", "operating_region.address_none")]
    api_import(world.county_user, xlsx(rows[:2]))
    assert Enterprise.objects.get(name="测试企业1号有限公司").operating_region == world.village_b
    assert Enterprise.objects.get(name="测试企业2号有限公司").operating_region == world.town_a


def test_field_errors_name_row_and_column(world):
    world.county.polygon = square(112.0, 28.0, size=1.0)
    world.county.save(update_fields=["polygon"])
    services._county_shape.cache_clear()
    rows = [row(1, category="不存在的类别"), row(2, credit_code="91430903MA4L00000X"),
            row(3, operating_region="汽车路街道"), row(4, lon=113.5, lat=28.5), row(5, scale="很大")]
    response = api_import(world.county_user, xlsx(rows), dry_run=True)
    services._county_shape.cache_clear()
    assert errors_of(response) == [
        (2, "安全监管类别", "category.unknown"), (3, "统一社会信用代码", "credit_code.checksum"),
        (4, "经营地(乡镇/村)", "operating_region.unknown"), (5, "经度", "coordinates.outside_county"),
        (6, "规模", "scale.unknown")]


def test_town_user_cannot_place_outside_own_town(world):
    rows = [row(1, operating_region="八字哨镇", lon=None, lat=None), row(2, operating_region="", lon=112.405,
                                                                      lat=28.605)]
    response = api_import(world.town_user, xlsx(rows))
    assert errors_of(response) == [(2, "经营地(乡镇/村)", "operating_region.unknown"),
                                   (3, "经营地(乡镇/村)", "operating_region.required")]
    assert Enterprise.objects.count() == 0


# --- bad files ----------------------------------------------------------------------------------


def test_headers_renamed_or_missing_are_named(world):
    headers = [("企业名称" if h == "单位名称" else h) for h in ledger.LEDGER_HEADERS if h != "纬度"]
    response = api_import(world.county_user, xlsx([row(1)], headers=headers), dry_run=True)
    message = response.json()["message"]
    assert response.json()["code"] == "ledger.headers"
    assert "缺少列：单位名称、纬度" in message and "企业名称" in message


def test_merged_cells_name_the_range(world):
    response = api_import(world.county_user, xlsx([row(1), row(2)], edit=lambda s: s.merge_cells("C2:C3")),
                          dry_run=True)
    assert response.json()["code"] == "ledger.merged_cells" and "C2:C3" in response.json()["message"]


def test_formula_names_the_cell(world):
    def formula(sheet):
        sheet["O2"] = "=10+10"

    response = api_import(world.county_user, xlsx([row(1)], edit=formula), dry_run=True)
    assert errors_of(response) == [(2, "从业人数", "ledger.formula")]
    assert "O2" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("content", "code"), [
    (b"name,credit_code\n\xe5\x85\xac\xe5\x8f\xb8,1\n", "ledger.not_xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "ledger.xls"),
    (b"PK\x03\x04 not really a zip", "ledger.not_xlsx"),
])
def test_not_xlsx_is_refused_whatever_the_name(world, content, code):
    client = world.client(world.county_user)
    response = client.get(upload(client, content, name="台账.xlsx")["Location"])
    assert [e["code"] for e in response.context["plan"].errors] == [code]
    assert "xlsx" in response.content.decode()


def test_too_large_refused_before_parsing(world, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("parsed an over-size upload")

    monkeypatch.setattr(ledger, "load_workbook", boom)
    monkeypatch.setattr(ledger, "store_upload", boom)
    big = b"PK\x03\x04" + b"\0" * (50 * 1024 * 1024)
    page = upload(world.client(world.county_user), big)
    assert page.status_code == 413 and "20 MB" in page.content.decode()
    response = api_import(world.county_user, big)
    assert response.status_code == 413 and response.json()["code"] == "upload.too_large"


def test_size_setting_and_row_limit(world, settings):
    settings.SAFEGRID_IMPORT_MAX_MB = 1
    assert api_import(world.county_user, b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024)).status_code == 413
    settings.SAFEGRID_IMPORT_MAX_MB = 20
    settings.SAFEGRID_IMPORT_MAX_ROWS = 3
    response = api_import(world.county_user, xlsx([row(s) for s in range(1, 5)]), dry_run=True)
    assert response.json()["code"] == "ledger.too_many_rows" and "3 行" in response.json()["message"]
    response = api_import(world.county_user, xlsx([row(1), {}, {}, row(2), *[{}] * 3, row(3)]), dry_run=True)
    assert response.status_code == 200, response.json()
    assert (response.json()["rows"], response.json()["empty_rows"]) == (3, 5)


# --- scope: page, API, export -------------------------------------------------------------------


def test_other_users_upload_is_404(world):
    location = upload(world.client(world.county_user), xlsx([row(1)]))["Location"]
    assert world.client(world.other_county_user).get(location).status_code == 404
    assert world.client(world.other_county_user).post(location + "confirm/").status_code == 404
    assert world.client().get(location).status_code == 302
    assert world.client(world.county_user).get(location).status_code == 200


def test_api_permission_matrix(world):
    content = xlsx([row(1)])
    assert api_import(None, content).status_code == 401
    assert api_import(world.dept_user, content).status_code == 403
    assert api_import(world.leader, content).status_code == 403
    other = api_import(world.other_county_user, content)  # 赫山区 places are outside 资阳区
    assert other.status_code == 400 and errors_of(other)[0][2] == "operating_region.unknown"
    assert Enterprise.objects.count() == 0
    created = api_import(world.county_user, content)
    assert created.status_code == 201 and created.json()["create"] == 1


def test_export_scope_and_filter(world):
    create(world, seed=1)
    create(world, seed=2, name="八字哨镇鑫源建材厂", category="trade_building_materials",
           operating_region="430903101201", lon=112.405, lat=28.605)

    def names(user, query=""):
        response = world.client(user).get("/registry/ledger/export.xlsx" + query)
        if response.status_code != 200:
            return response.status_code
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == ledger.LEDGER_HEADERS
        return [r[2] for r in rows[1:]]

    assert names(world.county_user) == ["八字哨镇鑫源建材厂", "益阳市赫山区恒安化工有限公司"]
    assert names(world.county_user, "?category=trade_building_materials") == ["八字哨镇鑫源建材厂"]
    assert names(world.town_user) == ["益阳市赫山区恒安化工有限公司"]
    assert names(world.other_county_user) == []
    assert names(world.enterprise_user) == 403
    assert names(None) == 302


def test_command_dry_run_and_import(world, tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(xlsx([row(1), row(2)]))
    call_command("import_ledger", str(path), "--user", "county", "--dry-run")
    assert '"valid": true' in capsys.readouterr().out and Enterprise.objects.count() == 0
    call_command("import_ledger", str(path), "--user", "county")
    assert Enterprise.objects.count() == 2
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_ledger", str(path), "--user", "dept")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row(7, name="")]))
    with pytest.raises(CommandError, match="nothing written"):
        call_command("import_ledger", str(bad), "--user", "county")
