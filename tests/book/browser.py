"""A real browser for the built-site tests: headless Chromium driven over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe`` (commands on file descriptor 3, replies on
4, each message JSON ending in a NUL byte), so no network port and no extra package are needed.
A :class:`Browser` opens one page with a given viewport (a phone by default: 390 × 844 CSS px,
touch), evaluates JavaScript, and taps or clicks elements at their on-screen position as a
reader's finger or mouse would (``Input.dispatchTouchEvent`` / ``Input.dispatchMouseEvent``),
so a handler bound to the wrong element is caught.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


def chromium() -> str | None:
    """Path of the Chromium binary, or None when the machine has none."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium process and its DevTools pipe. Several :class:`Browser` pages may
    use it one after another (a test module's pages share one process: starting Chromium costs
    about a second of CPU); each page lives in its own browser context (no shared cookies,
    storage or history). Use as a context manager."""

    def __init__(self, timeout: float = 30.0):
        binary = chromium()
        if binary is None:
            raise BrowserError("no Chromium on this machine (make sysdeps installs it)")
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="cityclusters-browser-")
        to_child_read, self._to_child = os.pipe()
        self._from_child, from_child_write = os.pipe()

        def _descriptors():  # the child reads commands on fd 3 and writes replies on fd 4
            os.dup2(to_child_read, 3)
            os.dup2(from_child_write, 4)

        self._process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", f"--user-data-dir={self._profile}",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_descriptors, pass_fds=(3, 4))
        os.close(to_child_read)
        os.close(from_child_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str | None) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(index)
            self.events.append(self._read_message(deadline))

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except BrowserError:
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Browser:
    """One headless Chromium page with ``viewport``, in a fresh browser context of ``process``
    (a :class:`Chromium`), or of a Chromium of its own when none is given. Use as a context
    manager."""

    def __init__(self, viewport: dict = PHONE, timeout: float = 30.0, process: Chromium | None = None):
        self._own = process is None
        self.process = Chromium(timeout) if process is None else process
        self.timeout = self.process.timeout
        self.session = None
        self._context = self.process.send("Target.createBrowserContext")["browserContextId"]
        self._target = self.process.send("Target.createTarget", url="about:blank",
                                         browserContextId=self._context)["targetId"]
        self.session = self.process.send("Target.attachToTarget", targetId=self._target,
                                         flatten=True)["sessionId"]
        for domain in ("Page", "Runtime"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", **viewport)
        if viewport.get("mobile"):
            self.send("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)

    # -- protocol ---------------------------------------------------------------------------
    def send(self, method: str, **params):
        """A command to this page (``Target.*`` and ``Browser.*`` go to the browser)."""
        browser_wide = method.startswith(("Target.", "Browser."))
        return self.process.send(method, None if browser_wide else self.session, **params)

    def _wait_event(self, method: str) -> dict:
        return self.process.wait_event(method, self.session)

    # -- what a reader does -----------------------------------------------------------------
    def open(self, url: str, settle: float = 0.5) -> None:
        """Load ``url`` and wait for its load event (and ``settle`` seconds for scripts)."""
        self.process.events = [e for e in self.process.events if e.get("sessionId") != self.session]
        self.send("Page.navigate", url=url)
        self._wait_event("Page.loadEventFired")
        time.sleep(settle)

    def evaluate(self, expression: str):
        """Value of a JavaScript expression in the page (promises awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10.0):
        """Poll ``expression`` until it is truthy; return its value (raise on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise BrowserError(f"timed out waiting for {expression}")

    def _centre(self, selector: str) -> tuple[float, float]:
        box = self.evaluate(
            "(() => { const all = [...document.querySelectorAll(%s)].filter(e => {"
            " const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&"
            " getComputedStyle(e).visibility !== 'hidden'; });"
            " if (!all.length) return null; all[0].scrollIntoView({block: 'center'});"
            " const r = all[0].getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
            % json.dumps(selector))
        if not box:
            raise BrowserError(f"no visible element matches {selector!r}")
        return box[0], box[1]

    def tap(self, selector: str, settle: float = 0.4) -> None:
        """Touch the first *visible* element matching ``selector`` at its centre."""
        x, y = self._centre(selector)
        point = [{"x": x, "y": y}]
        self.send("Input.dispatchTouchEvent", type="touchStart", touchPoints=point)
        self.send("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])
        time.sleep(settle)

    def click(self, selector: str, settle: float = 0.4) -> None:
        """Mouse click on the first *visible* element matching ``selector``."""
        x, y = self._centre(selector)
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        time.sleep(settle)

    # -- lifetime ---------------------------------------------------------------------------
    def close(self) -> None:
        if self._own:
            self.process.close()
            return
        try:
            self.send("Target.closeTarget", targetId=self._target)
            self.send("Target.disposeBrowserContext", browserContextId=self._context)
        except BrowserError:
            pass
        self.process.events.clear()

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
