"""One staff page of a database bench/http_pages.py filled, requested in-process by the tenant's bench user:
what bench/profile_page.py and bench/instructions.py measure."""
import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def logged_in_page(slug: str, path: str, database: str = "wasl_bench", post: str | None = None):
    """(app, hit): the app connected as `wasl_app` to `database`, and a function that requests
    /<slug><path> once (a POST of the form body `post`, with its CSRF token, when given) and checks it
    answered 200."""
    os.environ.update(DATABASE_URL=f"postgresql://wasl_app@127.0.0.1:5432/{database}",
                      DATABASE_ADMIN_URL=f"postgresql://postgres@127.0.0.1:5432/{database}",
                      SECRET_KEY=os.environ.get("SECRET_KEY", "bench-secret"), LOG_LEVEL="WARNING",
                      REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))
    from core.app import create_app
    from tests.helpers import csrf_token

    app = create_app({"SESSION_COOKIE_SECURE": False, "TRUSTED_HOSTS": None})
    client = app.test_client()
    client.post("/auth/login", data={"email": f"officer@{slug}.bench", "password": "bench-password-1",
                                     "csrf_token": csrf_token(client)})
    url = f"/{slug}{path}"
    data = None
    if post is not None:
        data = dict(parse_qsl(post))
        data["csrf_token"] = csrf_token(client, f"/{slug}/staff/search")

    def hit():
        response = client.open(url, method="POST" if data else "GET", data=data)
        assert response.status_code == 200, (url, response.status_code)

    return app, hit
