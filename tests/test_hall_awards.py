"""The hall board shows the last published awards to staff and the kiosk; this month's live standings are a draft
for supervisors only, labelled as one (issue 12, item 12).

October is built through the real verbs (tests/test_assessment.py, Month10): 周敏 resolves 6 cases at first
contact, all on time and rated 非常满意 / 解决; 吴刚 6 cases, two of them late; 郑洁 only 2 (below the minimum of 5).
周敏's figures are all 100, so the published October names 周敏 金牌秘书 (the e2e test reads the same month)."""
from app.enums import Role


def _publish_october(app, clock):
    from app.assessment import publishing
    from app.assessment.period import Month
    from app.extensions import db
    from app.models import User
    from tests.test_assessment import Month10, bj
    with app.test_request_context():
        b = Month10(clock)
        for name, n, late, happy in (("周敏", 6, (), 6), ("吴刚", 6, (4, 5), 4), ("郑洁", 2, (), 2)):
            secretary = b.user(name, "secretary")
            ratings = [("5", "solved")] * happy + [("3", "partly")] * (n - happy)
            b.first_contact(secretary, n, late=late, ratings=ratings)
        clock.set(bj(11, 16))
        supervisor = b.user("督办", "supervisor")
        publishing.publish_month(Month(2026, 10), db.session.get(User, supervisor.id))


def test_everyone_sees_the_published_awards_and_only_supervisors_the_draft(app, clock, factory, login):
    app.config["KIOSK_TOKEN"] = "hall-screen-token-0123456789"
    _publish_october(app, clock)
    kiosk = app.test_client().get("/hall/panel?token=hall-screen-token-0123456789").get_data(as_text=True)
    secretary = login(app.test_client(), factory.user(Role.SECRETARY)).get("/hall").get_data(as_text=True)
    supervisor = login(app.test_client(), factory.user(Role.SUPERVISOR)).get("/hall").get_data(as_text=True)
    for page in (kiosk, secretary, supervisor):
        assert "2026年10月 月度考评（已发布）" in page and "金牌秘书：周敏" in page
    for page in (kiosk, secretary):
        assert "实时排名" not in page and "草稿" not in page
    assert "本月实时排名（草稿，未发布，仅督办可见）" in supervisor
