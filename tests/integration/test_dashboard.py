"""The dashboard (/dashboard/, api.dashboard): assets built into the binary, /api/x-pier/stats, and
the page itself in headless Chromium (Debian's chromium + chromium-driver + python3-selenium)."""

from __future__ import annotations

import json
import shutil
import threading
import time

import pytest

import harness
import rawhttp
from harness import lb, router

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def get(p, path, ep="traefik"):
    return rawhttp.get(p.port(ep), path)


def api_json(p, path):
    r = get(p, path)
    assert r.status == 200, (path, r)
    return json.loads(r.body)


def two_routers(backend, extra=None):
    routers = {"good": router("PathPrefix(`/good`)", "s", ["web"]),
               "broken": router("PathPrefix(`/broken`)", "missing", ["web"])}
    routers.update(extra or {})
    return harness.dynamic(routers, {"s": lb(backend)})


INSECURE = {"api": {"insecure": True}}

# ---- HTTP level ---------------------------------------------------------------------------------


def test_assets_redirects_and_headers(pier_factory, backend):
    p = pier_factory(static=INSECURE, dynamic=two_routers(backend))
    for path in ("/dashboard", "/"):
        r = get(p, path)
        assert r.status == 302 and r.header("Location") == "dashboard/", (path, r)
    r = get(p, "/dashboard/")
    assert r.status == 200
    assert r.header("Content-Type") == "text/html; charset=utf-8"
    assert r.header("Cache-Control") == "no-cache"
    assert "default-src 'none'" in r.header("Content-Security-Policy")
    html = r.body.decode()
    assert "<title>Pier dashboard</title>" in html
    for name, ctype in (("app.js", "text/javascript; charset=utf-8"), ("style.css", "text/css; charset=utf-8")):
        start = html.index(name + "?v=")
        url = html[start:html.index('"', start)]
        a = get(p, "/dashboard/" + url)
        assert a.status == 200 and a.header("Content-Type") == ctype, (url, a)
        assert "immutable" in a.header("Cache-Control")
        assert b"http://" not in a.body and b"https://" not in a.body  # nothing from elsewhere
        assert get(p, "/dashboard/" + name).header("Cache-Control") == "no-cache"
    assert get(p, "/dashboard/missing.js").status == 404
    assert rawhttp.request(p.port("traefik"), "POST", "/dashboard/").status == 404
    # Only on the traefik entry point.
    assert get(p, "/dashboard/", ep="web").status == 404
    # The dashboard's router is listed among the internal ones.
    routers = {r["name"]: r for r in api_json(p, "/api/http/routers")}
    assert routers["dashboard@internal"]["service"] == "dashboard"


def test_stats_counts_requests_and_5xx_per_router(pier_factory, backend):
    p = pier_factory(static=INSECURE, dynamic=two_routers(backend))
    for _ in range(3):
        assert p.get("/good").status == 200
    for _ in range(2):
        assert p.get("/good?status=503").status == 503
    assert p.get("/good?status=404").status == 404
    r = get(p, "/api/x-pier/stats")
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    assert r.header("Cache-Control") == "no-store"
    stats = json.loads(r.body)["routers"]
    assert stats["good@file"] == {"requests": 6, "errors": 2}
    assert "broken@file" not in stats  # never routed to


def test_stats_with_prometheus_do_not_change_metrics(pier_factory, backend):
    """With metrics on, the same registry answers both; router series stay off by default."""
    p = pier_factory(static={**INSECURE, "metrics": {"prometheus": {}}}, dynamic=two_routers(backend))
    assert p.get("/good").status == 200
    assert api_json(p, "/api/x-pier/stats")["routers"]["good@file"] == {"requests": 1, "errors": 0}
    text = get(p, "/metrics").body.decode()
    assert "traefik_router_requests_total{" not in text
    assert 'traefik_service_requests_total{code="200"' in text


def test_dashboard_false_turns_it_off(pier_factory, backend):
    dyn = two_routers(backend, {"mine": router("PathPrefix(`/dashboard`)", "api@internal", ["web"])})
    p = pier_factory(static={"api": {"insecure": True, "dashboard": False}}, dynamic=dyn)
    for path in ("/dashboard/", "/dashboard", "/dashboard/app.js", "/"):
        assert get(p, path).status == 404, path
        assert get(p, path, ep="web").status == 404, path
    assert get(p, "/api/x-pier/stats").status == 404  # no counts kept without the dashboard
    assert get(p, "/api/overview").status == 200
    assert "dashboard@internal" not in {r["name"] for r in api_json(p, "/api/http/routers")}


def test_served_by_a_user_router_to_api_or_dashboard_internal(pier_factory, backend):
    dyn = two_routers(backend, {
        "ops": router("PathPrefix(`/api`) || PathPrefix(`/dashboard`)", "api@internal", ["web"]),
    })
    p = pier_factory(static={"api": {}}, dynamic=dyn)
    assert get(p, "/dashboard/").status == 404  # not insecure: nothing on `traefik`
    r = get(p, "/dashboard/", ep="web")
    assert r.status == 200 and b"Pier dashboard" in r.body
    assert get(p, "/dashboard", ep="web").header("Location") == "dashboard/"
    assert get(p, "/api/x-pier/stats", ep="web").status == 200
    p.write_dynamic(two_routers(backend, {
        "ops": router("PathPrefix(`/dashboard`)", "dashboard@internal", ["web"]),
    }))
    assert get(p, "/dashboard/", ep="web").status == 200


# ---- in a browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("SKIPPED LOUDLY: python3-selenium is not installed (scripts/install-deps.sh --test)")
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(exe):
            pytest.skip(f"SKIPPED LOUDLY: {exe} is not installed: apt-get install chromium chromium-driver "
                        "(scripts/install-deps.sh --test)")
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-extensions", "--no-first-run", "--window-size=1400,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def severe(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def row(driver, table, name):
    from selenium.webdriver.common.by import By
    rows = driver.find_elements(By.CSS_SELECTOR, f'#{table} tbody tr[data-name="{name}"]')
    return rows[0] if rows else None


def open_dashboard(driver, p):
    driver.get(f"http://127.0.0.1:{p.port('traefik')}/dashboard/")
    harness.wait_until(lambda: row(driver, "routers", "good@file"), 15, what="the routers table")


def test_browser_lists_routers_errors_and_follows_reloads(browser, pier_factory, backend):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    p = pier_factory(static=INSECURE, dynamic=two_routers(backend))
    browser.get_log("browser")  # drop what an earlier test left
    open_dashboard(browser, p)
    assert browser.title == "Pier dashboard"

    good = row(browser, "routers", "good@file")
    assert good.get_attribute("data-status") == "enabled"
    assert "PathPrefix(`/good`)" in good.text and "web" in good.text
    broken = row(browser, "routers", "broken@file")
    assert broken.get_attribute("data-status") == "disabled"
    api_error = api_json(p, "/api/http/routers/broken@file")["error"][0]
    assert "missing" in api_error
    assert api_error in broken.find_element(By.CSS_SELECTOR, ".error").text
    services = row(browser, "services", "s@file")
    assert backend.url in services.text and "UP" in services.text
    eps = {e.get_attribute("data-name") for e in browser.find_elements(By.CSS_SELECTOR, "#entrypoints .chip")}
    assert {"web", "traefik"} <= eps

    # Search and status filter.
    search = browser.find_element(By.ID, "search")
    search.send_keys("broken")
    harness.wait_until(lambda: row(browser, "routers", "good@file") is None, 5, what="filtered by text")
    assert row(browser, "routers", "broken@file") is not None
    search.clear()
    browser.execute_script("document.getElementById('search').dispatchEvent(new Event('input'))")
    Select(browser.find_element(By.ID, "status")).select_by_value("disabled")
    harness.wait_until(lambda: row(browser, "routers", "good@file") is None, 5, what="filtered by status")
    assert row(browser, "routers", "broken@file") is not None
    Select(browser.find_element(By.ID, "status")).select_by_value("enabled")
    harness.wait_until(lambda: row(browser, "routers", "broken@file") is None, 5, what="enabled only")
    assert row(browser, "routers", "good@file") is not None
    Select(browser.find_element(By.ID, "status")).select_by_value("")

    # A new router: on the page within 2 s of the API having it, without reloading the page.
    browser.execute_script("""
        window.__pierSamePage = true;
        window.__addedAt = null;
        new MutationObserver(() => {
          if (window.__addedAt === null && document.querySelector('tr[data-name="added@file"]')) {
            window.__addedAt = Date.now();
          }
        }).observe(document.body, {childList: true, subtree: true});
    """)
    p.write_dynamic(two_routers(backend, {"added": router("PathPrefix(`/added`)", "s", ["web"])}), wait=False)

    def api_has_it():
        return "added@file" in {r["name"] for r in api_json(p, "/api/http/routers")}

    harness.wait_until(api_has_it, 15, interval=0.01, what="the API to list added@file")
    api_at = time.time() * 1000
    added_at = harness.wait_until(lambda: browser.execute_script("return window.__addedAt"), 15,
                                  what="the page to show added@file")
    assert added_at - api_at <= 2000, f"page updated {added_at - api_at:.0f} ms after the API"
    assert browser.execute_script("return window.__pierSamePage") is True  # not reloaded
    assert "PathPrefix(`/added`)" in row(browser, "routers", "added@file").text

    assert severe(browser) == []


def test_browser_shows_live_request_and_error_rates(browser, pier_factory, backend):
    from selenium.webdriver.common.by import By

    p = pier_factory(static=INSECURE, dynamic=two_routers(backend))
    browser.get_log("browser")
    open_dashboard(browser, p)

    def rate(kind):
        cell = row(browser, "routers", "good@file").find_element(By.CSS_SELECTOR, f'td.rate[data-kind="{kind}"]')
        value = cell.get_attribute("data-value")
        return float(value) if value else 0.0

    assert rate("req") == 0.0
    stop = threading.Event()

    def traffic():
        # Bounded: at most 20 s or 2000 requests, to loopback only.
        deadline = time.monotonic() + 20
        for i in range(2000):
            if stop.is_set() or time.monotonic() > deadline:
                return
            p.get("/good?status=500" if i % 3 == 0 else "/good")
            time.sleep(0.01)

    sender = threading.Thread(target=traffic, daemon=True)
    sender.start()
    try:
        harness.wait_until(lambda: rate("req") > 0 and rate("err") > 0, 15, what="non-zero rates on the page")
        shown = row(browser, "routers", "good@file").find_element(By.CSS_SELECTOR, 'td.rate[data-kind="req"]').text
        assert shown not in ("0", "–")
    finally:
        stop.set()
        sender.join(timeout=30)
    # Once traffic stops the rate falls back to zero (it is a rate, not a total).
    harness.wait_until(lambda: rate("req") == 0.0, 15, what="the rate to fall back to 0")
    assert severe(browser) == []
