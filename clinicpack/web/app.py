"""Every page of the front desk, in the order staff meet them: leaflets (home), print a pack,
day list, sign in. To add a page: one handler here, one entry in ``ROUTES`` and ``NAV``, one
template that extends ``base.html``.

Patient details arrive only in POST bodies and leave only in the response; nothing here
logs them, writes them to disk or puts them in a URL. Leaflet ids and layout names from a
request are looked up in the project (``Desk``), never used as paths.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartParser
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Scope

import clinicpack as cp

from . import history as desk_history
from . import views
from .desk import Desk, Unknown
from .security import MAX_BODY, MAX_UPLOAD, Guard, Sessions, session_cookie

HERE = Path(__file__).parent
FAILED_SIGNIN_SECONDS = 1.0  # a wrong password waits this long: slows guessing, holds up no one else
NAV = [("/", "Leaflets"), ("/pack", "Print a pack"), ("/day", "Day list"), ("/history", "History")]  # (path, label) in the header
templates = Jinja2Templates(directory=str(HERE / "templates"))
# an upload stays in memory (never spooled to a temporary file): the body is capped at MAX_BODY anyway
MultiPartParser.spool_max_size = MAX_BODY


def page(request: Request, name: str, context: dict, status: int = 200) -> Response:
    sessions: Sessions = request.app.state.sessions
    sid = request.state.sid
    base = {"nav": NAV if sessions.signed_in(sid) else [], "path": request.url.path, "csrf": sessions.csrf_token(sid),
            "signed_in": sessions.protected and sessions.signed_in(sid)}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def pdf_response(data: bytes, file_name: str) -> Response:
    """Inline, so the browser's own viewer opens it for printing (no-store is added by Guard)."""
    return Response(data, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{file_name}"'})


async def checked_form(request: Request, max_part_size: int = 64 * 1024) -> FormData:
    """The POSTed form, once its CSRF token matched this browser's session (403 otherwise)."""
    form = await request.form(max_files=1, max_fields=40, max_part_size=max_part_size)
    if not request.app.state.sessions.csrf_ok(request.state.sid, form.get("csrf")):
        raise HTTPException(403, "This form has expired or did not come from this front desk. Go back, reload the page and try again.")
    return form


# ---------------------------------------------------------------- leaflets (home)
async def home(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    context = await run_in_threadpool(views.leaflets_page, desk)
    return page(request, "leaflets.html", context)


async def leaflet_pdf(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    leaflet_id, layout = request.path_params["leaflet"], request.path_params["layout"]
    name = f"{leaflet_id}{'' if layout == 'default' else f'.{layout}'}.pdf"
    try:
        data = await run_in_threadpool(desk.leaflet_pdf, leaflet_id, layout, name)
    except Unknown as exc:
        raise HTTPException(404, f"This front desk has no {exc.what} by that name. Choose one from the Leaflets page.") from None
    except (cp.UserError, cp.UserErrors) as exc:
        return page(request, "broken.html", {"errors": views.reports(exc)}, 500)
    return pdf_response(data, name)


async def fonts_css(request: Request) -> Response:
    css = await run_in_threadpool(views.fonts_css, request.app.state.desk)
    return Response(css, media_type="text/css")


async def font_file(request: Request) -> Response:
    language, face = request.path_params["language"], request.path_params["face"]
    try:
        path = await run_in_threadpool(request.app.state.desk.font_file, language, face)
    except (Unknown, cp.UserError, cp.UserErrors):
        raise HTTPException(404, "There is no such font.") from None
    return FileResponse(path, media_type="font/ttf")


# ---------------------------------------------------------------- print a pack
async def pack_form(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    choice = {"leaflet": request.query_params.get("leaflet", ""), "layout": request.query_params.get("layout", "default")}
    context = await run_in_threadpool(views.pack_page, desk, choice, {}, {})
    return page(request, "pack.html", context)


async def pack_build(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    form = await checked_form(request)
    choice = {"leaflet": str(form.get("leaflet", "")), "layout": str(form.get("layout", "default"))}
    values = {f.key: str(form.get(f.key, "")) for f in cp.FIELDS}
    blank = form.get("action") == "blank"
    result = await run_in_threadpool(views.build_pack, desk, choice, values, blank)
    if isinstance(result, cp.Stamped):
        return pdf_response(result.pdf, result.file_name)
    context = await run_in_threadpool(views.pack_page, desk, choice, values if not blank else {}, result)
    return page(request, "pack.html", context, 400)


# ---------------------------------------------------------------- day list
async def day_form(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    choice = {"leaflet": request.query_params.get("leaflet", ""), "layout": request.query_params.get("layout", "default")}
    context = await run_in_threadpool(views.day_page, desk, choice, {}, None, b"")
    return page(request, "day.html", context)


async def day_check(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    form = await checked_form(request)
    choice = {"leaflet": str(form.get("leaflet", "")), "layout": str(form.get("layout", "default"))}
    try:
        data, name, problem = await read_upload(form.get("patients"))
    finally:
        await form.close()
    errors = {"patients": problem} if problem else {}
    context = await run_in_threadpool(views.day_page, desk, choice, errors, name, data)
    return page(request, "day.html", context, 400 if context["errors"] else 200)


async def read_upload(upload: object) -> tuple[bytes, str | None, str]:
    """(bytes, file name, problem): the day list in memory, or why it is not a CSV list."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return b"", None, "Choose the day's patient list: a .csv file (in Excel: File, Save As, CSV UTF-8)."
    if not upload.filename.lower().endswith(".csv"):
        return b"", None, "This is not a CSV file. In Excel use File, Save As, CSV UTF-8, and choose that file."
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return b"", None, f"The list is larger than {MAX_UPLOAD // (1024 * 1024)} MB; check that you chose the day's CSV file."
    if not data.strip():
        return b"", None, "This file is empty. Choose the day's list (a .csv file with a header row and one row per patient)."
    return data, Path(upload.filename).name[:80], ""


async def day_print(request: Request) -> Response:
    """Print all (no ``row``) or one row's pack, from the list the check page carried back
    in its form (the server keeps nothing between the two requests)."""
    desk: Desk = request.app.state.desk
    form = await checked_form(request, max_part_size=MAX_BODY)
    choice = {"leaflet": str(form.get("leaflet", "")), "layout": str(form.get("layout", "default"))}
    try:
        data = base64.b64decode(str(form.get("list", "")), validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "The day list did not come back whole. Upload the list again.") from None
    row = str(form.get("row", ""))
    result = await run_in_threadpool(views.print_day, desk, choice, data, int(row) if row.isdigit() else None)
    if isinstance(result, tuple):
        return pdf_response(*result)
    context = await run_in_threadpool(views.day_page, desk, choice, result, "list.csv", data)
    return page(request, "day.html", context, 400)


# ---------------------------------------------------------------- history and reprints
async def history_page(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    search = {"patient": request.query_params.get("patient", "")[:40], "leaflet": request.query_params.get("leaflet", "")[:80]}
    context = await run_in_threadpool(desk_history.history_page, desk, search)
    return page(request, "history.html", context, 200 if not context["errors"] else 400)


async def reprint_form(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    number = request.query_params.get("record", "")
    context = await run_in_threadpool(desk_history.reprint_page, desk, number, {}, {})
    if context is None:
        raise HTTPException(404, "There is no print record by that number. Choose one from the History page.")
    return page(request, "reprint.html", context)


async def reprint_build(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    form = await checked_form(request)
    number = str(form.get("record", ""))
    values = {f.key: str(form.get(f.key, "")) for f in cp.FIELDS}
    result = await run_in_threadpool(desk_history.reprint, desk, number, values)
    if isinstance(result, cp.Stamped):
        return pdf_response(result.pdf, result.file_name)
    context = await run_in_threadpool(desk_history.reprint_page, desk, number, values, result)
    if context is None:
        raise HTTPException(404, "There is no print record by that number. Choose one from the History page.")
    return page(request, "reprint.html", context, 400)


# ---------------------------------------------------------------- sign in / out
async def signin_form(request: Request) -> Response:
    if not request.app.state.sessions.protected:
        return RedirectResponse("/", status_code=303)
    return page(request, "signin.html", {"error": ""})


async def signin(request: Request) -> Response:
    sessions: Sessions = request.app.state.sessions
    form = await checked_form(request)
    if not sessions.protected:
        return RedirectResponse("/", status_code=303)
    if not sessions.password_ok(str(form.get("password", ""))):
        await asyncio.sleep(FAILED_SIGNIN_SECONDS)
        return page(request, "signin.html", {"error": "That password is not right. Try again (ask the clinic manager if you do not know it)."}, 400)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", session_cookie(sessions.sign_in()))  # a new id: no session fixation
    return response


async def signout(request: Request) -> Response:
    await checked_form(request)
    request.app.state.sessions.sign_out(request.state.sid)
    return RedirectResponse("/signin", status_code=303)


# ---------------------------------------------------------------- errors
TITLES = {400: "Something is missing", 403: "Not allowed", 404: "Page not found", 405: "Not allowed", 413: "File too large"}


async def error_page(scope: Scope, status: int, title: str, message: str) -> Response:
    request = Request(scope)
    return page(request, "error.html", {"title": title, "message": message}, status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else "There is no page at this address. Use the links above."
    return await error_page(request.scope, exc.status_code, TITLES.get(exc.status_code, "Something went wrong"), str(detail))


async def project_error(request: Request, exc: Exception) -> Response:
    """The leaflets, layout or brand have errors: list them (file:line) until they are fixed."""
    return page(request, "broken.html", {"errors": views.reports(exc)}, 500)


async def server_error(request: Request, exc: Exception) -> Response:
    """Never a traceback in the browser; the log gets the exception type only (its message
    could, in principle, hold a value someone typed)."""
    return await error_page(request.scope, 500, "Something went wrong",
                            "The front desk could not finish this. Nothing was printed. Try again; if it happens again, tell the clinic's IT contact.")


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/leaflets/{leaflet}/{layout}.pdf", leaflet_pdf, methods=["GET"]),
    Route("/fonts.css", fonts_css, methods=["GET"]),
    Route("/fonts/{language}-{face}.ttf", font_file, methods=["GET"]),
    Route("/pack", pack_form, methods=["GET"]),
    Route("/pack", pack_build, methods=["POST"]),
    Route("/day", day_form, methods=["GET"]),
    Route("/day", day_check, methods=["POST"]),
    Route("/day/print", day_print, methods=["POST"]),
    Route("/history", history_page, methods=["GET"]),
    Route("/history/reprint", reprint_form, methods=["GET"]),
    Route("/history/reprint", reprint_build, methods=["POST"]),
    Route("/signin", signin_form, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
]


def create_app(root: Path, *, password: str | None = None, today: dt.date | None = None, warm: bool = True,
               db: Path | None = None) -> Starlette:
    """The front desk for one project folder. ``password`` None: no sign-in (loopback only,
    enforced by ``serve``). ``warm``: lay out every pack in a background thread at start-up.
    ``db``: the archive database (default as for the command line, clinicpack.archive)."""
    from .history import DeskArchive

    desk = Desk(root, today)
    desk.archive = DeskArchive.for_project(desk.root, db)
    sessions = Sessions(password)
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(Guard, sessions=sessions, error_page=error_page)],
        exception_handlers={HTTPException: http_error, cp.UserError: project_error, cp.UserErrors: project_error, Exception: server_error},
    )
    app.state.desk = desk
    app.state.sessions = sessions
    if warm:
        import threading

        threading.Thread(target=desk.warm, name="clinicpack-warm", daemon=True).start()
    return app
