// Pixel-exact display geometry. Every image is drawn at a whole number of DEVICE (screen) pixels per image
// pixel with pixel replication, so every participant's screen shows the same pixels whatever its
// devicePixelRatio or zoom: the CSS size is the device size divided by devicePixelRatio. Pure functions.

/** Room around the stage for the page padding, question, progress bar and feedback (CSS pixels). */
export const CHROME_CSS = { w: 32, h: 250 };
/** Device-pixel sizes must come out within this of a whole number (Chromium lays out in 1/64 CSS px). */
const EXACT_TOLERANCE = 0.05;

/**
 * @param {object} display the session's `display`: image_px, input_px, device_px_per_image_px or
 *   css_px_per_image_px, gap_px, min_window_w / min_window_h (CSS px, optional)
 * @param {number} slots images side by side (2, or 3 with the input)
 * @param {number} dpr window.devicePixelRatio
 */
export function displayGeometry(display, slots, dpr) {
  const ratio = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
  const scale = devicePxPerImagePx(display, ratio);
  const imageDevicePx = display.image_px * scale;
  // The input is replicated by the largest whole factor that fits the HR images' size.
  const inputFactor = Math.max(1, Math.floor(imageDevicePx / display.input_px));
  const inputDevicePx = display.input_px * inputFactor;
  const imageCssPx = imageDevicePx / ratio;
  const gapDevicePx = Math.round(display.gap_px * ratio);
  const stageDevicePx = slots * imageDevicePx + (slots - 1) * gapDevicePx;
  const stageCssW = stageDevicePx / ratio;
  return {
    dpr: ratio,
    scale,
    imageDevicePx,
    imageCssPx,
    inputFactor,
    inputDevicePx,
    inputCssPx: inputDevicePx / ratio,
    gapDevicePx,
    stageDevicePx,
    stageCssW,
    need: {
      w: Math.ceil(Math.max(stageCssW + CHROME_CSS.w, display.min_window_w || 0)),
      h: Math.ceil(Math.max(imageCssPx + CHROME_CSS.h, display.min_window_h || 0)),
    },
  };
}

/**
 * Whole device pixels per image pixel on a screen of `dpr`: fixed (`device_px_per_image_px`, the same screen
 * pixels everywhere), or the whole number nearest to `css_px_per_image_px` x dpr (about the same physical size
 * everywhere; ties go to the smaller image).
 */
export function devicePxPerImagePx(display, dpr) {
  const css = display.css_px_per_image_px;
  if (!(css > 0)) return display.device_px_per_image_px;
  const exact = css * dpr;
  const below = Math.max(1, Math.floor(exact + 1e-9));
  return exact - below > below + 1 - exact ? below + 1 : below;
}

/** The window holds the trial at its exact size. */
export function fitsWindow(geometry, width, height) {
  return width >= geometry.need.w && height >= geometry.need.h;
}

/** Even a maximised window on this screen could not hold the trial (a phone, a small tablet). */
export function screenTooSmall(geometry, screenWidth, screenHeight) {
  return screenWidth < geometry.need.w || screenHeight < geometry.need.h;
}

/** A drawn width (CSS px from getBoundingClientRect) is exactly `devicePx` screen pixels. */
export function isExactSize(cssWidth, dpr, devicePx) {
  return Math.abs(cssWidth * dpr - devicePx) <= EXACT_TOLERANCE;
}

/**
 * The browser's devicePixelRatio (screen scaling x zoom) is one the study accepts: where Chromium was
 * measured to show the images pixel for pixel. Without a list every ratio is accepted.
 */
export function dprAllowed(display, dpr) {
  const allowed = display.allowed_dprs;
  if (!Array.isArray(allowed) || allowed.length === 0) return true;
  return allowed.some((d) => Math.abs(d - dpr) < 0.005);
}
