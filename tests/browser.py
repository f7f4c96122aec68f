"""A page opened in headless Chromium (Debian's ``chromium`` package, which ``.ci/run``
installs), watched over the DevTools protocol: every network request the page makes, its
console errors and uncaught exceptions, what it renders."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websocket  # websocket-client


@dataclass
class PageVisit:
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    svgs: int = 0
    title: str = ""
    text: str = ""
    height: int = 0
    screenshot: bytes = b""


def chromium() -> str:
    from tests.programs import missing

    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing("chromium", "opening the report in a browser")
    return found


def visit(path: Path, timeout: float = 60.0) -> PageVisit:
    profile = Path(tempfile.mkdtemp(prefix="leadseg-chromium-"))
    browser = subprocess.Popen(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = _devtools_port(profile, timeout)
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        return _watch(page["webSocketDebuggerUrl"], path.resolve().as_uri(), timeout)
    finally:
        browser.terminate()
        browser.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_port(profile: Path, timeout: float) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        time.sleep(0.1)
    raise RuntimeError("Chromium did not start its DevTools endpoint")


def _watch(url: str, page_url: str, timeout: float) -> PageVisit:
    ws = websocket.create_connection(url, timeout=timeout, suppress_origin=True)
    seen = PageVisit()
    ids = iter(range(1, 1_000_000))

    def send(method: str, **params) -> dict:
        number = next(ids)
        ws.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == number:
                return message.get("result", {})
            record(message)

    def record(message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            seen.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            seen.errors.append(str(params.get("args")))
        elif method == "Runtime.exceptionThrown":
            seen.errors.append(str(params["exceptionDetails"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            seen.errors.append(params["entry"]["text"])

    try:
        for domain in ("Network", "Runtime", "Log", "Page"):
            send(f"{domain}.enable")
        send("Page.navigate", url=page_url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(ws.recv())
            record(message)
            if message.get("method") == "Page.loadEventFired":
                break
        time.sleep(0.5)  # late requests or errors, if any
        ws.settimeout(0.5)
        try:
            while True:
                record(json.loads(ws.recv()))
        except websocket.WebSocketTimeoutException:
            ws.settimeout(timeout)

        def evaluate(expression: str):
            return send("Runtime.evaluate", expression=expression, returnByValue=True)["result"][
                "value"
            ]

        seen.svgs = evaluate("document.querySelectorAll('svg').length")
        seen.title = evaluate("document.title")
        seen.text = evaluate("document.body.innerText")
        seen.height = evaluate("document.body.scrollHeight")
        import base64

        shot = send("Page.captureScreenshot", format="png")
        seen.screenshot = base64.b64decode(shot["data"])
    finally:
        ws.close()
    return seen
