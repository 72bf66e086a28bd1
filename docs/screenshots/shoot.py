"""Photographs the web UI's pages through chromedriver's WebDriver API (standard library only).

Usage: shoot.py SERVER_URL ADMIN_TOKEN OUT_DIR EXPERIMENT_ID TRIAL_ID BEST_TRIAL_ID PIPELINE_ID
(take.sh starts the server and stores the data first). Each page at 1400 and 400 px wide, its whole
height up to 3000 px, as OUT_DIR/<page>-<width>.png.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

WIDTHS = (1400, 400)
MAX_HEIGHT = 3000


class Driver:
    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process = subprocess.Popen(
            ["/usr/bin/chromedriver", f"--port={self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        options = {"binary": "/usr/bin/chromium",
                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--hide-scrollbars", "--window-size=1400,900"]}
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = value["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def get(self, url):
        self.s("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def size(self, width, height):
        self.s("POST", "/window/rect", {"width": width, "height": height})

    def png(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))

    def quit(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.process.terminate()
            self.process.wait()


def shoot(driver, out, name, url, prepare=None, settle=1.5):
    driver.get(url)
    if prepare:
        driver.js(prepare)
    for width in WIDTHS:
        driver.size(width, 900)
        time.sleep(settle)  # charts draw after their data loads and redraw on resize
        height = min(MAX_HEIGHT, int(driver.js("return document.documentElement.scrollHeight;")))
        driver.size(width, max(height, 600))
        time.sleep(0.6)
        path = os.path.join(out, f"{name}-{width}.png")
        driver.png(path)
        print(f"shoot: {path} ({width}x{height})", file=sys.stderr)


def main():
    server, token, out, experiment, trial, best, pipeline = sys.argv[1:8]
    driver = Driver()
    try:
        shoot(driver, out, "login", f"{server}/login?next=%2Fmodels")
        driver.js("document.getElementById('token').value = arguments[0];"
                  " document.querySelector('form').submit();", token)
        time.sleep(1.5)
        if "/models" not in driver.s("GET", "/url"):
            raise SystemExit("login did not lead back to /models")
        shoot(driver, out, "experiments", f"{server}/")
        shoot(driver, out, "experiment", f"{server}/experiments/{experiment}",
              "document.querySelectorAll('input[name=trial]').forEach((b, i) => { b.checked = i < 2; });"
              " document.getElementById('edit-experiment')?.setAttribute('open', '');", settle=3)
        shoot(driver, out, "new-experiment", f"{server}/experiments/new")
        shoot(driver, out, "trial", f"{server}/trials/{best}",
              "document.getElementById('register')?.setAttribute('open', '');", settle=3)
        shoot(driver, out, "compare", f"{server}/compare?trial={trial}&trial={best}", settle=3)
        shoot(driver, out, "compare-bars", f"{server}/compare?trial={trial}&trial={best}",
              "const s = document.getElementById('curve-metric'); s.value = 'test_accuracy';"
              " s.dispatchEvent(new Event('change'));", settle=3)
        shoot(driver, out, "models", f"{server}/models",
              "document.querySelectorAll('details').forEach(d => d.open = true);")
        shoot(driver, out, "model-compare", f"{server}/models/digits/compare?version=1&version=2")
        shoot(driver, out, "pipelines", f"{server}/pipelines")
        shoot(driver, out, "pipeline-run", f"{server}/pipelines/{pipeline}")
        shoot(driver, out, "workers", f"{server}/workers")
        shoot(driver, out, "playground", f"{server}/playground")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
