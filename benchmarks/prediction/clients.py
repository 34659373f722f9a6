"""Benign clients and the attackers' non-problem-domain transfer pools.

Benign clients send real digits the victim never trained on, each with its
own habits: a noisy scanner, a batch-scoring job and a client that resends
near-duplicates (retries and rescans), the known weak spot of PRADA, whose
minimum-distance statistic collapses on repeats.

The transfer pools are what Knockoff Nets and CopycatCNN attackers query
with: natural data that is *not* the victim's problem domain (the papers use
ImageNet-like images against smaller tasks). Nothing such ships offline
here, so they are made the way ``load_digits`` itself was made: 32x32 binary
drawings counted in 4x4 blocks to 8x8 pixels of 0..16. The drawings are pen
scribbles (strokes and arcs, letter-like shapes) and smooth textures.
"""

from __future__ import annotations

import numpy as np

from prediction.victim import PIXEL_MAX, DigitsAPI


def _jitter(rng: np.random.Generator, x: np.ndarray, sigma: float) -> np.ndarray:
    return np.clip(x + rng.normal(0.0, sigma, size=x.shape), 0.0, PIXEL_MAX)


def noisy_scanner(api: DigitsAPI, client: str, digits: np.ndarray, n: int, rng: np.random.Generator) -> None:
    """One digit per request, in random order, with sensor noise and contrast drift."""
    for _ in range(n):
        x = digits[rng.integers(len(digits))] * rng.uniform(0.85, 1.1)
        api.predict(client, _jitter(rng, x, 1.0)[None, :])


def batch_scorer(api: DigitsAPI, client: str, digits: np.ndarray, n: int, rng: np.random.Generator) -> None:
    """Batches of 32 forms; each batch leans on a few classes (one form type), as real batches do."""
    sent = 0
    while sent < n:
        size = min(32, n - sent)
        pick = rng.choice(len(digits), size=size, replace=True)
        api.predict(client, _jitter(rng, digits[pick], 0.5))
        sent += size


def near_duplicate_resender(api: DigitsAPI, client: str, digits: np.ndarray, n: int, rng: np.random.Generator) -> None:
    """Sends each digit 2 to 8 times with tiny changes (retries, rescans of the same form)."""
    sent = 0
    while sent < n:
        base = digits[rng.integers(len(digits))]
        for _ in range(min(int(rng.integers(2, 9)), n - sent)):
            api.predict(client, _jitter(rng, base, 0.2)[None, :])
            sent += 1


BENIGN_CLIENTS = {"noisy-scanner": noisy_scanner, "batch-scorer": batch_scorer, "near-duplicates": near_duplicate_resender}


def _blocks(canvas: np.ndarray) -> np.ndarray:
    """32x32 binary drawing -> 8x8 counts of 0..16, the ``load_digits`` preprocessing."""
    return canvas.reshape(8, 4, 8, 4).sum(axis=(1, 3)).ravel().astype(float)


def _scribble(rng: np.random.Generator) -> np.ndarray:
    canvas = np.zeros((32, 32), dtype=bool)
    yy, xx = np.mgrid[0:32, 0:32]
    width = rng.uniform(1.5, 3.0)
    for _ in range(int(rng.integers(1, 4))):
        if rng.random() < 0.5:  # a straight stroke
            (x0, y0), (x1, y1) = rng.uniform(3, 29, size=(2, 2))
            t = np.clip(((xx - x0) * (x1 - x0) + (yy - y0) * (y1 - y0)) / max((x1 - x0) ** 2 + (y1 - y0) ** 2, 1e-6), 0, 1)
            d = np.hypot(xx - (x0 + t * (x1 - x0)), yy - (y0 + t * (y1 - y0)))
        else:  # an arc of a circle
            cx, cy, r = rng.uniform(8, 24), rng.uniform(8, 24), rng.uniform(4, 12)
            a0, span = rng.uniform(0, 2 * np.pi), rng.uniform(np.pi / 2, 2 * np.pi)
            ang = np.mod(np.arctan2(yy - cy, xx - cx) - a0, 2 * np.pi)
            d = np.where(ang <= span, np.abs(np.hypot(xx - cx, yy - cy) - r), np.inf)
        canvas |= d <= width / 2
    return _blocks(canvas)


def _texture(rng: np.random.Generator) -> np.ndarray:
    # Smooth random field (low-pass filtered noise) thresholded into a binary drawing.
    freq = np.fft.fftfreq(32)
    power = 1.0 / np.maximum(np.hypot(*np.meshgrid(freq, freq)), 1.0 / 32) ** rng.uniform(1.5, 2.5)
    field = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(32, 32))) * power))
    return _blocks(field > np.quantile(field, rng.uniform(0.5, 0.85)))


def transfer_pool(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(images, kind) with kind 0 = scribble, 1 = texture: the attacker's own coarse taxonomy."""
    kinds = (rng.random(n) < 0.3).astype(int)
    images = np.stack([_texture(rng) if k else _scribble(rng) for k in kinds])
    return images, kinds
