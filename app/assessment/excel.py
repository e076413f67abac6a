"""The monthly report as an Excel workbook: a sheet per table; text cells never become formulas."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.assessment.metrics import AWARD_LABELS, BY_KEY, METRICS, UNIT_KINDS, UNIT_LABELS
from app.assessment.report import completion_fraction
from app.assessment.scoring import RANKED
from app.enums import AppealStatus, Channel, ClockKind
from app.excel import text_cell


def _table(ws, headers, rows):
    for col, title in enumerate(headers, start=1):
        text_cell(ws, 1, col, title).font = Font(bold=True)
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.cell(row=r, column=col, value=value)
            else:
                text_cell(ws, r, col, "" if value is None else value)
    for col in range(1, len(headers) + 1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 16 if col > 1 else 28


def _rate(value):
    return None if value is None else round(value, 1)


def _header(metric) -> str:
    # A score column says so: its cells are marks out of 100, not percentages.
    return _("%(label)s（分）", label=metric.label) if metric.score else str(metric.label)


def report_workbook(result: dict, month_label: str, status_text: str) -> bytes:
    """Sheets: 概览, 渠道, 类别, 秘书排名, 部室排名, 差评整改, 不纳入考核, 申诉."""
    c = result["center"]
    wb = Workbook()
    ws = wb.active
    ws.title = _("概览")
    overview = [
        (_("月份"), month_label), (_("状态"), status_text), (_("收到诉求"), c["received"]),
        (_("受理"), c["accepted"]), (_("提交会办"), c["convened"]), (_("办结"), c["resolved"]),
        (_("关闭"), c["closed"]),
    ]
    # Both 办结率, month and year to date, each with the division behind it (as the pages show it).
    completion = result.get("completion")
    for basis, label in (("received", _("办结率（收件口径）")), ("deadline", _("办结率（时限口径）"))):
        for period, when in (("month", _("本月")), ("ytd", _("本年累计"))):
            fig = completion[basis][period] if completion else None
            overview.append((_("%(label)s%(period)s %%", label=label, period=when), _rate(fig["rate"]) if fig else None,
                             completion_fraction(basis, fig) if fig else ""))
    overview += [
        (_("满意率 %"), _rate(c["ratings"]["satisfaction"])), (_("解决率 %"), _rate(c["ratings"]["solved"])),
        (_("评价数"), c["ratings"]["counted"]),
    ]
    remediation = c.get("remediation")  # a month published before 好差评 was closed has neither
    if "default" in c["ratings"]:
        overview.append((_("其中默认评价"), c["ratings"]["default"], _("企业逾期未评价，系统默认评价为“基本满意”，计入满意率时视为满意")))
    if remediation is not None:
        overview += [
            (_("差评整改率 %"), _rate(remediation["remediation_rate"]),
             _("整改后满意 %(k)d ÷ 差评 %(n)d", k=remediation["remediated"], n=remediation["counted"])),
            (_("回访率 %"), _rate(remediation["visit_rate"]),
             _("已回访 %(k)d ÷ 差评 %(n)d", k=remediation["visited"], n=remediation["counted"])),
        ]
    overview += [
        (_("走访"), c["visits"]), (_("代办事项办结"), c["procedures_completed"]), (_("项目开工"), c["projects_started"]),
    ]
    overview += [(_("%(kind)s按时率 %%", kind=ClockKind(k).label), _rate(v["rate"])) for k, v in c["on_time"].items()]
    _table(ws, [_("指标"), _("数值"), _("计算")], overview)
    _table(wb.create_sheet(_("渠道")), [_("渠道"), _("件数")],
           [(Channel(code).label, n) for code, n in c["by_channel"]])
    _table(wb.create_sheet(_("类别")), [_("类别"), _("件数")], c["by_category"])
    for kind in UNIT_KINDS:
        metrics = METRICS[kind]
        rows = []
        for u in result["units"][kind]:
            rows.append([u["rank"] if u["status"] == RANKED else None, u["name"], u["volume"], u["score"]]
                        + [_rate(u["figures"][m.key]["rate"]) for m in metrics]
                        + [str(AWARD_LABELS[kind]) if u["gold"] else ""])
        _table(wb.create_sheet(_("%(unit)s排名", unit=UNIT_LABELS[kind])),
               [_("名次"), _("名称"), _("纳入考核件数"), _("得分")] + [_header(BY_KEY[m.key]) for m in metrics]
               + [_("奖项")], rows)
    if remediation is not None:
        _table(wb.create_sheet(_("差评整改")),
               [_("诉求编号"), _("标题"), _("差评"), _("评价时间"), _("整改时限"), _("回访日期"), _("回访方式"),
                _("企业现在"), _("按时完成")],
               [(r["number"], r["title"], r["satisfaction"], r["rated_at"], r["due"], r["visited_on"], r["way"],
                 "" if r["satisfied"] is None else (_("满意") if r["satisfied"] else _("仍不满意")),
                 "" if r["in_time"] is None else (_("是") if r["in_time"] else _("否")))
                for r in remediation["rows"]])
    _table(wb.create_sheet(_("不纳入考核")), [_("诉求编号"), _("标题"), _("原因"), _("设置人")],
           [(e["number"], e["title"], e["reason"], e["by"]) for e in result["exclusions"]])
    _table(wb.create_sheet(_("申诉")), [_("诉求编号"), _("标题"), _("申诉单位"), _("理由"), _("结果"), _("处理意见")],
           [(a["number"], a["title"], a["unit"], a["reason"], AppealStatus(a["status"]).label, a["decision"])
            for a in result["appeals"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
