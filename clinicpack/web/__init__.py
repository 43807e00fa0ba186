"""The front desk: a small local web app where reception staff print leaflets, a patient's
consent pack and a whole day's packs from the browser they already have.

Server-rendered HTML (Starlette + Jinja2, served by uvicorn); every asset is served by the
app itself (no CDN, no build step) and the main flow needs no JavaScript. It reaches the
builder only through the public API in ``clinicpack`` (``load``, ``pack_template``,
``render_leaflet``, ``patient_from_fields``, ``read_patients_bytes``), like any other client.

Layout of this package, so a new page is one route and one template:
``app.py`` (every route and the navigation), ``desk.py`` (warm project state and pack
templates), ``security.py`` (sessions, sign-in, CSRF, upload limit, response headers),
``serve.py`` (the ``serve`` command), ``templates/`` (one ``base.html``) and ``static/``.
"""

from .app import create_app

__all__ = ["create_app"]
