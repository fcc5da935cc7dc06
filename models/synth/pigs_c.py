"""A third way of drawing livestock scenes ("renderer C"), kept out of all training: the committed counting
model, trained on renderers A (models/synth/pigs.py, flat sprites on 2D textures) and B (pigs3d.py, ray-cast
ellipsoid bodies), is judged here on pictures neither of its generators drew.

How it differs from both: each animal is a low-poly solid, a pig-shaped outline (rump, barrel, shoulders,
neck, head, snout) extruded to its height and projected through a perspective camera as polygons, painted
far to near (walls flat-shaded by their facing to the light, the back shaded in bands to look rounded);
some lie down (lower, wider); coats are its own (roan speckle, patches, dark with a pale face, red-brown,
grey-pink). The scene has things A and B never drew: farm workers standing among the animals (not to be
counted), hay bales, buckets and water troughs, gate bars across the foreground; floors of cobbles, wooden
planks, metal grating and straw litter drawn as strands. The picture is what a cheap CCTV camera makes of
it: barrel (fisheye) distortion, a timestamp overlay, blown highlights or an infrared night picture, a
sub-stream's softness and heavy JPEG.

The label is the projection of each body's centre at half its height (as A's and B's). Seeds at or above
9,000,000 are for evaluation, as everywhere in models/.
"""
import io
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

COATS = {
    "grey_pink": ((206, 170, 160), None),
    "red_brown": ((150, 78, 42), None),
    "roan": ((178, 140, 128), "roan"),
    "patched": ((222, 196, 182), "patches"),
    "dark_pale_face": ((52, 44, 46), "face"),
    "sandy": ((200, 168, 112), None),
}
FLOORS = ["cobbles", "planks", "grating", "straw_litter"]
SS = 2  # supersampling of the canvas


class _Camera:
    def __init__(self, r: random.Random, w: int, h: int, reach: float):
        self.w, self.h = w, h
        self.pitch = math.radians(r.uniform(35, 88))
        self.hfov = math.radians(r.uniform(60, 100))
        self.f = (w / 2) / math.tan(self.hfov / 2)
        # High enough that the herd's ground fits the view.
        self.height = max(2.5, reach * r.uniform(0.45, 0.7) * (0.6 + 0.4 * math.sin(self.pitch)))
        p = self.pitch
        self.fwd = np.array([0.0, math.cos(p), -math.sin(p)])
        self.right = np.array([1.0, 0.0, 0.0])
        self.up = np.array([0.0, math.sin(p), math.cos(p)])
        self.pos = np.array([0.0, 0.0, self.height])

    def project(self, pts: np.ndarray) -> np.ndarray:
        """World points (N, 3) to canvas pixels (N, 2); points behind the camera are pushed far out."""
        d = pts - self.pos
        z = np.maximum(d @ self.fwd, 1e-3)
        u = self.w / 2 + self.f * (d @ self.right) / z
        v = self.h / 2 - self.f * (d @ self.up) / z
        return np.stack([u, v], axis=1)

    def depth(self, pts: np.ndarray) -> np.ndarray:
        return (pts - self.pos) @ self.fwd

    def ground(self, u: float, v: float):
        ray = self.fwd + ((u - self.w / 2) / self.f) * self.right - ((v - self.h / 2) / self.f) * self.up
        if ray[2] > -1e-3:
            return None
        t = -self.height / ray[2]
        return self.pos + t * ray


def _outline(length: float, width: float, lying: bool) -> np.ndarray:
    """A pig seen from above, nose towards +x: (N, 2) in metres."""
    xs = np.linspace(-0.5, 0.5, 17)
    # Half-width along the body: rounded rump, full barrel, shoulders, narrower neck, tapering head and snout.
    prof = np.interp(xs, [-0.5, -0.42, -0.2, 0.1, 0.22, 0.3, 0.42, 0.5], [0.05, 0.38, 0.5, 0.48, 0.4, 0.3, 0.16, 0.08])
    if lying:
        prof = prof * 1.25
    right = np.stack([xs * length, -prof * width], axis=1)
    left = np.stack([xs[::-1] * length, prof[::-1] * width], axis=1)
    return np.concatenate([right, left])


def _place(r: random.Random, cam: _Camera, n: int, length: float):
    """Ground positions (x, y) of n animals inside the view, spaced, most of the body in the picture."""
    spacing = length * 0.75
    placed: list[tuple[float, float]] = []
    tries = 0
    while len(placed) < n and tries < n * 400:
        tries += 1
        g = cam.ground(r.uniform(0.02, 0.98) * cam.w, r.uniform(0.02, 0.98) * cam.h)
        if g is None or math.hypot(g[0], g[1]) > 60:
            continue
        if all((g[0] - px) ** 2 + (g[1] - py) ** 2 >= spacing**2 for px, py in placed):
            placed.append((float(g[0]), float(g[1])))
        if tries % (n * 50) == 0:
            spacing *= 0.85  # a packed pen: let them crowd
    return placed


def _floor(r: random.Random, cam: _Camera, kind: str) -> Image.Image:
    w, h = cam.w, cam.h
    # The ground coordinates of every canvas pixel (at a quarter resolution, then scaled: floors are smooth).
    qs = 4
    us, vs = np.meshgrid(np.arange(0, w, qs) + qs / 2, np.arange(0, h, qs) + qs / 2)
    rays = cam.fwd[None, None, :] + ((us - w / 2) / cam.f)[..., None] * cam.right + (-(vs - h / 2) / cam.f)[..., None] * cam.up
    rz = np.minimum(rays[..., 2], -1e-3)
    t = -cam.height / rz
    gx = cam.pos[0] + t * rays[..., 0]
    gy = cam.pos[1] + t * rays[..., 1]
    r.randint(0, 2**31)  # (a seed once drawn here: kept, so that the scenes stay as they were evaluated)
    base = np.array([r.uniform(90, 150), r.uniform(80, 130), r.uniform(60, 110)])
    if kind == "cobbles":
        # Stones on a grid of cells, each cell's centre shifted by a hash of the cell, with dark mortar.
        size = r.uniform(0.18, 0.32)
        cells_x = np.floor(gx / size)
        cells_y = np.floor(gy / size)
        jx = np.sin(cells_x * 12.9898 + cells_y * 78.233) * 43758.5453 % 1
        jy = np.sin(cells_x * 39.346 + cells_y * 11.135) * 23421.631 % 1
        fx = gx / size - cells_x - np.abs(jx) * 0.5 - 0.25
        fy = gy / size - cells_y - np.abs(jy) * 0.5 - 0.25
        d = np.sqrt(fx**2 + fy**2)
        tone = 0.75 + 0.35 * (np.abs(np.sin(cells_x * 3.1 + cells_y * 7.7)))
        img = base[None, None, :] * tone[..., None] * (1 - 0.55 * np.clip((d - 0.42) * 6, 0, 1))[..., None]
    elif kind == "planks":
        width = r.uniform(0.15, 0.3)
        along = gx if r.random() < 0.5 else gy
        across = gy if along is gx else gx
        idx = np.floor(across / width)
        grain = 0.85 + 0.1 * np.sin(along * 9 + idx * 5.3) + 0.05 * np.sin(along * 31 + idx)
        gap = (np.abs(across / width - idx - 0.5) > 0.46).astype(float)
        wood = np.array([r.uniform(120, 170), r.uniform(85, 120), r.uniform(50, 80)])
        img = wood[None, None, :] * (grain * (1 - 0.6 * gap))[..., None] * (0.9 + 0.2 * (np.sin(idx * 2.7) * 0.5 + 0.5))[..., None]
    elif kind == "grating":
        pitch = r.uniform(0.04, 0.08)
        bars = (np.abs(((gx / pitch) % 1) - 0.5) > 0.3) | (np.abs(((gy / (pitch * 4)) % 1) - 0.5) > 0.44)
        metal = np.array([r.uniform(120, 160)] * 3) * np.array([1.0, 1.0, r.uniform(1.0, 1.08)])
        pit = np.array([25, 22, 20])
        img = np.where(bars[..., None], metal[None, None, :], pit[None, None, :]).astype(float)
    else:  # straw_litter: a warm base; strands are drawn as lines below
        img = np.array([r.uniform(170, 210), r.uniform(140, 170), r.uniform(70, 100)])[None, None, :] * (0.85 + 0.15 * np.sin(gx * 3 + np.cos(gy * 2.3)))[..., None]
    # Far ground fades to a haze; above the horizon: a wall.
    far = np.clip((t - 25) / 40, 0, 1)[..., None]
    img = img * (1 - far) + far * np.array([150, 150, 145])
    img = np.where((rays[..., 2] > -1e-3)[..., None], np.array([110, 105, 100]), img)
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).resize((w, h), Image.BILINEAR)
    if kind == "straw_litter":
        d = ImageDraw.Draw(out)
        for _ in range(int(w * h / 250)):
            x, y = r.uniform(0, w), r.uniform(0, h)
            g = cam.ground(x, y)
            if g is None:
                continue
            a = r.uniform(0, math.pi)
            tip = cam.project(np.array([[g[0] + 0.12 * math.cos(a), g[1] + 0.12 * math.sin(a), 0.0]]))[0]
            c = int(r.uniform(190, 240))
            d.line([(x, y), (float(tip[0]), float(tip[1]))], fill=(c, int(c * 0.85), int(c * 0.45)), width=max(1, SS))
    return out


def _shade(colour, k: float):
    return tuple(int(max(0, min(255, c * k))) for c in colour)


def _draw_pig(canvas: Image.Image, cam: _Camera, r: random.Random, x: float, y: float, yaw: float, size: dict, coat: str, light: np.ndarray):
    length, width, height = size["length"], size["width"], size["height"]
    lying = size["lying"]
    base_colour, pattern = COATS[coat]
    base_colour = tuple(int(c * r.uniform(0.9, 1.08)) for c in base_colour)
    out2 = _outline(length, width, lying)
    c, s = math.cos(yaw), math.sin(yaw)
    world = np.stack([x + out2[:, 0] * c - out2[:, 1] * s, y + out2[:, 0] * s + out2[:, 1] * c], axis=1)
    low = 0.0 if lying else height * 0.22
    top = height
    bottom3 = np.concatenate([world, np.full((len(world), 1), low)], axis=1)
    top3 = np.concatenate([world, np.full((len(world), 1), top)], axis=1)
    pb, pt = cam.project(bottom3), cam.project(top3)
    d = ImageDraw.Draw(canvas)
    if not lying:
        # Legs: four dark posts under the body.
        for lx, ly in [(-0.3, -0.3), (-0.3, 0.3), (0.25, -0.3), (0.25, 0.3)]:
            gx = x + lx * length * c - ly * width * s
            gy = y + lx * length * s + ly * width * c
            p = cam.project(np.array([[gx, gy, 0.0], [gx, gy, low]]))
            d.line([tuple(p[0]), tuple(p[1])], fill=_shade(base_colour, 0.45), width=max(1, int(cam.f * 0.06 / max(cam.depth(np.array([[gx, gy, 0.0]]))[0], 0.5))))
    # Walls, far to near.
    n = len(world)
    walls = []
    for i in range(n):
        j = (i + 1) % n
        edge = world[j] - world[i]
        normal = np.array([edge[1], -edge[0], 0.0])
        normal /= np.linalg.norm(normal) + 1e-9
        mid = np.array([[(world[i][0] + world[j][0]) / 2, (world[i][1] + world[j][1]) / 2, (low + top) / 2]])
        walls.append((cam.depth(mid)[0], i, j, normal))
    walls.sort(key=lambda w: -w[0])
    for _, i, j, normal in walls:
        k = 0.45 + 0.55 * max(0.0, float(normal @ light))
        d.polygon([tuple(pb[i]), tuple(pb[j]), tuple(pt[j]), tuple(pt[i])], fill=_shade(base_colour, k))
    # The back in bands, lighter towards the ridge: a rounded look from flat polygons.
    centre = np.array([x, y])
    for band, k in enumerate([0.8, 0.9, 1.0, 1.08]):
        shrink = 1 - band * 0.22
        ring = centre + (world - centre) * shrink
        ring3 = np.concatenate([ring, np.full((n, 1), top + band * height * 0.04)], axis=1)
        d.polygon([tuple(p) for p in cam.project(ring3)], fill=_shade(base_colour, k * (0.8 + 0.3 * max(0.0, light[2]))))
    # Coat patterns, on the back.
    if pattern == "roan":
        for _ in range(40):
            a, b = r.uniform(-0.4, 0.4), r.uniform(-0.35, 0.35)
            px = x + a * length * c - b * width * s
            py = y + a * length * s + b * width * c
            p = cam.project(np.array([[px, py, top]]))[0]
            rad = max(1.0, cam.f * 0.02 / max(cam.depth(np.array([[px, py, top]]))[0], 0.5))
            d.ellipse([p[0] - rad, p[1] - rad, p[0] + rad, p[1] + rad], fill=(70, 50, 48))
    elif pattern == "patches":
        for _ in range(r.randint(1, 3)):
            a, b = r.uniform(-0.3, 0.3), r.uniform(-0.25, 0.25)
            patch = np.array([[a + 0.12 * math.cos(t), b + 0.2 * math.sin(t)] for t in np.linspace(0, 2 * math.pi, 9)])
            pw = np.stack([x + patch[:, 0] * length * c - patch[:, 1] * width * s, y + patch[:, 0] * length * s + patch[:, 1] * width * c], axis=1)
            pp = cam.project(np.concatenate([pw, np.full((9, 1), top + height * 0.13)], axis=1))
            d.polygon([tuple(p) for p in pp], fill=(40, 34, 36))
    # Head: ears and, for dark coats with a pale face, the face.
    for side in (-1, 1):
        a, b = 0.3, side * 0.22
        ear = np.array([[a, b], [a + 0.1, b + side * 0.12], [a + 0.12, b - side * 0.02]])
        ew = np.stack([x + ear[:, 0] * length * c - ear[:, 1] * width * s, y + ear[:, 0] * length * s + ear[:, 1] * width * c], axis=1)
        ep = cam.project(np.concatenate([ew, np.full((3, 1), top + height * 0.1)], axis=1))
        d.polygon([tuple(p) for p in ep], fill=_shade(base_colour, 0.7))
    if pattern == "face":
        face = np.array([[0.36, -0.1], [0.5, -0.05], [0.5, 0.05], [0.36, 0.1]])
        fw = np.stack([x + face[:, 0] * length * c - face[:, 1] * width * s, y + face[:, 0] * length * s + face[:, 1] * width * c], axis=1)
        fp = cam.project(np.concatenate([fw, np.full((4, 1), top * 0.95)], axis=1))
        d.polygon([tuple(p) for p in fp], fill=(225, 205, 195))


def _draw_worker(canvas: Image.Image, cam: _Camera, r: random.Random, x: float, y: float):
    """A person standing in the pen: legs, a jacket, a head; not an animal."""
    d = ImageDraw.Draw(canvas)
    jacket = r.choice([(40, 60, 110), (30, 90, 50), (160, 60, 30), (200, 200, 190)])
    pts = cam.project(np.array([[x, y, 0.0], [x, y, 0.9], [x, y, 1.5], [x, y, 1.72]]))
    depth = max(cam.depth(np.array([[x, y, 1.0]]))[0], 0.5)
    wpx = cam.f * 0.22 / depth
    d.line([tuple(pts[0]), tuple(pts[1])], fill=(35, 35, 45), width=max(1, int(wpx)))
    d.line([tuple(pts[1]), tuple(pts[2])], fill=jacket, width=max(1, int(wpx * 1.8)))
    hr = cam.f * 0.11 / depth
    d.ellipse([pts[3][0] - hr, pts[3][1] - hr, pts[3][0] + hr, pts[3][1] + hr], fill=(200, 160, 130))


def _draw_prop(canvas: Image.Image, cam: _Camera, r: random.Random, x: float, y: float):
    """A hay bale, a water trough or a bucket: boxes and cylinders on the floor."""
    d = ImageDraw.Draw(canvas)
    kind = r.choice(["bale", "trough", "bucket"])
    if kind == "bucket":
        ring = np.array([[x + 0.15 * math.cos(t), y + 0.15 * math.sin(t), 0.3] for t in np.linspace(0, 2 * math.pi, 12)])
        d.polygon([tuple(p) for p in cam.project(ring)], fill=r.choice([(200, 40, 40), (40, 80, 180), (230, 200, 40)]))
        return
    lx, ly, hz = (1.2, 0.5, 0.4) if kind == "bale" else (2.0, 0.35, 0.35)
    yaw = r.uniform(0, math.pi)
    c, s = math.cos(yaw), math.sin(yaw)
    corners = [(a * lx / 2, b * ly / 2) for a, b in [(-1, -1), (1, -1), (1, 1), (-1, 1)]]
    foot = [(x + a * c - b * s, y + a * s + b * c) for a, b in corners]
    colour = (210, 180, 90) if kind == "bale" else (150, 150, 155)
    for i in range(4):
        j = (i + 1) % 4
        q = cam.project(np.array([[*foot[i], 0], [*foot[j], 0], [*foot[j], hz], [*foot[i], hz]]))
        d.polygon([tuple(p) for p in q], fill=_shade(colour, 0.7 + 0.1 * i))
    q = cam.project(np.array([[*f, hz] for f in foot]))
    d.polygon([tuple(p) for p in q], fill=colour if kind == "bale" else (60, 90, 110))


def _barrel(img: Image.Image, points: list, k: float):
    """A wide CCTV lens: the picture bowed outwards from its centre; points moved alike."""
    if k <= 0:
        return img, points
    w, h = img.size
    a = np.asarray(img)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    nx, ny = (xs - w / 2) / (w / 2), (ys - h / 2) / (w / 2)
    rr = nx * nx + ny * ny
    # Output pixel at radius r shows the source at r * (1 + k r^2) / (1 + k): the middle of the left and right
    # edges stays put, the corners reach beyond the picture and repeat its edge (a fisheye's smeared corners).
    norm = 1 + k * 0.5625 * 1.0 + k * 0.4375  # = 1 + k, written as it was when the sets were evaluated
    scale = (1 + k * rr) / norm
    sx = np.clip(nx * scale * (w / 2) + w / 2, 0, w - 1).astype(np.int32)
    sy = np.clip(ny * scale * (w / 2) + h / 2, 0, h - 1).astype(np.int32)
    out = Image.fromarray(a[sy, sx])
    moved = []
    for px, py in points:
        tx, ty = (px - w / 2) / (w / 2), (py - h / 2) / (w / 2)
        # Invert src = dst * (1 + k |dst|^2) / norm by fixed-point iteration.
        dx, dy = tx, ty
        for _ in range(30):
            f = (1 + k * (dx * dx + dy * dy)) / norm
            dx, dy = tx / f, ty / f
        moved.append((dx * (w / 2) + w / 2, dy * (w / 2) + h / 2))
    return out, moved


def _osd(img: Image.Image, r: random.Random):
    d = ImageDraw.Draw(img)
    path = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
    size = max(8, img.size[1] // 22)
    font = ImageFont.truetype(path, size) if os.path.exists(path) else ImageFont.load_default()
    text = f"20{r.randint(20, 26)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}  CAM{r.randint(1, 16):02d}"
    x, y = (4, 3) if r.random() < 0.6 else (4, img.size[1] - size - 6)
    d.text((x, y), text, font=font, fill=(255, 255, 255), stroke_width=1, stroke_fill=(0, 0, 0))


def pig_scene_c(seed: int, width: int = 320, height: int = 240, count: int | None = None, meta: dict | None = None):
    """Returns (RGB image, [[x, y], ...] body centres in pixels)."""
    r = random.Random(seed)
    n = count if count is not None else r.randint(0, 70)
    length = r.uniform(0.9, 1.4)
    w, h = width * SS, height * SS
    cam = _Camera(r, w, h, reach=max(5.0, math.sqrt(n) * length * r.uniform(1.4, 2.2)))
    floor = r.choice(FLOORS)
    canvas = _floor(r, cam, floor)
    coats = r.sample(list(COATS), k=r.choice([1, 1, 2, 3]))
    positions = _place(r, cam, n, length)
    sun = np.array([r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(0.4, 1.2)])
    sun /= np.linalg.norm(sun)
    herd_yaw = r.uniform(0, 2 * math.pi) if r.random() < 0.3 else None
    things = []
    for gx, gy in positions:
        lying = r.random() < 0.25
        yaw = (herd_yaw + r.gauss(0, 0.2)) if herd_yaw is not None else r.uniform(0, 2 * math.pi)
        size = {"length": length * r.uniform(0.85, 1.15), "width": length * r.uniform(0.33, 0.42), "height": length * (0.32 if lying else r.uniform(0.5, 0.62)), "lying": lying}
        things.append(("pig", gx, gy, yaw, size, r.choice(coats)))
    for _ in range(r.choice([0, 0, 0, 1, 1, 2])):
        g = cam.ground(r.uniform(0.1, 0.9) * w, r.uniform(0.2, 0.95) * h)
        if g is not None:
            things.append(("worker", g[0], g[1], 0, None, None))
    for _ in range(r.choice([0, 1, 2, 3])):
        g = cam.ground(r.uniform(0, 1) * w, r.uniform(0.1, 1) * h)
        if g is not None:
            things.append(("prop", g[0], g[1], 0, None, None))
    # Soft shadows on the floor first, then everything far to near.
    shadow = Image.new("L", (w, h), 0)
    sd = ImageDraw.Draw(shadow)
    for kind, gx, gy, _, size, _ in things:
        if kind != "pig":
            continue
        off = -sun[:2] / max(sun[2], 0.3) * size["height"] * 0.5
        ring = np.array([[gx + off[0] + 0.5 * size["length"] * math.cos(t), gy + off[1] + 0.5 * size["length"] * math.sin(t), 0.0] for t in np.linspace(0, 2 * math.pi, 12)])
        sd.polygon([tuple(p) for p in cam.project(ring)], fill=int(110 * sun[2]))
    shadow = shadow.filter(ImageFilter.GaussianBlur(4 * SS))
    canvas = Image.composite(Image.new("RGB", (w, h), (0, 0, 0)), canvas, shadow)
    things.sort(key=lambda t: -cam.depth(np.array([[t[1], t[2], 0.0]]))[0])
    points = []
    for kind, gx, gy, yaw, size, coat in things:
        if kind == "pig":
            _draw_pig(canvas, cam, r, gx, gy, yaw, size, coat, sun)
            points.append(tuple(cam.project(np.array([[gx, gy, size["height"] / 2]]))[0] / SS))
        elif kind == "worker":
            _draw_worker(canvas, cam, r, gx, gy)
        else:
            _draw_prop(canvas, cam, r, gx, gy)
    # Gate bars across the foreground, now and then.
    if r.random() < 0.25:
        d = ImageDraw.Draw(canvas)
        colour = (r.randint(60, 120),) * 3
        for i in range(r.randint(2, 4)):
            x = (i + r.uniform(0.2, 0.8)) * w / 4
            d.line([(x, 0), (x + r.uniform(-20, 20), h)], fill=colour, width=r.randint(3, 7) * SS)
    img = canvas.resize((width, height), Image.LANCZOS)
    img, points = _barrel(img, points, r.choice([0.0, r.uniform(0.05, 0.3)]))
    points = [[float(x), float(y)] for x, y in points if 0 <= x < width and 0 <= y < height]
    a = np.asarray(img).astype(np.float32)
    night = r.random() < 0.2
    if night:
        grey = a.mean(axis=2, keepdims=True)
        ys, xs = np.mgrid[0:height, 0:width]
        glow = 1.4 - 0.9 * (((xs - width / 2) / width) ** 2 + ((ys - height / 2) / height) ** 2) * 2
        a = np.repeat(np.clip(grey * glow[..., None] * r.uniform(0.9, 1.3), 0, 255), 3, axis=2)
    else:
        a = a * np.array([r.uniform(0.85, 1.15), r.uniform(0.9, 1.1), r.uniform(0.8, 1.2)]) * r.uniform(0.8, 1.5)  # white balance, exposure
        a = np.minimum(a, 255)  # blown highlights
    a = a + np.random.default_rng(seed).normal(0, r.uniform(2, 10), a.shape)
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if r.random() < 0.5:
        # A sub-stream: drawn small, shown large.
        f = r.uniform(0.5, 0.8)
        img = img.resize((int(width * f), int(height * f)), Image.BILINEAR).resize((width, height), Image.BILINEAR)
    _osd(img, r)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=r.randint(20, 80))
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    if meta is not None:
        meta.update({"renderer": "c", "floor": floor, "coats": coats, "pitch": round(math.degrees(cam.pitch)), "night": night, "lying": sum(1 for t in things if t[0] == "pig" and t[4]["lying"]), "workers": sum(1 for t in things if t[0] == "worker")})
    return img, points
