"""Fetch a file shared in Slack: `files.info`, then its `url_private_download` with the bot token.

Slack serves a private file only to `Authorization: Bearer <token>` with files:read; anyone
else gets 200 and an HTML sign-in page, so an HTML answer where data was expected is named as
such rather than handed to the scanner. The token goes only to Slack's own hosts (and the host
of `SLACK_API_URL`, where a proxy or a test server stands in for Slack). Every way it can fail
is one `FileProblem` whose message says why in a few words, for the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.evidence.shared import MAX_BYTES, SharedFile
from bot.infrastructure.slack_client import slack_error_code

DOWNLOAD_TIMEOUT_SECONDS = 30
CHUNK_BYTES = 256 * 1024
SLACK_DOMAINS = ("slack.com", "slack-edge.com", "slack-files.com")
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")
_INFO_PROBLEMS = {
    "file_not_found": "Slack has no such file (file_not_found); it may have been deleted",
    "file_deleted": "the file was deleted (file_deleted)",
    "missing_scope": "the bot lacks the files:read scope (missing_scope); reinstall the app",
    "not_in_channel": "the bot cannot see that file's channel (not_in_channel)",
}


class FileProblem(Exception):
    """Why a shared file could not be read, in words for its thread (no file name)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FetchedFile:
    """A shared file's name (as Slack knows it) and its bytes."""

    id: str
    name: str
    data: bytes


def megabytes(size: int) -> str:
    """``14.2 MB``."""
    return f"{size / (1024 * 1024):.1f} MB"


TOO_BIG = "it is {size}; the limit is 10 MB"


async def fetch_shared_file(
    client: AsyncWebClient, shared: SharedFile, *, max_bytes: int = MAX_BYTES
) -> FetchedFile:
    """The file's name and bytes; `FileProblem` when Slack refuses, the file is too big, the
    link is not Slack's, or Slack answers a sign-in page instead of the file."""
    info = await _file_info(client, shared.id)
    name = str(info.get("name") or shared.name or shared.id)
    size = info.get("size")
    if isinstance(size, int) and size > max_bytes:
        raise FileProblem(TOO_BIG.format(size=megabytes(size)))
    url = info.get("url_private_download") or info.get("url_private")
    if not isinstance(url, str) or not url:
        raise FileProblem("Slack gave no download link for it (is it an external file?)")
    if not is_slack_link(url, client.base_url):
        raise FileProblem("its download link is not on Slack, so the bot token was not sent")
    data = await _download(url, str(client.token or ""), max_bytes)
    return FetchedFile(id=shared.id, name=name, data=data)


async def _file_info(client: AsyncWebClient, file_id: str) -> dict[str, object]:
    try:
        response = await client.files_info(file=file_id)
    except SlackApiError as error:
        code = slack_error_code(error)
        raise FileProblem(_INFO_PROBLEMS.get(code, f"Slack refused files.info ({code})")) from None
    file = response.get("file")
    if not isinstance(file, dict):
        raise FileProblem("Slack's files.info answer had no file in it")
    return file


def is_slack_link(url: str, api_url: str) -> bool:
    """Whether the link is on Slack (https) or on the host the Web API calls go to."""
    parts, api = urlsplit(url), urlsplit(api_url)
    host = (parts.hostname or "").lower()
    if (parts.scheme, parts.netloc) == (api.scheme, api.netloc):
        return True
    on_slack = any(host == domain or host.endswith("." + domain) for domain in SLACK_DOMAINS)
    return parts.scheme == "https" and on_slack


async def _download(url: str, token: str, max_bytes: int) -> bytes:
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_SECONDS)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url, headers=headers) as response,
        ):
            if response.status != 200:
                raise FileProblem(f"the download failed (HTTP {response.status})")
            data = await _read_capped(response, max_bytes)
            content_type = response.headers.get("Content-Type", "")
    except (aiohttp.ClientError, TimeoutError) as failure:
        raise FileProblem(f"the download failed ({type(failure).__name__})") from None
    if looks_like_html(data, content_type):
        raise FileProblem(
            "Slack answered with a sign-in page instead of the file (does the bot token have "
            "files:read?)"
        )
    return data


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise FileProblem(f"it is larger than {megabytes(max_bytes)}; the limit is 10 MB")
        chunks.append(chunk)
    return b"".join(chunks)


def looks_like_html(data: bytes, content_type: str = "") -> bool:
    """Whether an answer is a web page (Slack's sign-in page) rather than a file's bytes."""
    if content_type.split(";")[0].strip().lower() == "text/html":
        return True
    start = data[:512].lstrip().lower()
    return start.startswith(_HTML_STARTS)
