"""The staff forms' enterprise picker: a few dozen companies offered (a secretary's own, else the newest), the chosen
one always, and a search by name or credit code that narrows the list as one types; any registered company can be
chosen through it (a centre registers tens of thousands, too many for one list)."""
import re

from sqlalchemy import select

from app.enums import Role
from app.extensions import db
from app.models import Enterprise, Ticket, Visit


def _options(html, select_id="enterprise_id"):
    block = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option(?![^>]*disabled)[^>]*value="([^"]*)"', block.group(1) if block else html)


def _rename(app, enterprise_id, name):
    with app.app_context():
        db.session.get(Enterprise, enterprise_id).name = name
        db.session.commit()


def test_a_secretary_is_offered_her_own_companies_and_finds_any_other_by_name_or_code(app, factory, login):
    me, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    mine = [factory.enterprise(me) for _ in range(2)]
    theirs = factory.enterprise(colleague)
    _rename(app, theirs, "苏州纳米光电有限公司")
    client = login(app.test_client(), me)

    for url in ("/tickets/new", "/visits/new"):
        page = client.get(url).get_data(as_text=True)
        assert set(_options(page)) == {"", str(mine[0]), str(mine[1])}, url  # hers only, not the colleague's
        assert re.search(r'<input type="search"[^>]*id="enterprise_id-search"', page), url
        assert re.search(r'<noscript><button[^>]*formmethod="get"[^>]*>查找</button></noscript>', page), url
    # Linked to the colleague's company (from its page), that one is offered and chosen too.
    linked = client.get(f"/tickets/new?enterprise_id={theirs}").get_data(as_text=True)
    assert str(theirs) in _options(linked) and re.search(rf'<option selected value="{theirs}"|value="{theirs}" selected',
                                                          linked)

    def found(q, chosen=""):
        return _options(client.get("/enterprises/options", query_string={"enterprise_q": q,
                                                                          "enterprise_id": chosen}).get_data(as_text=True))

    assert found("纳米光电") == ["", str(theirs)]  # by a part of the name, anyone's
    with app.app_context():
        code = db.session.get(Enterprise, theirs).credit_code
    assert found(code[-6:]) == ["", str(theirs)]  # by a part of the credit code
    assert found("纳米光电", chosen=str(mine[0])) == ["", str(mine[0]), str(theirs)]  # the chosen one stays
    assert found("%") == [""]  # a wildcard typed is a character, and no name holds it
    none = client.get("/enterprises/options?enterprise_q=%25").get_data(as_text=True)
    assert "没有名称或信用代码含有这些字的已登记企业" in none and "找到 0 家企业" in none
    # Without JavaScript, 查找 reloads the form (GET) with what was typed: the list narrowed, the box still holding it.
    narrowed = client.get("/visits/new?enterprise_q=纳米光电").get_data(as_text=True)
    assert _options(narrowed) == ["", str(theirs)] and 'value="纳米光电"' in narrowed


def test_a_company_found_by_search_can_be_chosen_on_every_form(app, factory, login):
    # The colleague's company is not in the secretary's default list; posting its id (what choosing it after a
    # search sends) files the case and the visit under it.
    me, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    factory.enterprise(me)
    theirs = factory.enterprise(colleague)
    client = login(app.test_client(), me)
    case = client.post("/tickets/new", data={
        "enterprise_id": str(theirs), "channel": "phone", "contact_name": "王经理", "mobile": "13812345678",
        "category_id": str(factory.category()), "urgency": "normal", "title": "用电增容", "description": "需要增容。"})
    assert case.status_code in (200, 303), case.get_data(as_text=True)[:300]
    visit = client.post("/visits/new", data={"enterprise_id": str(theirs), "kind": "visit",
                                              "visited_on": "2026-11-13", "summary": "走访了解用电需求"})
    assert visit.status_code in (200, 302, 303)
    with app.app_context():
        assert db.session.scalar(select(Ticket.enterprise_id).where(Ticket.title == "用电增容")) == theirs
        assert db.session.scalar(select(Visit.enterprise_id)) == theirs
    # An id naming no company is refused and records nothing.
    refused = client.post("/visits/new", data={"enterprise_id": "999999", "kind": "visit",
                                               "visited_on": "2026-11-13", "summary": "不存在的企业"})
    assert refused.status_code == 400 and "is-invalid" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Visit).count() == 1


def test_a_supervisor_is_offered_the_newest_companies(app, factory, login, monkeypatch):
    # With room for two, a supervisor (who has no companies of her own) is offered the two registered last.
    from app import enterprise_picker as picker
    monkeypatch.setattr(picker, "PICKER_SIZE", 2)
    supervisor = factory.user(Role.SUPERVISOR)
    made = [factory.enterprise() for _ in range(3)]
    page = login(app.test_client(), supervisor).get("/projects/new").get_data(as_text=True)
    assert set(_options(page)) == {"", str(made[1]), str(made[2])}


def test_a_long_list_says_there_are_more_and_a_secretary_without_companies_sees_the_newest(app, factory, login,
                                                                                          monkeypatch):
    # Room for two. Three companies, none in the new secretary's care: she is offered the two registered last
    # (not an empty list); a search matching all three lists two and says there are more, for screen readers too.
    from app import enterprise_picker as picker
    monkeypatch.setattr(picker, "PICKER_SIZE", 2)
    made = [factory.enterprise() for _ in range(3)]
    client = login(app.test_client(), factory.user(Role.SECRETARY))
    assert set(_options(client.get("/visits/new").get_data(as_text=True))) == {"", str(made[1]), str(made[2])}
    found = client.get("/enterprises/options?enterprise_q=测试企业").get_data(as_text=True)
    assert len(_options(found)) == 3  # the placeholder and two companies
    assert "只列出前 2 家，请输入更多字缩小范围" in found and "找到 2 家企业，还有更多" in found


def test_a_case_from_a_visit_can_be_filed_under_another_company_found_by_search(app, factory, login):
    # The form starts from the visit's company; the secretary searches for another (not among hers) and files
    # the case under it: the posted company is offered as well as the visit's, so the choice is accepted.
    me, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    mine, theirs = factory.enterprise(me), factory.enterprise(colleague)
    client = login(app.test_client(), me)
    client.post("/visits/new", data={"enterprise_id": str(mine), "kind": "visit", "visited_on": "2026-11-13",
                                     "summary": "走访"})
    with app.app_context():
        visit_id = db.session.scalar(select(Visit.id))
    answer = client.post(f"/tickets/new?visit_id={visit_id}", data={
        "visit_id": str(visit_id), "enterprise_id": str(theirs), "channel": "visit", "contact_name": "王经理",
        "mobile": "13812345678", "category_id": str(factory.category()), "urgency": "normal", "title": "另一家的诉求",
        "description": "走访时另一家企业反映。"})
    assert answer.status_code in (200, 303), answer.get_data(as_text=True)[:400]
    with app.app_context():
        assert db.session.scalar(select(Ticket.enterprise_id).where(Ticket.title == "另一家的诉求")) == theirs
