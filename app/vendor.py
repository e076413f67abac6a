"""Serves htmx, Bootstrap and Swagger UI from their installed Python packages: no copies in the repo, no CDN."""
import os

import flask_swagger_ui
import js_lib_htmx
import xstatic.pkg.bootstrap as xbootstrap
from flask import Blueprint, abort, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

ROOTS = {
    "htmx": os.path.join(os.path.dirname(js_lib_htmx.__file__), "static", "htmx"),
    "bootstrap": xbootstrap.BASE_DIR,
    # Swagger UI 5 (it reads OpenAPI 3.1) for /api/v1/docs: only the files of the package's dist folder.
    "swagger-ui": os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist"),
}
FILES = {"htmx": {"htmx.min.js"}, "bootstrap": {"css/bootstrap.min.css", "js/bootstrap.bundle.min.js"},
         "swagger-ui": {"swagger-ui.css", "swagger-ui-bundle.js"}}


@bp.get("/<package>/<path:filename>")
def asset(package, filename):
    """One of the few vendored assets this app uses, with long caching."""
    if filename not in FILES.get(package, ()):
        abort(404)
    return send_from_directory(ROOTS[package], filename, max_age=7 * 24 * 3600)
