import assert from 'node:assert/strict';
import test from 'node:test';

import { devicePxPerImagePx, displayGeometry, dprAllowed, fitsWindow, isExactSize, screenTooSmall } from '../../Public/js/display.js';

const display = { image_px: 128, input_px: 16, device_px_per_image_px: 2, gap_px: 32, min_window_w: 900, min_window_h: 500 };

test('every DPR gets the same device-pixel size', () => {
  for (const dpr of [1, 1.25, 1.5, 2, 3]) {
    const g = displayGeometry(display, 3, dpr);
    assert.equal(g.imageDevicePx, 256);
    assert.ok(isExactSize(g.imageCssPx, dpr, 256), `dpr ${dpr}`);
    assert.equal(g.inputFactor, 16);
    assert.equal(g.inputDevicePx, 256);
  }
  assert.equal(displayGeometry(display, 2, 2).imageCssPx, 128);
  assert.equal(displayGeometry(display, 2, 3).imageCssPx, 256 / 3);
});

test('an input that does not divide the image size is replicated by the largest whole factor', () => {
  const g = displayGeometry({ ...display, image_px: 100, input_px: 30 }, 3, 1);
  assert.equal(g.imageDevicePx, 200);
  assert.equal(g.inputFactor, 6);
  assert.equal(g.inputDevicePx, 180);
});

test('the window needed holds the stage and the study minimum', () => {
  const g = displayGeometry(display, 3, 1);
  assert.deepEqual(g.need, { w: 900, h: 506 });
  const wide = displayGeometry({ ...display, device_px_per_image_px: 4 }, 3, 1);
  assert.deepEqual(wide.need, { w: 3 * 512 + 64 + 32, h: 512 + 250 });
  assert.ok(fitsWindow(g, 1280, 800));
  assert.ok(!fitsWindow(g, 899, 800));
  // A phone: 390 x 844 CSS px at DPR 3 is refused although the images themselves would fit.
  const phone = displayGeometry(display, 3, 3);
  assert.ok(!fitsWindow(phone, 390, 844));
  assert.ok(screenTooSmall(phone, 390, 844));
  assert.ok(!screenTooSmall(g, 1440, 900));
});

test('bad DPR values fall back to 1', () => {
  assert.equal(displayGeometry(display, 2, 0).dpr, 1);
  assert.equal(displayGeometry(display, 2, NaN).dpr, 1);
});

test('exact sizes tolerate layout rounding only', () => {
  assert.ok(isExactSize(85.328125, 3, 256));
  assert.ok(!isExactSize(86, 3, 256));
});

test('only the listed devicePixelRatios are accepted', () => {
  const listed = { ...display, allowed_dprs: [1, 1.25, 2, 3] };
  for (const dpr of [1, 1.25, 2, 3]) assert.ok(dprAllowed(listed, dpr), `dpr ${dpr}`);
  for (const dpr of [1.1, 1.5, 1.75, 2.5, 0.9]) assert.ok(!dprAllowed(listed, dpr), `dpr ${dpr}`);
  assert.ok(dprAllowed(display, 1.5), 'no list: every ratio');
});

test('a physical size picks each screen its whole device factor, so CSS sizes stay within a third', () => {
  const physical = { image_px: 128, input_px: 16, css_px_per_image_px: 2, device_px_per_image_px: 2, gap_px: 32 };
  const factors = [1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3].map((dpr) => devicePxPerImagePx(physical, dpr));
  assert.deepEqual(factors, [2, 2, 2, 3, 3, 4, 5, 6]);
  const cssSizes = [1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3].map((dpr) => displayGeometry(physical, 3, dpr).imageCssPx);
  assert.ok(Math.max(...cssSizes) / Math.min(...cssSizes) < 4 / 3, `${cssSizes}`);
  assert.equal(displayGeometry(physical, 3, 1.5).imageDevicePx, 384);
  assert.equal(displayGeometry(physical, 3, 1.5).imageCssPx, 256);
  // The fixed mode keeps the same screen pixels everywhere, as before.
  const fixed = { image_px: 128, input_px: 16, device_px_per_image_px: 2, gap_px: 32 };
  assert.deepEqual([1, 1.5, 3].map((dpr) => devicePxPerImagePx(fixed, dpr)), [2, 2, 2]);
  assert.equal(devicePxPerImagePx({ ...physical, css_px_per_image_px: 0.5 }, 1), 1, 'never below one device pixel');
});
