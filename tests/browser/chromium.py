"""Drive headless Chromium over the DevTools protocol on a pipe, with no network.

``--remote-debugging-pipe`` makes Chromium read NUL-terminated JSON commands on
file descriptor 3 and write replies and events on descriptor 4, so no WebSocket
client library is needed. Every request the page makes is recorded
(``Network.requestWillBeSent``); the network is cut three ways (a host resolver
that resolves nothing, a dead proxy, and DevTools' offline emulation), so a map
that needed the network would show it as failed requests and a blank page.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
# Where browser tests leave their screenshots for a person to look at.
ARTIFACTS = Path(
    os.environ.get("RISKMAP_ARTIFACTS", Path(tempfile.gettempdir()) / "riskmap-browser")
)
LOCAL_SCHEMES = ("data:", "blob:", "about:")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    explicit = os.environ.get("RISKMAP_CHROMIUM")
    if explicit and Path(explicit).exists():
        return explicit
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (apt-get install chromium, or set RISKMAP_CHROMIUM)",
)
# Screenshots saved for a human to look at.
ARTIFACTS = Path(
    os.environ.get("RISKMAP_ARTIFACTS", Path(tempfile.gettempdir()) / "riskmap-browser")
)


class BrowserError(RuntimeError):
    """Chromium failed, or a DevTools command returned an error."""


class Chromium:
    """One headless Chromium with one page, controlled over the DevTools pipe."""

    def __init__(self, executable: str, width: int = 1280, height: int = 860):
        self._profile = tempfile.mkdtemp(prefix="riskmap-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        self._proc = subprocess.Popen(
            [executable, *_flags(self._profile, width, height), "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=lambda: _install_pipe(to_chrome_r, from_chrome_w),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = self._attach_page()

    # -- protocol -------------------------------------------------------------
    def send(self, method: str, params: dict | None = None, timeout: float = 30):
        """Send one command to the page and return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        reply = self._read_until(lambda m: m.get("id") == self._next_id, timeout)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, timeout: float = 30) -> dict[str, Any]:
        """Wait for the next event *method* (events seen earlier count too)."""
        for event in self.events:
            if event.get("method") == method and not event.get("_taken"):
                event["_taken"] = True
                return event
        event = self._read_until(lambda m: m.get("method") == method, timeout)
        event["_taken"] = True
        return event

    def _read_until(self, match: Callable[[dict], bool], timeout: float) -> dict:
        """Read messages, keeping events, until one matches."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                    self._on_event(message)
                if match(message):
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("timed out waiting for Chromium")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed the DevTools pipe")
                self._buffer += chunk

    def _on_event(self, event: dict) -> None:
        """Dismiss dialogs at once so that they cannot block the page; a
        "leave this page?" (beforeunload) question is answered yes, so a test can
        reload after checking that it was asked."""
        if event["method"] == "Page.javascriptDialogOpening":
            self._next_id += 1
            leave = event["params"].get("type") == "beforeunload"
            message = {
                "id": self._next_id,
                "method": "Page.handleJavaScriptDialog",
                "params": {"accept": leave},
                "sessionId": self.session,
            }
            os.write(self._to_chrome, json.dumps(message).encode() + b"\0")

    def _attach_page(self) -> str:
        """Attach to the first page target and enable the domains we watch."""
        self.session = ""
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send(
            "Network.emulateNetworkConditions",
            {
                "offline": True,
                "latency": 0,
                "downloadThroughput": -1,
                "uploadThroughput": -1,
            },
        )
        return self.session

    # -- page helpers ---------------------------------------------------------
    def open(self, path: Path, ready: str = "window.RM_READY === true") -> float:
        """Load *path* and wait until *ready* is true; return the seconds it took."""
        start = time.perf_counter()
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_event("Page.loadEventFired", timeout=60)
        deadline = time.monotonic() + 30
        while not self.evaluate(ready):
            if time.monotonic() > deadline:
                raise BrowserError(f"page never became ready: {ready}")
            time.sleep(0.02)
        return time.perf_counter() - start

    def evaluate(self, expression: str) -> Any:
        """Evaluate a JavaScript expression in the page and return its value."""
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, x: float, y: float) -> None:
        """Move the mouse to page pixel (x, y) and click there."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
            if kind == "mouseMoved":
                params = {"type": kind, "x": x, "y": y}
            self.send("Input.dispatchMouseEvent", params)

    def emulate_phone(self, width: int = 390, height: int = 844) -> None:
        """A touch phone screen: *width* x *height* CSS pixels, 3x density."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 3, "mobile": True},
        )
        self.send("Emulation.setTouchEmulationEnabled", {"enabled": True})

    def set_position(self, lat: float, lon: float, accuracy: float) -> None:
        """Allow Geolocation and report this position (WGS84) to the page."""
        self.send(
            "Browser.grantPermissions", {"permissions": ["geolocation"]}, timeout=10
        )
        self.send(
            "Emulation.setGeolocationOverride",
            {"latitude": lat, "longitude": lon, "accuracy": accuracy},
        )

    def set_files(self, selector: str, paths: list[Path]) -> None:
        """Choose *paths* in the file input matching *selector*."""
        root = self.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = self.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        self.send(
            "DOM.setFileInputFiles",
            {
                "nodeId": node["nodeId"],
                "files": [str(Path(p).resolve()) for p in paths],
            },
        )

    def allow_downloads(self, folder: Path) -> None:
        """Save the page's downloads into *folder*."""
        self.send(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(Path(folder).resolve())},
        )

    def tap(self, x: float, y: float) -> None:
        """A touch tap at page pixel (x, y)."""
        point = [{"x": x, "y": y}]
        self.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point}
        )
        self.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def screenshot(self, path: Path) -> Path:
        """Save a PNG screenshot of the page."""
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def requests(self) -> list[str]:
        """URLs of every request the page made."""
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def external_requests(self, page: Path) -> list[str]:
        """Requests for anything other than *page* itself and inline data."""
        own = Path(page).resolve().as_uri()
        return [
            url
            for url in self.requests()
            if url != own and not url.startswith(LOCAL_SCHEMES)
        ]

    def dialogs(self, kind: str | None = None) -> list[str]:
        """Messages of JavaScript dialogs (alert/confirm/prompt/beforeunload) that
        opened; only those of type *kind* when given."""
        return [
            e["params"].get("message", "")
            for e in self.events
            if e["method"] == "Page.javascriptDialogOpening"
            and kind in (None, e["params"].get("type"))
        ]

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads."""
        out = []
        for e in self.events:
            params = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(params["exceptionDetails"])[:500])
            elif e["method"] == "Runtime.consoleAPICalled" and params["type"] in (
                "error",
                "assert",
            ):
                out.append(json.dumps(params["args"])[:500])
            elif (
                e["method"] == "Log.entryAdded" and params["entry"]["level"] == "error"
            ):
                out.append(params["entry"].get("text", ""))
            elif e["method"] == "Network.loadingFailed":
                out.append(f"load failed: {params.get('errorText')}")
        return out

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _install_pipe(read_fd: int, write_fd: int) -> None:
    """In the child: put the command pipe on fd 3 and the reply pipe on fd 4."""
    high_read = fcntl.fcntl(read_fd, fcntl.F_DUPFD, 10)
    high_write = fcntl.fcntl(write_fd, fcntl.F_DUPFD, 10)
    os.dup2(high_read, 3)
    os.dup2(high_write, 4)


def _flags(profile: str, width: int, height: int) -> list[str]:
    """Command-line flags for an isolated, network-less headless Chromium."""
    return [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--remote-debugging-pipe",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--disable-features=Translate,OptimizationHints,MediaRouter",
        "--metrics-recording-only",
        "--mute-audio",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
    ]
