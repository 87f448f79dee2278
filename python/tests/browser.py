"""A headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``), so tests can look at
pages as people see them: laid out, with fonts, at a window size. No driver or network; only the system's Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any


def chromium_path() -> str | None:
    """The system's Chromium, if any."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless browser process; ``evaluate(url, script)`` loads a page and returns the script's JSON value."""

    def __init__(self, executable: str, width: int = 800, height: int = 1000) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="paraplan-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def wire_pipes() -> None:
            # The protocol's pipe: the browser reads commands on fd 3 and writes replies on fd 4.
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self._process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--remote-debugging-pipe",
                f"--user-data-dir={self._profile.name}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes,
            pass_fds=(3, 4),
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.width, self.height = width, height

    def _send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("the browser closed its pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
        raise TimeoutError(method)

    def evaluate(self, path: Path, script: str, width: int | None = None, media: str = "screen") -> Any:
        """Opens ``path`` in a new tab of ``width`` pixels, laid out for ``media`` (``"screen"`` or ``"print"``), and
        returns what ``script`` (an expression) evaluates to."""
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            self._send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width or self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
                session,
            )
            self._send("Emulation.setEmulatedMedia", {"media": media}, session)
            self._send("Page.navigate", {"url": path.resolve().as_uri()}, session)
            for _ in range(200):
                state = self._send(
                    "Runtime.evaluate", {"expression": "document.readyState", "returnByValue": True}, session
                )["result"].get("value")
                if state == "complete":
                    break
                time.sleep(0.05)
            result = self._send("Runtime.evaluate", {"expression": script, "returnByValue": True}, session)
            if "exceptionDetails" in result:
                raise RuntimeError(f"script failed: {result['exceptionDetails']}")
            return result["result"].get("value")
        finally:
            self._send("Target.closeTarget", {"targetId": target})

    def close(self) -> None:
        try:
            self._send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._profile.cleanup()
