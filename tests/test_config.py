"""Configuration from the environment, and what a person sees when something breaks."""
import pytest

from core import config


def test_secret_key_is_required_outside_the_embedded_default(monkeypatch, tmp_path):
    monkeypatch.setenv("WASL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://wasl_app@db/wasl")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.from_environment()


def test_embedded_default_keeps_one_generated_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("WASL_INSTANCE_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    first = config.from_environment()
    second = config.from_environment()
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) > 40
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'wasl.sqlite'}"
    assert first["RATELIMIT_STORAGE_URI"] == "memory://"
    assert first["SESSION_COOKIE_SECURE"] is False


def test_production_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WASL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://wasl_app@db/wasl")
    monkeypatch.setenv("DATABASE_ADMIN_URL", "postgresql://owner@db/wasl")
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    settings = config.from_environment()
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://wasl_app@db/wasl"
    assert settings["DATABASE_ADMIN_URL"] == "postgresql+psycopg://owner@db/wasl"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["MAIL_BACKEND"] == "smtp"


def test_an_unexpected_error_shows_the_500_page_in_the_visitors_language(app, client, tenant_a, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "portal.home", broken)
    response = client.get("/alpha/")
    assert response.status_code == 500
    assert "حدث خطأ من جهتنا" in response.get_data(as_text=True)
    response = client.get("/alpha/?lang=en")
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "boom" not in response.get_data(as_text=True)


def test_wasl_db_commands_are_available(app):
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
