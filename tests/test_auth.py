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
