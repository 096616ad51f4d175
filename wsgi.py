"""Entry point for gunicorn and `flask --app wsgi`."""

import gc
import os

from werkzeug.middleware.proxy_fix import ProxyFix

from questionnaire import create_app

app = create_app()

# Behind a reverse proxy, trust its X-Forwarded-* headers (the number of proxies in front of us).
_proxies = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
if _proxies:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_proxies, x_proto=_proxies, x_host=_proxies)  # type: ignore[method-assign]

# What start-up created (modules, the app, its extensions) lives as long as the process: keep it out
# of the garbage collector's full passes, which otherwise walk it again and again under load.
gc.collect()
gc.freeze()
