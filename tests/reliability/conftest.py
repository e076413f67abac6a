"""Real processes for the reliability suite: a migrated database and gunicorn with four workers on 127.0.0.1."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SECRET = "reliability-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_db(tmp_path):
    """A fresh database built by `flask db upgrade`: SQLite under tmp_path, or PostgreSQL from TEST_DATABASE_URL."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'live.db'}"
    if url.startswith("postgres"):
        from config import database_url
        engine = create_engine(database_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET, JJ_INSTANCE_DIR=str(tmp_path), FLASK_APP="wsgi")
    subprocess.run([PYTHON, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    return url, env


def app_for(url, **settings):
    """An application object on the live database, for setting up data and checking results."""
    from app import create_app
    from config import Config, database_url
    return create_app(Config, SQLALCHEMY_DATABASE_URI=database_url(url), SECRET_KEY=SECRET,
                      RATELIMIT_ENABLED=False, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", **settings)


@pytest.fixture
def gunicorn(live_db, tmp_path):
    """gunicorn, 4 sync workers, rate limits off (the load comes from one address), its log kept for checks."""
    url, env = live_db
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = dict(env, RATELIMIT_ENABLED="0", UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with open(log, "w") as out:
        proc = subprocess.Popen([PYTHON, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "--backlog", "2048",
                                 "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/submit", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("gunicorn did not start: " + log.read_text()[-2000:])
    yield {"base": base, "url": url, "env": env, "log": log}
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
