"""Compares what the screen shows (a device-scale screenshot) with the source images under pixel replication.

The screenshot and the source PNGs are decoded in a separate observer page (canvas, sRGB, no resampling), then
every screen pixel inside each drawn image is compared with the source pixel it replicates."""

from __future__ import annotations

import base64

from playwright.sync_api import BrowserContext, Page

STIMULUS_RECTS = """() => ({
  dpr: window.devicePixelRatio,
  phase: document.querySelector('[data-part="trial"]').dataset.phase,
  rects: [...document.querySelectorAll('[data-part="stimuli"] img')].map((img) => {
    const r = img.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height, rendering: getComputedStyle(img).imageRendering };
  }),
})"""

COMPARE = """async ({ shot, clip, dpr, images }) => {
  const decode = async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const g = canvas.getContext('2d', { colorSpace: 'srgb', willReadFrequently: true });
    g.drawImage(img, 0, 0);
    return g.getImageData(0, 0, canvas.width, canvas.height);
  };
  const screen = await decode('data:image/png;base64,' + shot);
  const results = [];
  for (const image of images) {
    const source = await decode(image.url);
    // Chromium paints an image's box snapped to whole device pixels (the nearest one).
    const x0 = Math.round((image.rect.x - clip.x) * dpr);
    const y0 = Math.round((image.rect.y - clip.y) * dpr);
    const size = Math.round(image.rect.w * dpr);
    const factor = size / source.width;
    let maxDiff = 0, differing = 0, first = null, last = null;
    for (let dy = 0; dy < size; dy += 1) {
      for (let dx = 0; dx < size; dx += 1) {
        const s = (Math.floor(dy / factor) * source.width + Math.floor(dx / factor)) * 4;
        const p = ((y0 + dy) * screen.width + (x0 + dx)) * 4;
        let diff = 0;
        for (let c = 0; c < 3; c += 1) diff = Math.max(diff, Math.abs(screen.data[p + c] - source.data[s + c]));
        if (diff > 0) { differing += 1; if (!first) first = [dx, dy]; last = [dx, dy]; }
        if (diff > maxDiff) maxDiff = diff;
      }
    }
    results.push({ size, sourceWidth: source.width, factor, maxDiff, differing, first, last });
  }
  return { screenWidth: screen.width, screenHeight: screen.height, results };
}"""


def capture_exposure(page: Page) -> tuple[dict, bytes, dict] | None:
    """A device-scale screenshot of the stimuli during the exposure, with their rectangles, or None when the
    exposure ended before the screenshot was taken."""
    layout = page.evaluate(STIMULUS_RECTS)
    clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": page.viewport_size["height"]}
    shot = page.screenshot(scale="device", animations="disabled")
    if page.evaluate(STIMULUS_RECTS)["phase"] != "exposure":
        return None
    return layout, shot, clip


def compare_with_sources(context: BrowserContext, base_url: str, shot: bytes, clip: dict, dpr: float,
                         rects: list[dict], urls: list[str]) -> dict:
    observer = context.new_page()
    try:
        observer.goto(f"{base_url}/healthz")
        images = [{"url": f"{base_url}{url}" if url.startswith("/") else url, "rect": rect} for url, rect in zip(urls, rects)]
        return observer.evaluate(COMPARE, {"shot": base64.b64encode(shot).decode(), "clip": clip, "dpr": dpr,
                                           "images": images})
    finally:
        observer.close()
