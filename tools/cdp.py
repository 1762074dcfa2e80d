"""A small headless Chromium driver over the DevTools protocol.

Enough to drive the demo like a person does (open a page, wait for an
element, click it, type) and to take screenshots. Needs `chromium` (or
`google-chrome`) and websocket-client.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

from live import free_port


def _browser_binary():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("No Chromium found: apt install chromium.")


class Page:
    def __init__(self, ws_url):
        import websocket

        # No Origin header, as Odoo's own ChromeBrowser: Chromium 111 and
        # newer refuse a DevTools connection from an origin it was not told.
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self._id = 0
        self.dialogs = []
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        wanted = self._id
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == "Page.javascriptDialogOpening":
                # A blocking alert/confirm would freeze every later call.
                self.dialogs.append(message["params"].get("message"))
                self._id += 1
                self.ws.send(
                    json.dumps(
                        {
                            "id": self._id,
                            "method": "Page.handleJavaScriptDialog",
                            "params": {"accept": True},
                        }
                    )
                )
                continue
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def goto(self, url):
        self.send("Page.navigate", url=url)
        self.wait("document.readyState === 'complete'", what=url)

    def wait(self, condition, timeout=60, what=None):
        # Background tabs do not render (no animation frames): the page a
        # person looks at is the one in front.
        self.send("Page.bringToFront")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.evaluate(f"!!({condition})"):
                    return
            except RuntimeError:
                pass  # the page is navigating
            time.sleep(0.2)
        raise TimeoutError(f"waited {timeout}s for {what or condition}")

    @staticmethod
    def _find(selector, text):
        text_js = json.dumps(text) if text else "null"
        return (
            f"[...document.querySelectorAll({json.dumps(selector)})].find("
            f"e => e.getClientRects().length > 0 && ({text_js} === null || "
            f"e.textContent.includes({text_js})))"
        )

    def wait_for(self, selector, text=None, timeout=60):
        self.wait(self._find(selector, text), timeout, what=f"{selector} {text or ''}")

    def click(self, selector, text=None, timeout=60):
        if os.environ.get("CDP_VERBOSE"):
            print(f"cdp: click {selector} {text or ''}", flush=True)
        self.wait_for(selector, text, timeout)
        self.evaluate(f"{self._find(selector, text)}.click()")

    def type(self, selector, value):
        self.wait_for(selector)
        self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" e.value = {json.dumps(value)};"
            " e.dispatchEvent(new Event('input', {bubbles: true}));"
            " e.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.ws.close()


class Browser:
    def __init__(self, width=1366, height=800):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="mpqr-chromium-")
        self.proc = subprocess.Popen(
            [
                _browser_binary(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-dev-shm-usage",
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # A loaded machine can take a while to start a browser.
        deadline = time.monotonic() + 120
        while True:
            try:
                self._json("/json/version")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _json(self, path, method="GET"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method=method
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def page(self):
        """A new tab."""
        target = self._json("/json/new?about:blank", method="PUT")
        return Page(target["webSocketDebuggerUrl"])

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
