"""The enterprise's evaluation is one submission for every unit (issue 12, item 10).

November 2026 (the clock stands on Monday 16 November). One enterprise has two cases this month:
- case 1: 招商部 leads and 住建局 supports; both sign for it (both worked on it);
- case 2: dispatched to 人社局, which returns it as not its business (it never worked on it).
Its secretary is 周敏. So the link offers three units: 周敏, 招商部, 住建局 (人社局 is not offered).

The rule where the issue leaves a choice: one press of the button saves, in one transaction, every unit whose
four marks are all given; a unit with some but not all of them is named in the error with what is missing,
and stays on the page with everything typed in it, to be completed and sent again. Units left untouched are
neither saved nor an error."""
import re

import pytest
from sqlalchemy import func, select

from app.assessment.period import Month
from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import EnterpriseEvaluation, User
from tests.factories import verified_evaluation_token

NOV = Month(2026, 11)
MARKS = ("lawful", "efficiency", "execution", "attitude")


@pytest.fixture
def served(app, factory):
    """The enterprise, its three units' field prefixes and its personal link."""
    from app.tickets import services as ts
    secretary = factory.user(Role.SECRETARY)
    zhaoshang, zhujian, renshe = factory.department("招商部"), factory.department("住建局"), factory.department("人社局")
    o_zhaoshang = factory.user(Role.OFFICER, department_id=zhaoshang)
    o_zhujian = factory.user(Role.OFFICER, department_id=zhujian)
    o_renshe = factory.user(Role.OFFICER, department_id=renshe)
    case1 = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=o_zhaoshang,
                           support_department_ids=[zhujian])
    case2 = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=o_renshe,
                           enterprise_id=case1.enterprise_id, title="社保补贴申请")
    with app.test_request_context():
        from app.models import Ticket
        t1 = db.session.get(Ticket, case1.id)
        ts.sign_assignment(t1, db.session.get(User, o_zhaoshang.id), t1.version)
        ts.sign_assignment(t1, db.session.get(User, o_zhujian.id), t1.version)
        t2 = db.session.get(Ticket, case2.id)
        ts.return_assignment(t2, db.session.get(User, o_renshe.id), t2.version, "不属于本部门职责")
        db.session.get(User, secretary.id).display_name = "周敏"
        db.session.commit()
        token = verified_evaluation_token(case1.enterprise_id, NOV)
    return {"url": f"/evaluate/{token}", "enterprise_id": case1.enterprise_id,
            "secretary": f"secretary_{secretary.id}", "zhaoshang": f"department_{zhaoshang}",
            "zhujian": f"department_{zhujian}", "renshe": f"department_{renshe}"}


def marks(prefix, values, comment=""):
    data = {f"{prefix}-{k}": str(v) for k, v in zip(MARKS, values) if v is not None}
    if comment:
        data[f"{prefix}-comment"] = comment
    return data


def saved(app, enterprise_id):
    """{(kind, unit id): (lawful, efficiency, execution, attitude, comment)} of the enterprise's evaluations."""
    with app.app_context():
        rows = db.session.scalars(select(EnterpriseEvaluation).where(
            EnterpriseEvaluation.enterprise_id == enterprise_id, EnterpriseEvaluation.month == "2026-11")).all()
        return {f"{r.unit_kind}_{r.unit_id}": (r.lawful, r.efficiency, r.execution, r.attitude, r.comment)
                for r in rows}


def test_only_the_units_that_worked_on_the_cases_are_offered(app, served):
    page = app.test_client().get(served["url"]).get_data(as_text=True)
    assert "周敏" in page and "招商部" in page and "住建局" in page
    assert "人社局" not in page  # it only returned case 2
    # One form, one fieldset per unit, one button.
    assert page.count(f'action="{served["url"]}"') == 1 and page.count("提交评价") == 1
    for unit in ("secretary", "zhaoshang", "zhujian"):
        assert f'name="{served[unit]}-lawful"' in page
    assert f'name="{served["renshe"]}-lawful"' not in page


def test_one_submission_saves_every_unit(app, served):
    client = app.test_client()
    data = {**marks(served["secretary"], (5, 5, 4, 5), "秘书很负责"), **marks(served["zhaoshang"], (4, 4, 4, 3)),
            **marks(served["zhujian"], (3, 4, 5, 5), "图审快")}
    response = client.post(served["url"], data=data)
    assert response.status_code == 303
    assert saved(app, served["enterprise_id"]) == {
        served["secretary"]: (5, 5, 4, 5, "秘书很负责"), served["zhaoshang"]: (4, 4, 4, 3, ""),
        served["zhujian"]: (3, 4, 5, 5, "图审快")}
    page = client.get(served["url"]).get_data(as_text=True)
    assert page.count("已评价") == 3 and "提交评价" not in page  # nothing left to score this month
    # The same form sent twice (a double press) saves nothing more.
    again = client.post(served["url"], data=data)
    assert again.status_code == 409 and "本月已评价过" in again.get_data(as_text=True)
    assert len(saved(app, served["enterprise_id"])) == 3


def test_an_incomplete_unit_is_named_and_keeps_what_was_typed(app, served):
    client = app.test_client()
    # 周敏 and 招商部 complete; 住建局 only 依法履职 = 2 and a comment: 办事效率, 执行力, 服务态度 missing.
    data = {**marks(served["secretary"], (5, 5, 5, 5)), **marks(served["zhaoshang"], (4, 3, 4, 4), "还行"),
            **marks(served["zhujian"], (2, None, None, None), "图审太慢"),
            **marks(served["renshe"], (1, 1, 1, 1))}  # not offered: ignored, never saved
    response = client.post(served["url"], data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请完成对「住建局」的评价：缺少办事效率、执行力、服务态度。" in page
    # The complete units are saved, in the one transaction; 住建局 is not; 人社局 never.
    assert saved(app, served["enterprise_id"]) == {
        served["secretary"]: (5, 5, 5, 5, ""), served["zhaoshang"]: (4, 3, 4, 4, "还行")}
    # Everything typed stays on the page: 住建局's 2 is still checked and its comment still there, the saved
    # units show the marks they were given.
    checked = re.search(rf'<input[^>]*name="{served["zhujian"]}-lawful"[^>]*value="2"[^>]*>', page).group(0)
    assert "checked" in checked
    assert "图审太慢" in page and "还行" in page
    assert page.count("已评价") == 2
    # The enterprise completes 住建局 and sends again: now all three are in.
    assert client.post(served["url"], data=marks(served["zhujian"], (2, 3, 3, 4), "图审太慢")).status_code == 303
    assert saved(app, served["enterprise_id"])[served["zhujian"]] == (2, 3, 3, 4, "图审太慢")


def test_nothing_filled_in_is_an_error_and_saves_nothing(app, served):
    response = app.test_client().post(served["url"], data={f'{served["zhujian"]}-comment': "   "})
    assert response.status_code == 400 and "请至少为一个单位打分。" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(EnterpriseEvaluation.id))) == 0


def test_a_mark_out_of_range_is_refused_by_name(app, served):
    data = {**marks(served["secretary"], (5, 5, 5, 9))}
    response = app.test_client().post(served["url"], data=data)
    assert response.status_code == 400
    assert "请完成对「周敏」的评价：缺少服务态度。" in response.get_data(as_text=True)
    assert saved(app, served["enterprise_id"]) == {}
