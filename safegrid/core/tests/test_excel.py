import io

from openpyxl import load_workbook

from safegrid import excel


def test_user_text_starting_with_equals_stays_text():
    workbook = excel.new_workbook()
    excel.write_sheet(workbook, "单位", ["名称", "人数"], [['=HYPERLINK("http://x","点我")', 3]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["单位"]
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","点我")'
    assert sheet["B2"].value == 3
