"""Staff login: hashed passwords, slow-down after failures, disabled accounts, safe redirects."""
import pytest

from app.enums import Role
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD


def test_password_is_stored_hashed(app, factory):
    person = factory.user(Role.SECRETARY)
    with app.app_context():
        user = db.session.get(User, person.id)
        assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)


def test_login_and_logout(app, factory):
    person = factory.user(Role.SECRETARY)
    client = app.test_client()
    response = client.post("/login", data={"username": person.username.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/workspace")
    assert client.get("/workspace").status_code == 200
    client.post("/logout")
    assert client.get("/workspace").status_code == 302


@pytest.mark.parametrize("username,password", [("nobody", PASSWORD), (None, "wrong-password")])
def test_failed_login_says_the_same_whether_or_not_the_account_exists(app, factory, username, password):
    person = factory.user(Role.SECRETARY)
    response = app.test_client().post("/login", data={"username": username or person.username, "password": password})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_repeated_failures_are_slowed_down(app, factory):
    person = factory.user(Role.SECRETARY)
    client = app.test_client()
    codes = [client.post("/login", data={"username": person.username, "password": "bad"}).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429]
    blocked = client.post("/login", data={"username": person.username, "password": PASSWORD})
    assert blocked.status_code == 429 and "操作过于频繁" in blocked.get_data(as_text=True)
    other = factory.user(Role.SECRETARY)  # another account from the same address is not blocked yet
    assert app.test_client().post("/login", data={"username": other.username, "password": PASSWORD}).status_code == 302


def test_disabled_account_cannot_log_in_and_loses_its_session(app, factory, login):
    person = factory.user(Role.SECRETARY)
    client = login(app.test_client(), person)
    factory.set_active(person, False)
    assert client.get("/workspace").status_code == 302
    response = app.test_client().post("/login", data={"username": person.username, "password": PASSWORD})
    assert response.status_code == 401


def test_password_change_ends_existing_sessions(app, factory, login):
    person = factory.user(Role.SECRETARY)
    client = login(app.test_client(), person)
    with app.test_request_context():
        from app.extensions import db
        user = db.session.get(User, person.id)
        user.set_password("another-password-1")
        db.session.commit()
    assert client.get("/workspace").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/tickets?state=open", "/tickets?state=open"),
    ("https://evil.example/", "/workspace"),
    ("//evil.example/", "/workspace"),
    ("/\\evil.example", "/workspace"),
    ("javascript:alert(1)", "/workspace"),
])
def test_next_only_follows_local_paths(app, factory, target, expected):
    person = factory.user(Role.SECRETARY)
    response = app.test_client().post("/login", query_string={"next": target},
                                      data={"username": person.username, "password": PASSWORD})
    assert response.status_code == 302 and response.location == expected


def test_language_switch_to_english_and_back(app):
    client = app.test_client()
    assert "提交诉求" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "Submit a request" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "zh"})
    assert "提交诉求" in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(app):
    response = app.test_client().post("/language", data={"lang": "en", "next": "https://evil.example"})
    assert response.location == "/"


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT="3 per minute", TRACK_RATE_LIMIT="3 per minute")
def test_public_forms_are_rate_limited_with_a_chinese_message(app, factory):
    client = app.test_client()
    tracks = [client.post("/track", data={"number": "JJ-2026-000001", "code": "X" * 28}).status_code
              for _ in range(4)]
    assert tracks == [200, 200, 200, 429]
    submits = [client.post("/submit", data={}).status_code for _ in range(4)]
    assert submits == [400, 400, 400, 429]
    page = client.post("/submit", data={})
    assert "操作过于频繁" in page.get_data(as_text=True) and "Traceback" not in page.get_data(as_text=True)


def test_admin_disables_an_account_through_the_ui(app, factory, login):
    admin, secretary = factory.user(Role.ADMIN), factory.user(Role.SECRETARY)
    victim = login(app.test_client(), secretary)
    admin_client = login(app.test_client(), admin)
    page = admin_client.get(f"/admin/users/{secretary.id}").get_data(as_text=True)
    assert secretary.username in page
    response = admin_client.post(f"/admin/users/{secretary.id}", data={
        "username": secretary.username, "display_name": "已离职", "role": "secretary", "department_id": ""})
    assert response.status_code == 303
    assert victim.get("/workspace").status_code == 302
    assert "停用" in admin_client.get("/admin/users").get_data(as_text=True)


def test_admin_cannot_lock_themselves_out(app, factory, login):
    admin = factory.user(Role.ADMIN)
    client = login(app.test_client(), admin)
    response = client.post(f"/admin/users/{admin.id}", data={
        "username": admin.username, "display_name": "管理员", "role": "secretary", "active": "y"})
    assert response.status_code == 400 and "不能停用自己的账号" in response.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 200


def test_admin_renames_and_deactivates_a_department(app, factory, login):
    dept = factory.department("规划局")
    client = login(app.test_client(), factory.user(Role.ADMIN))
    client.post(f"/admin/departments/{dept}", data={"name": "规划自然资源局"})
    html = client.get("/admin/departments").get_data(as_text=True)
    assert "规划自然资源局" in html and "停用" in html
    duplicate = client.post("/admin/departments", data={"name": "规划自然资源局", "active": "y"})
    assert duplicate.status_code == 400 and "已存在" in duplicate.get_data(as_text=True)
