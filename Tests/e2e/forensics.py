"""What a hostile script can compute from the PNG bytes it is served: the file's internals (chunk lengths, IDAT
totals, deflate block headers), the decoded pixels, the build's own antialiased bicubic downsampling, and pixel
statistics. numpy only, so the scripts need nothing the crowd platform's bot would not have."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    out, at = [], 8
    while at + 12 <= len(png):
        (length,) = struct.unpack(">I", png[at:at + 4])
        out.append((png[at + 4:at + 8], png[at + 8:at + 8 + length]))
        at += 12 + length
    return out


def internals(png: bytes) -> dict:
    """Everything about the file but its pixel values: what the PNG-internals bot compares."""
    parts = chunks(png)
    idat = b"".join(data for kind, data in parts if kind == b"IDAT")
    blocks, at = [], 2
    while at + 5 <= len(idat) and idat[at] & 0b110 == 0:  # stored blocks: header byte, LEN
        length = idat[at + 1] | idat[at + 2] << 8
        blocks.append((idat[at], length))
        at += 5 + length
        if idat[at - 5 - length] & 1:
            break
    return {"length": len(png), "chunks": [(kind.decode(), len(data)) for kind, data in parts],
            "idat_total": len(idat), "idat_count": sum(kind == b"IDAT" for kind, _ in parts),
            "zlib_header": idat[:2].hex(), "blocks": blocks}


def decode(png: bytes) -> np.ndarray:
    """8-bit RGB, non-interlaced PNG (every filter type) -> uint8 array of shape (height, width, 3)."""
    parts = chunks(png)
    header = next(data for kind, data in parts if kind == b"IHDR")
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert (depth, colour, header[12]) == (8, 2, 0), "8-bit RGB, non-interlaced only"
    raw = zlib.decompress(b"".join(data for kind, data in parts if kind == b"IDAT"))
    stride = 3 * width
    rows = np.zeros((height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int32)
        if kind in (0, 2):  # none, up: no dependence along the row
            out = (line + (previous if kind == 2 else 0)) & 0xFF
            rows[y] = out
            previous = out
            continue
        out = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = out[x - 3] if x >= 3 else 0
            b = previous[x]
            c = previous[x - 3] if x >= 3 else 0
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = a
            elif kind == 2:
                predictor = b
            elif kind == 3:
                predictor = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
            out[x] = (line[x] + predictor) & 0xFF
        rows[y] = out
        previous = out
    return rows.reshape(height, width, 3).astype(np.uint8)


def _cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    x = np.abs(x)
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _weights(size_in: int, size_out: int) -> np.ndarray:
    """The antialiased bicubic (a = -0.5) resampling matrix, as the build (and Pillow) downsample."""
    scale = size_in / size_out
    support = 2 * max(scale, 1)
    matrix = np.zeros((size_out, size_in))
    for i in range(size_out):
        centre = (i + 0.5) * scale
        start, end = max(int(np.floor(centre - support + 0.5)), 0), min(int(np.floor(centre + support + 0.5)), size_in)
        taps = _cubic((np.arange(start, end) - centre + 0.5) / max(scale, 1))
        matrix[i, start:end] = taps / taps.sum()
    return matrix


def downsample(image: np.ndarray, size: int) -> np.ndarray:
    """Antialiased bicubic to size x size, rounded to uint8 after each pass as the build does."""
    rows = np.clip(np.rint(np.einsum("xw,hwc->hxc", _weights(image.shape[1], size), image.astype(float))), 0, 255)
    return np.clip(np.rint(np.einsum("yh,hxc->yxc", _weights(image.shape[0], size), rows)), 0, 255).astype(np.uint8)


def high_frequency_energy(image: np.ndarray) -> float:
    """Mean absolute Laplacian: sharp photos have more of it than smooth model outputs."""
    grey = image.astype(float).mean(axis=2)
    laplacian = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    return float(np.abs(laplacian).mean())


def is_blocky(image: np.ndarray, block: int = 8) -> bool:
    """A nearest-neighbour upscale (the catch foil): every block x block tile is one colour."""
    h, w, _ = image.shape
    tiles = image[:h - h % block, :w - w % block].reshape(h // block, block, w // block, block, 3)
    return bool((tiles == tiles[:, :1, :, :1]).all())
