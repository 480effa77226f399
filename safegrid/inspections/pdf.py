"""The inspection record as a PDF (现场检查记录), Chinese in reportlab's built-in STSong-Light CID
font (no font file to ship), with the findings and the drawn signatures."""

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import ItemResult

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=9, leading=12)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=16, leading=22, alignment=TA_CENTER)


def _p(text, style=BODY):
    return Paragraph(str(text or "").replace("&", "&amp;").replace("<", "&lt;"), style)


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _signature(field):
    if not field:
        return _p("")
    with field.open("rb") as handle:
        data = io.BytesIO(handle.read())
    return Image(data, width=40 * mm, height=16 * mm, kind="proportional")


def render(inspection):
    """PDF bytes of a signed (or in-progress, marked as draft) inspection."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"现场检查记录 {inspection.enterprise.name}",
                            author=inspection.department.name if inspection.department else "")
    members = list(inspection.members.select_related("inspector"))
    findings = {f.item_id: f for f in inspection.findings.select_related("hazard")}
    story = [_p("安全生产监督检查现场检查记录", TITLE), Spacer(1, 4 * mm)]
    if inspection.state != "signed":
        story += [_p("（草稿：尚未签字确认）", SMALL), Spacer(1, 2 * mm)]
    head = [
        ["被检查单位", inspection.enterprise.name, "统一社会信用代码", inspection.enterprise.credit_code or "—"],
        ["地址", inspection.enterprise.address or "—", "检查方式", inspection.get_kind_display()],
        ["检查部门", inspection.department.name if inspection.department else "—", "检查表", inspection.checklist.name],
        ["到达现场", _local(inspection.started_at), "签字时间", _local(inspection.signed_at)],
        ["检查人员", "、".join(f"{m.inspector.name}（{m.inspector.unit}{'，证号' + m.inspector.certificate_no if m.inspector.certificate_no else ''}）"
                           for m in members), "检查结果", inspection.get_outcome_display() or "—"],
    ]
    story.append(_table([[_p(c, SMALL) for c in row] for row in head], [24 * mm, 62 * mm, 26 * mm, 62 * mm]))
    story += [Spacer(1, 4 * mm), _p("检查情况", BODY)]
    rows = [[_p(h, SMALL) for h in ("序号", "检查内容", "依据", "结果", "问题描述 / 隐患")]]
    for item in inspection.checklist.items.all():
        finding = findings.get(item.pk)
        result = finding.get_result_display() if finding else "未检查"
        detail = ""
        if finding and finding.result == ItemResult.FAIL:
            detail = finding.note
            if finding.hazard_id:
                detail += f"（隐患 #{finding.hazard_id}，{finding.hazard.get_grade_display()}）"
        rows.append([_p(item.no, SMALL), _p(item.text, SMALL), _p(item.basis, SMALL), _p(result, SMALL),
                     _p(detail, SMALL)])
    story.append(_table(rows, [10 * mm, 62 * mm, 38 * mm, 16 * mm, 48 * mm], header=True))
    if inspection.summary_note:
        story += [Spacer(1, 3 * mm), _p(f"检查意见：{inspection.summary_note}")]
    story += [Spacer(1, 5 * mm), _p("签字确认（《安全生产法》第六十八条）")]
    signs = [[_p("检查人员", SMALL), _p("签名", SMALL), _p("被检查单位负责人", SMALL), _p("签名", SMALL)]]
    for n, member in enumerate(members):
        rep = [_p(inspection.representative, SMALL), _signature(inspection.representative_signature)] if n == 0 \
            else [_p(""), _p("")]
        signs.append([_p(member.inspector.name, SMALL), _signature(member.signature), *rep])
    story.append(_table(signs, [30 * mm, 57 * mm, 30 * mm, 57 * mm], header=True))
    doc.build(story)
    return out.getvalue()


def _table(rows, widths, header=False):
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")))
    table.setStyle(TableStyle(style))
    return table
