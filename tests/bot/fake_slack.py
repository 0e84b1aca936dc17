"""A fake Slack Web API on 127.0.0.1: records every call, answers like Slack, fails on demand.

It also speaks just enough Socket Mode for the bot to connect: `apps.connections.open` hands
out a websocket URL on the same server, whose socket says `hello`; `drop_sockets()` closes
every socket and refuses new ones (Slack gone), and `hang(method)` leaves calls unanswered.

Files, as Slack serves them: `host_file(name, data)` puts a file in the workspace; `files.info`
answers its object (or `file_not_found`), whose `url_private` and `url_private_download` point
at this server and give the bytes only to `Authorization: Bearer <the bot token>` — without
it they answer 200 with an HTML sign-in page, as Slack does. Uploads take Slack's three steps:
`files.getUploadURLExternal` hands out an upload URL here and a file id, the POST to it stores
the bytes, `files.completeUploadExternal` shares them; `uploads` holds every completed one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import WSMsgType, web

Failure = Literal[
    "ratelimited",
    "not_in_channel",
    "channel_not_found",
    "http_500",
    "text_405",
    "garbled_json",
    "invalid_auth",
    "not_allowed_token_type",
    "file_not_found",
    "invalid_arguments",
]
"""What a scripted call answers. `text_405` is the plain-text page a web server gives a wrong
HTTP method; `garbled_json` is an HTML page labelled as JSON. Neither is a JSON object."""

TEXT_405 = "405: Method Not Allowed"
GARBLED_JSON = "<html><body><h1>Bad gateway</h1></body></html>"

BOT_USER_ID = "UBOT0001"
TEAM_ID = "T0001"
BOT_TOKEN = "xoxb-test-token"
SIGN_IN_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Slack</title></head>'
    '<body><h1>Sign in to Fake Team</h1><form action="/signin"></form></body></html>'
)
"""What Slack answers for a private file URL fetched without the bot token: 200 and a page."""
MIMETYPES = {
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".csv": "text/csv",
    ".json": "application/json",
    ".parquet": "application/octet-stream",
    ".png": "image/png",
}


@dataclass
class HostedFile:
    """A file in the fake workspace: its bytes and what files.info says of it."""

    id: str
    name: str
    data: bytes
    user: str
    size: int

    def download_path(self) -> str:
        return f"/files-pri/{TEAM_ID}-{self.id}/download/{self.name}"

    def view_path(self) -> str:
        return f"/files-pri/{TEAM_ID}-{self.id}/{self.name}"


@dataclass
class Upload:
    """One file uploaded by the bot: the bytes posted, the step-1 and step-3 parameters."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass(frozen=True)
class Call:
    """One request the fake received: the API method (or respond path), its params and headers."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int
    answer: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def succeeded(self) -> bool:
        """Whether the fake answered this call with success."""
        return self.status == 200 and self.params.get("_failed") is None


@dataclass
class _Script:
    failure: Failure
    remaining: int
    retry_after: int


class FakeSlack:
    """The fake server; start it, point the client at `api_url`, read `calls` afterwards."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._scripts: dict[str, deque[_Script]] = {}
        self._delays: dict[str, float] = {}
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._changed = asyncio.Event()
        self._hanging: set[str] = set()
        self._released = asyncio.Event()
        self._sockets: set[web.WebSocketResponse] = set()
        self._refusing_sockets = False
        self.socket_connections = 0
        self.files: dict[str, HostedFile] = {}
        self._file_ids = itertools.count(1)
        self._pending_uploads: dict[str, Upload] = {}
        self.uploads: list[Upload] = []
        """Every upload the bot completed, in the order files.completeUploadExternal shared them."""

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk sends users.info as GET
        app.router.add_post("/respond/{hook}", self._respond)
        app.router.add_get("/_counts", self._counts)
        app.router.add_get("/link", self._link)
        app.router.add_get("/files-pri/{file}/download/{name}", self._download)
        app.router.add_get("/files-pri/{file}/{name}", self._download)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close the server (calls left hanging are answered first, so it closes at once)."""
        self._released.set()
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def port(self) -> int:
        """The port the fake listens on."""
        return self._port

    @property
    def api_url(self) -> str:
        """The Web API base URL to give the client (SLACK_API_URL)."""
        return f"http://127.0.0.1:{self._port}/api/"

    def response_url(self, hook: str = "hook") -> str:
        """A response_url that lands on this fake."""
        return f"http://127.0.0.1:{self._port}/respond/{hook}"

    def fail(self, method: str, failure: Failure, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with `failure`."""
        self._scripts.setdefault(method, deque()).append(_Script(failure, times, retry_after))

    def hang(self, method: str) -> None:
        """Record every later call of `method` as it arrives (status 0) and never answer it."""
        self._hanging.add(method)

    def release(self) -> None:
        """Stop hanging: answer the calls left hanging with an error, and every later one."""
        self._hanging.clear()
        self._released.set()

    @property
    def open_sockets(self) -> int:
        """How many Socket Mode websockets are open now."""
        return len(self._sockets)

    async def drop_sockets(self) -> None:
        """Close every Socket Mode websocket and refuse new ones, as if Slack were gone."""
        self._refusing_sockets = True
        for socket in list(self._sockets):
            await socket.close()

    def slow(self, method: str, seconds: float) -> None:
        """Answer every later call of `method` only after `seconds` (it is recorded then)."""
        self._delays[method] = seconds

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of one method, in arrival order."""
        return [call for call in self.calls if call.method == method]

    def successful(self, method: str) -> list[Call]:
        """The calls of one method that the fake answered with success."""
        return [call for call in self.calls_to(method) if call.succeeded]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called at least `count` times; fail the test otherwise."""
        deadline = time.monotonic() + timeout
        while len(self.calls_to(method)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [call.method for call in self.calls]
                raise AssertionError(f"expected {count} call(s) of {method}; saw {seen}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.05))
        return self.calls_to(method)

    async def settle(self, quiet: float = 0.2) -> None:
        """Wait until no call has arrived for `quiet` seconds (to prove nothing more is sent)."""
        count = -1
        while count != len(self.calls):
            count = len(self.calls)
            await asyncio.sleep(quiet)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        if method in self._hanging:
            self._record(Call(method, params, dict(request.headers), 0))
            await self._released.wait()
            return web.json_response({"ok": False, "error": "fake_slack_stopped"})
        await asyncio.sleep(self._delays.get(method, 0.0))
        script = self._next_failure(method)
        status, body, headers = self._answer(method, params, script)
        self._record(Call(method, params, dict(request.headers), status, body))
        if script is not None and script.failure in _NOT_JSON:
            content_type, text = _NOT_JSON[script.failure]
            return web.Response(status=status, text=text, content_type=content_type)
        return web.json_response(body, status=status, headers=headers)

    def host_file(
        self, name: str, data: bytes, *, user: str = "U0AUTHOR", size: int | None = None
    ) -> dict[str, Any]:
        """Put a file in the workspace; its Slack file object (as a file_input or event has it).

        `size` is what files.info reports (by default the real size)."""
        file_id = f"F{next(self._file_ids):010d}"
        hosted = HostedFile(file_id, name, data, user, len(data) if size is None else size)
        self.files[file_id] = hosted
        return self.file_object(hosted)

    def file_object(self, hosted: HostedFile) -> dict[str, Any]:
        """The file object Slack gives for a hosted file."""
        base = f"http://127.0.0.1:{self._port}"
        suffix = "." + hosted.name.rsplit(".", 1)[-1].lower() if "." in hosted.name else ""
        return {
            "id": hosted.id,
            "created": 1700000000,
            "timestamp": 1700000000,
            "name": hosted.name,
            "title": hosted.name,
            "mimetype": MIMETYPES.get(suffix, "application/octet-stream"),
            "filetype": suffix.removeprefix(".") or "binary",
            "user": hosted.user,
            "size": hosted.size,
            "mode": "hosted",
            "is_external": False,
            "url_private": base + hosted.view_path(),
            "url_private_download": base + hosted.download_path(),
            "permalink": f"https://fake.slack.test/files/{hosted.user}/{hosted.id}/{hosted.name}",
        }

    def downloads(self) -> list[Call]:
        """Every fetch of a private file URL, with its headers (status 200 both ways)."""
        return [call for call in self.calls if call.method == "files-pri"]

    async def _download(self, request: web.Request) -> web.Response:
        """A private file URL: the bytes for the bot token, a sign-in page for anyone else."""
        file_part = request.match_info["file"]
        hosted = self.files.get(file_part.removeprefix(f"{TEAM_ID}-"))
        authorised = request.headers.get("Authorization") == f"Bearer {BOT_TOKEN}"
        params = {"path": request.path, "authorised": authorised}
        self._record(Call("files-pri", params, dict(request.headers), 200))
        if not authorised:
            return web.Response(text=SIGN_IN_PAGE, content_type="text/html")
        if hosted is None:
            return web.Response(status=404, text="Not Found")
        suffix = "." + hosted.name.rsplit(".", 1)[-1].lower()
        content_type = MIMETYPES.get(suffix, "application/octet-stream")
        return web.Response(body=hosted.data, content_type=content_type)

    async def _upload(self, request: web.Request) -> web.Response:
        """Step 2 of an upload: the bytes, posted to the URL step 1 handed out."""
        upload = self._pending_uploads.get(request.match_info["file_id"])
        data = await request.read()
        self._record(Call("upload", {"file_id": request.match_info["file_id"]}, {}, 200))
        if upload is None:
            return web.Response(status=404, text="upload url expired")
        upload.data = data
        return web.Response(text=f"OK - {len(data)}")

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._file_ids):010d}"
        self._pending_uploads[file_id] = Upload(
            file_id=file_id,
            filename=str(params.get("filename", "")),
            length=int(params.get("length") or 0),
            alt_txt=params.get("alt_txt"),
        )
        return {
            "ok": True,
            "upload_url": f"http://127.0.0.1:{self._port}/upload/v1/{file_id}",
            "file_id": file_id,
        }

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        shared = []
        for item in _as_json(params.get("files")) or []:
            upload = self._pending_uploads.pop(str(item.get("id")), None)
            if upload is None or upload.data is None:
                return {"ok": False, "error": "file_upload_not_found"}
            upload.title = item.get("title")
            upload.channel = params.get("channel_id")
            upload.thread_ts = params.get("thread_ts")
            upload.completed = True
            self.uploads.append(upload)
            shared.append({"id": upload.file_id, "title": upload.title, "name": upload.filename})
        return {"ok": True, "files": shared}

    def _files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        hosted = self.files.get(str(params.get("file", "")))
        if hosted is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": self.file_object(hosted), "comments": []}

    async def _respond(self, request: web.Request) -> web.Response:
        params = await _read_params(request)
        self._record(
            Call(f"respond/{request.match_info['hook']}", params, dict(request.headers), 200)
        )
        return web.Response(text="ok")

    async def _link(self, request: web.Request) -> web.StreamResponse:
        """A Socket Mode websocket: `hello`, then read until the bot or the fake closes it."""
        if self._refusing_sockets:
            return web.Response(status=503, text="Socket Mode is unavailable")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.add(socket)
        self.socket_connections += 1
        self._changed.set()
        try:
            await socket.send_json({"type": "hello", "num_connections": 1})
            async for message in socket:
                if message.type in {WSMsgType.CLOSE, WSMsgType.ERROR}:
                    break
        finally:
            self._sockets.discard(socket)
        return socket

    def _connections_open(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/link"}

    async def _counts(self, _request: web.Request) -> web.Response:
        """How many calls of each method arrived (for scripts in another process)."""
        counts: dict[str, int] = {}
        for call in self.calls:
            counts[call.method] = counts.get(call.method, 0) + 1
        return web.json_response(counts)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.set()

    def _next_failure(self, method: str) -> _Script | None:
        queue = self._scripts.get(method)
        if not queue:
            return None
        script = queue[0]
        script.remaining -= 1
        if script.remaining <= 0:
            queue.popleft()
        return script

    def _answer(
        self, method: str, params: dict[str, Any], script: _Script | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if script is not None:
            params["_failed"] = script.failure
            return _failure(script)
        return 200, self._success(method, params), {}

    def _success(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = _ANSWERS.get(method)
        return answer(self, params) if answer else {"ok": True}

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _view(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _as_json(params.get("view")) or {}
        number = next(self._views)
        view_id = params.get("view_id") or f"V{number:08d}"
        return {"ok": True, "view": {**view, "id": view_id, "hash": f"hash-{number}"}}

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel[:1] in {"U", "W"}:
            channel = "D" + channel[1:]
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "text": params.get("text", ""),
            "blocks": _as_json(params.get("blocks")) or [],
            "ts": ts,
        }
        return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _failure(script: _Script) -> tuple[int, dict[str, Any], dict[str, str]]:
    if script.failure == "ratelimited":
        headers = {"Retry-After": str(script.retry_after)}
        return 429, {"ok": False, "error": "ratelimited"}, headers
    if script.failure == "http_500":
        return 500, {"ok": False, "error": "internal_error"}, {}
    if script.failure == "text_405":
        return 405, {}, {}
    if script.failure == "garbled_json":
        return 200, {}, {}
    return 200, {"ok": False, "error": script.failure}, {}


_NOT_JSON: dict[str, tuple[str, str]] = {
    "text_405": ("text/plain", TEXT_405),
    "garbled_json": ("application/json", GARBLED_JSON),
}
"""The content type and body of each failure that is not a JSON object."""


def _auth_test(_fake: FakeSlack, _params: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://fake.slack.test/",
        "team": "Fake Team",
        "user": "finetune-check",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": "B0001",
        "is_enterprise_install": False,
    }


def _chat_update(_fake: FakeSlack, params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts"), "text": ""}


def _post_ephemeral(fake: FakeSlack, _params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "message_ts": fake._next_ts()}


def _conversations_open(_fake: FakeSlack, params: dict[str, Any]) -> dict[str, Any]:
    users = str(params.get("users", "U0")).split(",")[0]
    return {"ok": True, "channel": {"id": "D" + users[1:]}}


def _users_info(_fake: FakeSlack, params: dict[str, Any]) -> dict[str, Any]:
    """A regular member (not an admin or owner) of the fake workspace."""
    user_id = str(params.get("user", ""))
    return {
        "ok": True,
        "user": {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "is_bot": False,
            "is_admin": False,
            "is_owner": False,
        },
    }


_ANSWERS = {
    "auth.test": _auth_test,
    "apps.connections.open": FakeSlack._connections_open,
    "views.open": FakeSlack._view,
    "views.update": FakeSlack._view,
    "views.push": FakeSlack._view,
    "chat.postMessage": FakeSlack._post_message,
    "chat.update": _chat_update,
    "chat.postEphemeral": _post_ephemeral,
    "conversations.open": _conversations_open,
    "users.info": _users_info,
    "files.info": FakeSlack._files_info,
    "files.getUploadURLExternal": FakeSlack._upload_url,
    "files.completeUploadExternal": FakeSlack._complete_upload,
}


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        params.update(body if isinstance(body, dict) else {"_body": body})
    elif request.can_read_body:
        params.update({key: str(value) for key, value in (await request.post()).items()})
    return params


def _as_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
