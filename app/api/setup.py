"""Wiring the API into the application: the OpenAPI generator (flask-smorest on apispec, OpenAPI 3.1), the
resource blueprints, the docs, and the request id."""
from flask_smorest import Api

from app.api import assessment, auth, docs, exchange, reference, schemas, tickets

DESCRIPTION = ("件件 JSON API。每个请求在 Authorization 头中携带管理员创建的令牌：`Bearer jj_…`。"
               "错误统一为 `{\"error\": {\"code\", \"message\"}, \"request_id\"}`。")


class JsonApi(Api):
    """flask-smorest's Api with the API's own error body, and without its application-wide error handlers: the
    staff pages keep their HTML errors, and each API blueprint answers JSON errors itself (app/api/errors.py)."""

    ERROR_SCHEMA = schemas.ErrorSchema

    def _register_error_handlers(self):
        pass


def init_app(app) -> None:
    """Register the API on the application."""
    app.config.setdefault("API_TITLE", "Jianjian API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", None)  # served by app/api/docs.py, under the app's CSP
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })
    api = JsonApi()
    api.init_app(app)
    for blueprint in (tickets.bp, reference.bp, assessment.bp, exchange.bp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    auth.install(app)
