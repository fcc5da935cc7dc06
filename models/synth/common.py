"""What every synthetic photo goes through: light, colour cast, blur, sensor noise and JPEG compression."""
import io
import random

import numpy as np
from PIL import Image, ImageFilter


def finish_photo(r: random.Random, rng: np.random.Generator, img: Image.Image, blur_max: float = 1.6, noise_max: float = 10.0) -> Image.Image:
    w, h = img.size
    a = np.asarray(img, dtype=np.float32)
    # Uneven light: a brightness ramp in a random direction, then a colour cast.
    gain = r.uniform(0.55, 1.3)
    ramp = r.uniform(0, 0.45)
    ang = r.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = ((xx / w - 0.5) * np.cos(ang) + (yy / h - 0.5) * np.sin(ang))
    a = a * (gain * (1 + ramp * t))[:, :, None]
    a = a * np.array([r.uniform(0.9, 1.1), r.uniform(0.93, 1.07), r.uniform(0.88, 1.12)], dtype=np.float32)[None, None, :]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    kind = r.random()
    if kind < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(radius=r.uniform(0, blur_max)))
    elif kind < 0.7:  # motion blur along x or y
        k = r.choice([3, 5])
        kernel = [0] * (k * k)
        horizontal = r.random() < 0.5
        for i in range(k):
            kernel[(k // 2) * k + i if horizontal else i * k + k // 2] = 1
        img = img.filter(ImageFilter.Kernel((k, k), kernel, scale=k))
    a = np.asarray(img, dtype=np.float32)
    a = a + rng.normal(0, r.uniform(0, noise_max), a.shape).astype(np.float32)
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=r.randint(35, 92))
    buf.seek(0)
    return Image.open(buf).convert("RGB")
