"""Open local HTML pages in headless Debian chromium (playwright) and collect what went wrong.

Reusable by any test::

    from browser_harness import BrowserHarness

    with BrowserHarness() as harness, harness.open(path, screenshot=tmp_path / "map.png") as page:
        assert page.problems() == []
        assert page.page.locator("#legend").count() == 1

The network is blocked: ``file:``/``data:``/``blob:``/``about:`` URLs load, basemap tile
requests (``TILE_HOSTS``) are aborted and recorded separately (they are the only online
resource, and offline they fail), and every other request is aborted and reported as a
problem.  ``chromium`` comes from Debian (``apt-get install chromium``); browser downloads
are impossible here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = os.environ.get("HEART_PLAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
DEFAULT_TILE_HOSTS = ("tile.openstreetmap.org", "basemaps.cartocdn.com")
LOCAL_SCHEMES = ("file", "data", "blob", "about")


@dataclass
class PageResult:
    """What happened while a page loaded; ``page`` stays usable inside ``harness.open``."""

    page: object
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    tile_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    screenshot: Path | None = None

    def problems(self) -> list[str]:
        """Everything that should not happen on an offline page (tiles excepted)."""
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
            + [f"network request: {m}" for m in self.blocked_requests]
            + [f"dialog: {m}" for m in self.dialogs]
        )


def _is_tile(url: str, tile_hosts: Sequence[str]) -> bool:
    host = urlparse(url).hostname or ""
    return any(host == h or host.endswith("." + h) for h in tile_hosts)


class BrowserHarness:
    """One headless chromium for many pages (launch once per test session)."""

    def __init__(
        self,
        *,
        executable_path: str = CHROMIUM,
        timeout_s: float = 30.0,
        viewport: tuple[int, int] = (1200, 800),
        tile_hosts: Sequence[str] = DEFAULT_TILE_HOSTS,
    ) -> None:
        self.executable_path = executable_path
        self.timeout_ms = timeout_s * 1000
        self.viewport = {"width": viewport[0], "height": viewport[1]}
        self.tile_hosts = tuple(tile_hosts)
        self._playwright = None
        self._browser = None

    def __enter__(self) -> BrowserHarness:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable_path,
                args=list(CHROMIUM_ARGS),
                headless=True,
                timeout=self.timeout_ms,
            )
        except Exception:
            self._playwright.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    @contextmanager
    def open(
        self,
        path: str | os.PathLike[str],
        *,
        screenshot: str | os.PathLike[str] | None = None,
        settle_ms: int = 300,
        viewport: tuple[int, int] | None = None,
        cpu_throttle: float | None = None,
        full_page: bool = True,
    ) -> Iterator[PageResult]:
        """Load ``path`` (a local HTML file) with the network blocked; yield a ``PageResult``.

        Waits for the ``load`` event plus ``settle_ms`` for scripts that run after it, then
        takes a full-page screenshot to ``screenshot`` if given (``full_page=False``: the
        viewport only).  ``viewport=(width, height)`` overrides the harness's size;
        ``cpu_throttle`` slows the CPU that many times (Chrome DevTools emulation, e.g. 4 for
        a mid-range phone) from before the page loads.
        """
        if self._browser is None:
            raise RuntimeError("use BrowserHarness as a context manager")
        url = Path(path).resolve().as_uri()
        size = self.viewport if viewport is None else {"width": viewport[0], "height": viewport[1]}
        context = self._browser.new_context(viewport=size, service_workers="block")
        context.set_default_timeout(self.timeout_ms)
        page = context.new_page()
        if cpu_throttle is not None:
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_throttle})
        result = PageResult(page=page, url=url)

        def route(route_, request) -> None:
            scheme = urlparse(request.url).scheme
            if scheme in LOCAL_SCHEMES:
                route_.continue_()
                return
            if _is_tile(request.url, self.tile_hosts):
                result.tile_requests.append(request.url)
            else:
                result.blocked_requests.append(f"{request.resource_type} {request.url}")
            route_.abort("internetdisconnected")

        def on_failed(request) -> None:
            if urlparse(request.url).scheme in LOCAL_SCHEMES and request.url != url:
                result.failed_requests.append(
                    f"{request.resource_type} {request.url}: {request.failure}"
                )

        def on_console(message) -> None:
            if message.type == "error":
                text = message.text
                # Aborted tile requests log "Failed to load resource"; they are expected offline.
                location = (message.location or {}).get("url", "")
                if location and _is_tile(location, self.tile_hosts):
                    return
                result.console_errors.append(text)

        def on_dialog(dialog) -> None:
            result.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        context.route("**/*", route)
        page.on("requestfailed", on_failed)
        page.on("console", on_console)
        page.on("pageerror", lambda error: result.page_errors.append(str(error)))
        page.on("dialog", on_dialog)
        try:
            page.goto(url, wait_until="load", timeout=self.timeout_ms)
            page.wait_for_timeout(settle_ms)
            if screenshot is not None:
                shot = Path(screenshot)
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot), full_page=full_page, timeout=self.timeout_ms)
                result.screenshot = shot
            yield result
        finally:
            context.close()
