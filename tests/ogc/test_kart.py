"""The property map in a real browser: Debian's headless Chromium driven by Selenium, with
WebGL through SwiftShader. A map that cannot draw fails the test; it is never skipped."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pyproj import Transformer
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from grunndata.config import Settings
from grunndata.db.database import connect
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.ogc.recording_proxy import recording_proxy

#: Tyrihansveien 8 stands on this unit; the test types the street name with a typo.
ADDRESS, ADDRESS_UNIT = "Tyrihansvien 8", "4204-97/75/0/0"
OTHER_UNIT = "4204-97/90/0/0"
#: Where the screenshots go (CI keeps the folder as an artifact); else the test's tmp dir.
ARTIFACTS = os.environ.get("GRUNNDATA_ARTIFACTS")


#: Chromium's own traffic (updates, time, safe browsing, sign-in): not the page's, and off.
#: Two services ignore the switches that should stop them: the component updater (asks
#: update.googleapis.com) and Google sign-in (accounts.google.com); they are pointed at a
#: closed port on loopback instead (and then ask nothing within the test).
DEAD = "http://127.0.0.1:9/"
QUIET = (
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-pings", "--no-first-run", "--disable-default-apps", "--disable-domain-reliability",
    "--disable-client-side-phishing-detection", "--metrics-recording-only",
    "--disable-extensions", "--safebrowsing-disable-auto-update",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,"
    "AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
    "DiceWebSigninInterception,SigninInterceptBubble,ChromeWhatsNewUI",
    f"--component-updater=url-source={DEAD}", f"--gaia-url={DEAD}",
)  # fmt: skip
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    with recording_proxy() as running:
        yield running


@pytest.fixture
def browser(proxy: tuple[str, list[tuple[str, str]]]) -> Iterator[webdriver.Chrome]:
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "scripts/setup installs Debian's chromium, chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--enable-unsafe-swiftshader",
                     "--use-angle=swiftshader", "--window-size=1280,800",
                     "--disable-dev-shm-usage", "--lang=nb-NO", *QUIET):  # fmt: skip
        options.add_argument(argument)
    # every request through the recording proxy, loopback's too
    options.add_argument(f"--proxy-server=http://{proxy[0]}")
    options.add_argument("--proxy-bypass-list=<-loopback>")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if found := check():
                return found
        except Exception:  # the page may be between states
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def point_inside(database: Any, unit: str) -> tuple[float, float]:
    with connect(database.app_url) as conn:
        x, y = conn.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geometri), "
            "4326) AS p FROM matrikkel.teig WHERE matrikkelnummer = %s "
            "AND upper_inf(registrert) LIMIT 1) AS q",
            [unit],
        ).fetchone()
    return x, y


def selected(driver: webdriver.Chrome) -> str:
    return driver.find_element(By.ID, "valgt-matrikkelnummer").text


def test_search_pick_click_and_nothing_leaves_loopback(
    server, cast_database, browser, proxy, tmp_path
):
    folder = Path(ARTIFACTS) if ARTIFACTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    browser.get(f"{server}/kart")
    webgl = wait_for(
        lambda: browser.execute_script(
            "const m = window.grunndataKart; if (!m || !m.loaded()) return null;"
            "const gl = m.painter.context.gl;"
            "return gl && gl.getParameter(gl.VERSION);"
        ),
        "the map to load with a WebGL context",
    )
    assert "WebGL" in webgl

    search = browser.find_element(By.ID, "sok")
    search.send_keys(ADDRESS)
    suggestion = wait_for(
        lambda: next(b for b in browser.find_elements(By.CSS_SELECTOR, "#forslag button")
                     if b.text.startswith("Tyrihansveien 8,")),
        "a suggestion for the misspelt address",
    )  # fmt: skip
    suggestion.click()
    wait_for(lambda: selected(browser) == ADDRESS_UNIT, "the address's property in the panel")
    assert "Tyrihansveien 8" in browser.find_element(By.ID, "panel").text
    assert browser.execute_script("return location.search") == "?adresse=Tyrihansveien%208"

    lon, lat = point_inside(cast_database, OTHER_UNIT)
    browser.execute_script(f"window.grunndataKart.jumpTo({{center: [{lon}, {lat}], zoom: 17}})")
    wait_for(
        lambda: browser.execute_script(
            "const m = window.grunndataKart; return m.loaded() && m.areTilesLoaded() && "
            "m.queryRenderedFeatures(m.project(m.getCenter()), {layers: ['teiger']}).length > 0"
        ),
        "the tiles under the other teig",
    )
    canvas = browser.find_element(By.CSS_SELECTOR, "#kart canvas")
    ActionChains(browser).move_to_element(canvas).click().perform()
    wait_for(lambda: selected(browser) == OTHER_UNIT, "the clicked teig's property in the panel")
    panel = browser.find_element(By.ID, "panel").text
    assert "Arne Korsvik" in panel  # an owner's name, open data

    shown = dict(
        line.split("\n", 1) for line in
        browser.execute_script(
            "return [...document.querySelectorAll('#panel dt')].map("
            "d => d.textContent + '\\n' + d.nextElementSibling.textContent)"
        )
    )  # fmt: skip
    east, north = (float(v) for v in shown["EPSG:25833 (Ø, N)"].split(", "))
    shown_lat, shown_lon = (float(v) for v in shown["EPSG:4326 (bredde, lengde)"].split(", "))
    proj_east, proj_north = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True) \
        .transform(shown_lon, shown_lat)  # fmt: skip
    assert abs(east - proj_east) < 0.05 and abs(north - proj_north) < 0.05
    assert abs(shown_lon - lon) < 1e-4 and abs(shown_lat - lat) < 1e-4

    browser.save_screenshot(str(folder / "kart.png"))
    assert (folder / "kart.png").stat().st_size > 10_000

    host = urlsplit(server).netloc
    asked = list(proxy[1])
    assert any("/tiles/WebMercatorQuad/" in url for url, _ in asked)  # the worker's too
    assert any(url.endswith("/graphql") for url, _ in asked)
    from_page = [url for url, by in asked if by.startswith(server)]
    assert from_page and all(urlsplit(url).netloc == host for url in from_page)
    assert all(urlsplit(url).hostname in LOOPBACK for url, _ in asked), asked  # nothing else


def test_a_permalink_opens_the_property(server, browser):
    browser.get(f"{server}/kart?matrikkelnummer=4204-97/90")
    wait_for(lambda: selected(browser) == OTHER_UNIT, "the permalink's property")
    download = browser.find_element(By.LINK_TEXT, "Last ned GeoJSON").get_attribute("href")
    assert download.endswith("/ogc/collections/matrikkelenheter/items/4204-97/90/0/0?f=json")


def test_the_background_is_a_setting_and_none_by_default(server, cast_database):
    assert 'data-basemap=""' in httpx.get(f"{server}/kart").text
    style = "https://kart.example/stil.json"
    app = create_app(cast_database.app_url, basemap_style=style)
    with LiveServer(app, token=None) as base:
        assert f'data-basemap="{style}"' in httpx.get(f"{base}/kart").text
    assert Settings.from_env({"GRUNNDATA_BASEMAP_STYLE": f" {style} "}).basemap_style == style
