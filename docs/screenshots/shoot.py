"""Photographs the web UI's pages through chromedriver's WebDriver API (standard library only).

Usage: shoot.py SERVER_URL ADMIN_TOKEN OUT_DIR EXPERIMENT_ID TRIAL_ID BEST_TRIAL_ID PIPELINE_ID GPU_TRIAL_ID
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
import urllib.error
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
            "browserName": "chrome", "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL"}}}})
        self.session = value["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as e:
            # chromedriver answers 500 with what went wrong (e.g. a script error): say it.
            value = json.loads(e.read() or b"{}").get("value", {})
            raise RuntimeError(f"{method} {path}: {value.get('error')}: {value.get('message', '')[:300]}") from e

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def get(self, url):
        self.s("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def size(self, width, height):
        self.s("POST", "/window/rect", {"width": width, "height": height})

    def viewport(self, width, height):
        """The page's viewport at exactly width x height CSS pixels; None, None: the window's again."""
        if width is None:
            self.s("POST", "/goog/cdp/execute", {"cmd": "Emulation.clearDeviceMetricsOverride", "params": {}})
        else:
            self.s("POST", "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}})

    def png(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))

    def quit(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.process.terminate()
            self.process.wait()


# What a new user would trip over, checked on every page at every width (the walk's record).
CHECKS = """
const problems = [];
if (document.documentElement.scrollWidth > window.innerWidth + 1) {
  const wide = Array.from(document.querySelectorAll('main *')).filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > window.innerWidth + 1 && !e.closest('.table-wrap, .chart, pre, .scroll');
  }).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
  problems.push('page wider than the window (' + document.documentElement.scrollWidth + ' px): ' + wide.join(', '));
}
Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0 && i.getAttribute('src'))
  .forEach(i => problems.push('broken image ' + i.getAttribute('src')));
const text = document.body.innerText;
if (/\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d(:\\d\\d)? UTC/.test(text)) problems.push('a time still shown in UTC');
if (/\\d\\.\\d+E-?\\d/.test(text)) problems.push('a number in Java notation (E)');
if (/\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d/.test(text)) problems.push('a raw ISO timestamp');
if (/\\bundefined\\b|\\bNaN\\b|\\[object Object\\]/.test(text)) problems.push('undefined/NaN/[object Object] on the page');
// getAttribute, not a.href: an SVG <a> (the pipeline's DAG) has an SVGAnimatedString there.
const links = Array.from(document.querySelectorAll('a[href]')).map(a => new URL(a.getAttribute('href'), location.href).href)
  .filter(h => h.startsWith(location.origin) && !h.includes('/logout'));
return {problems: problems, links: Array.from(new Set(links))};
"""

WALK = {"pages": 0, "problems": [], "links": set()}


def check(driver, name, width):
    try:
        found = driver.js(CHECKS)
    except RuntimeError as e:  # recorded, so that one page cannot stop the walk of the others
        found = {"problems": [f"the walk's checks could not run: {e}"], "links": []}
    WALK["pages"] += 1
    WALK["links"].update(found["links"])
    try:
        logs = driver.s("POST", "/se/log", {"type": "browser"})
    except Exception:  # noqa: BLE001 - a driver without the log endpoint: no script errors known
        logs = []
    errors = [entry["message"] for entry in logs if entry.get("level") == "SEVERE"]
    for problem in found["problems"] + ["script error: " + e for e in errors]:
        WALK["problems"].append(f"{name} at {width} px: {problem}")
        print(f"walk: {name} at {width} px: {problem}", file=sys.stderr)


def check_links(driver, server):
    """Every same-origin link seen on any page answers below 400 (with the session's cookie)."""
    broken = driver.js("""
const urls = arguments[0], bad = [];
return Promise.all(urls.map(u => fetch(u, {redirect: 'follow'}).then(r => { if (r.status >= 400) bad.push(r.status + ' ' + u); },
  e => bad.push('unreachable ' + u)))).then(() => bad);""", sorted(WALK["links"]))
    for b in broken or []:
        WALK["problems"].append("broken link: " + b)
        print("walk: broken link: " + b, file=sys.stderr)


# Lazy images (the misclassified digits) load only near the window: load them all now and wait
# until each has arrived (or failed: the walk reports a broken one), up to 20 s.
IMAGES_LOADED = """
const done = arguments[arguments.length - 1];
document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; });
const deadline = Date.now() + 20000;
(function wait() {
  const pending = Array.from(document.images).filter(i => i.getAttribute('src') && !i.complete);
  if (!pending.length || Date.now() > deadline) { done(pending.length); } else { setTimeout(wait, 200); }
})();
"""

# The page's whole height: the document's, or further down where a box ends that the document's
# scrollHeight does not count.
PAGE_HEIGHT = """
const bottoms = Array.from(document.querySelectorAll('main, main *'))
  .filter(e => !e.checkVisibility || e.checkVisibility())  // not inside a closed <details>
  .map(e => e.getBoundingClientRect().bottom + window.scrollY);
return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight, ...bottoms));
"""


def shoot(driver, out, name, url, prepare=None, settle=1.5):
    driver.get(url)
    if prepare:
        driver.js(prepare)
    for width in WIDTHS:
        driver.size(width, 900)
        time.sleep(settle)  # charts draw after their data loads and redraw on resize
        pending = driver.s("POST", "/execute/async", {"script": IMAGES_LOADED, "args": []})
        if pending:
            print(f"shoot: {name} at {width} px: {pending} image(s) still loading", file=sys.stderr)
        height = max(600, min(MAX_HEIGHT, int(driver.js(PAGE_HEIGHT))))
        # The viewport itself set to width x height (through the DevTools protocol): a window's
        # size includes the browser's own frame, which cut the 400 px playground at 897 px.
        driver.viewport(width, height)
        time.sleep(0.6)
        path = os.path.join(out, f"{name}-{width}.png")
        check(driver, name, width)
        driver.png(path)
        driver.viewport(None, None)
        print(f"shoot: {path} ({width}x{height})", file=sys.stderr)


def main():
    server, token, out, experiment, trial, best, pipeline, gpu = sys.argv[1:9]
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
        shoot(driver, out, "compare-epoch", f"{server}/compare?trial={trial}&trial={best}",
              "const x = document.getElementById('curve-x'); x.value = 'epoch';"
              " x.dispatchEvent(new Event('change'));", settle=3)
        shoot(driver, out, "compare-waiting", f"{server}/compare?trial={best}&trial={gpu}", settle=3)
        shoot(driver, out, "runs", f"{server}/experiments/{experiment}/runs", settle=2)
        shoot(driver, out, "models", f"{server}/models",
              "document.querySelectorAll('details').forEach(d => d.open = true);")
        shoot(driver, out, "model-compare", f"{server}/models/digits/compare?version=1&version=2")
        shoot(driver, out, "pipelines", f"{server}/pipelines")
        shoot(driver, out, "pipeline-run", f"{server}/pipelines/{pipeline}")
        shoot(driver, out, "pipeline-step", f"{server}/pipelines/{pipeline}/steps/fit-2")
        shoot(driver, out, "datasets", f"{server}/datasets")
        shoot(driver, out, "feedback", f"{server}/models/digits/feedback")
        shoot(driver, out, "retraining", f"{server}/models/digits/retraining")
        shoot(driver, out, "workers", f"{server}/workers")
        shoot(driver, out, "playground", f"{server}/playground")
        check_links(driver, server)
        summary = (f"walk: {WALK['pages']} page views, {len(WALK['links'])} distinct links checked,"
                   f" {len(WALK['problems'])} problem(s)")
        print(summary, file=sys.stderr)
        with open(os.path.join(out, "walk.txt"), "w") as f:
            f.write(summary + "\n" + "".join(p + "\n" for p in WALK["problems"]))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
