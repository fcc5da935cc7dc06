"""A second, independent way of drawing livestock scenes ("renderer B"), so that counting is judged on
pictures its training generator (models/synth/pigs.py, "renderer A": flat sprites pasted on 2D textures)
never drew.

Here every animal is a body in 3D — a torso, head, snout, ears and legs made of ellipsoids — standing on a
ground plane, seen through a pinhole camera placed at a height and pitch with a field of view and a mild
lens distortion; each pixel's ray is intersected with the bodies and the ground, lit by a sun (Lambert,
a specular highlight on wet skin, sky light) with cast shadows computed by rays towards the sun and contact
darkening under each animal. Floors are textures in world coordinates (so their perspective is real):
slatted concrete, rubber matting, sawdust, wet concrete with puddles, packed earth, grass. The photo goes
through a camera model of its own: exposure, vignetting, chromatic aberration, defocus, shot and read
noise, an infrared night mode, JPEG. Coats: a palette and skin patterns of its own.

The label is the projection of each torso's centre (the body centre, as renderer A's). Seeds at or above
9,000,000 are for evaluation, as everywhere in models/.
"""
import io
import math
import random

import numpy as np
from PIL import Image, ImageFilter

# Coat colours (linear-ish RGB 0-1) and how the skin is patterned: their own palette, not renderer A's.
COATS = {
    "pink": ((0.93, 0.68, 0.62), None),
    "cream": ((0.92, 0.86, 0.76), None),
    "ginger": ((0.72, 0.36, 0.18), None),
    "charcoal": ((0.16, 0.15, 0.16), None),
    "spotted": ((0.90, 0.72, 0.66), "spots"),
    "saddleback": ((0.14, 0.13, 0.14), "saddle"),
    "soiled": ((0.80, 0.62, 0.52), "soil"),
}
FLOORS = ["slatted", "rubber", "sawdust", "wet_concrete", "earth", "grass"]


def _rot_z(yaw: float) -> np.ndarray:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _value_noise(x: np.ndarray, y: np.ndarray, seed: int, octaves: int = 3) -> np.ndarray:
    """Smooth noise in [0, 1] at world coordinates (hash of integer lattice, bilinear, summed octaves)."""
    total = np.zeros_like(x)
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        f = 2.0**o
        xi, yi = np.floor(x * f), np.floor(y * f)
        fx, fy = x * f - xi, y * f - yi
        fx, fy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)

        def h(ix, iy):
            v = np.sin(ix * 127.1 + iy * 311.7 + (seed + o * 97) * 74.7) * 43758.5453
            return v - np.floor(v)

        a, b = h(xi, yi), h(xi + 1, yi)
        c, d = h(xi, yi + 1), h(xi + 1, yi + 1)
        total += amp * ((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy)
        norm += amp
        amp *= 0.5
    return total / norm


def _floor_colour(kind: str, gx: np.ndarray, gy: np.ndarray, seed: int, r: random.Random):
    """Albedo (N,3) and wetness (N,) of the ground at world points."""
    n = _value_noise(gx * 1.7, gy * 1.7, seed)
    fine = _value_noise(gx * 23.0, gy * 23.0, seed + 5, 2)
    wet = np.zeros_like(gx)
    if kind == "slatted":
        pitch, gap = r.uniform(0.12, 0.2), r.uniform(0.015, 0.03)
        ang = r.uniform(0, math.pi)
        u = (gx * math.cos(ang) + gy * math.sin(ang)) % pitch
        base = np.where(u < gap, 0.06, 0.42 + 0.12 * n - 0.1 * fine)
        col = base[:, None] * np.array([1.0, 0.98, 0.93])
    elif kind == "rubber":
        tile = r.uniform(0.8, 1.4)
        seam = (np.abs((gx % tile) - tile / 2) > tile / 2 - 0.01) | (np.abs((gy % tile) - tile / 2) > tile / 2 - 0.01)
        dots = ((gx * 18) % 1 - 0.5) ** 2 + ((gy * 18) % 1 - 0.5) ** 2 < 0.05
        base = 0.13 + 0.05 * n + 0.04 * dots - 0.06 * seam
        col = base[:, None] * np.array([1.0, 1.0, 1.05])
    elif kind == "sawdust":
        base = 0.62 + 0.12 * n + 0.14 * (fine - 0.5)
        col = base[:, None] * np.array([1.0, 0.85, 0.62])
    elif kind == "wet_concrete":
        base = 0.45 + 0.1 * n + 0.05 * (fine - 0.5)
        puddle = _value_noise(gx * 0.6, gy * 0.6, seed + 9) > r.uniform(0.55, 0.7)
        base = np.where(puddle, base * 0.55, base)
        wet = np.where(puddle, 1.0, 0.25)
        col = base[:, None] * np.array([0.95, 0.97, 1.0])
    elif kind == "earth":
        base = 0.33 + 0.15 * n + 0.08 * (fine - 0.5)
        col = base[:, None] * np.array([1.0, 0.78, 0.55])
    else:  # grass, patchy
        g = _value_noise(gx * 3.0, gy * 3.0, seed + 3)
        col = np.where((g > 0.45)[:, None], np.array([0.22, 0.38, 0.12]) * (0.8 + 0.4 * fine)[:, None], np.array([0.4, 0.32, 0.2]) * (0.8 + 0.4 * fine)[:, None])
    return np.clip(col, 0, 1), wet


class Ellipsoid:
    """An axis-aligned ellipsoid (half-axes `axes`) rotated by `rot` about its centre; part `part` of animal `owner`."""

    def __init__(self, centre, axes, rot, owner: int, part: str, colour, pattern, seed: int):
        self.c = np.asarray(centre, dtype=np.float64)
        self.axes = np.asarray(axes, dtype=np.float64)
        self.rot = rot
        self.owner, self.part, self.colour, self.pattern, self.seed = owner, part, np.asarray(colour), pattern, seed
        self.radius = float(self.axes.max())

    def intersect(self, origin: np.ndarray, dirs: np.ndarray) -> np.ndarray:
        """Nearest positive hit distance along each ray (inf where missed)."""
        o = ((origin - self.c) @ self.rot) / self.axes
        d = (dirs @ self.rot) / self.axes
        a = (d * d).sum(1)
        b = 2 * (d @ o) if o.ndim == 1 else 2 * (d * o).sum(1)
        cc = (o * o).sum(-1) - 1
        disc = b * b - 4 * a * cc
        t = np.full(len(dirs), np.inf)
        ok = disc > 0
        sq = np.sqrt(np.where(ok, disc, 0))
        t1 = (-b - sq) / (2 * a)
        t2 = (-b + sq) / (2 * a)
        t_hit = np.where(t1 > 1e-4, t1, np.where(t2 > 1e-4, t2, np.inf))
        t[ok] = t_hit[ok]
        return t

    def normal_and_local(self, points: np.ndarray):
        local = ((points - self.c) @ self.rot) / self.axes
        n = (local / self.axes) @ self.rot.T
        return n / np.linalg.norm(n, axis=1, keepdims=True), local


def _animal(i: int, x: float, y: float, yaw: float, length: float, coat, r: random.Random) -> list[Ellipsoid]:
    """One pig as ellipsoids: torso, head, snout, two ears, four legs."""
    colour, pattern = coat
    tone = np.clip(np.asarray(colour) * r.uniform(0.85, 1.12), 0, 1)
    rot = _rot_z(yaw)
    half = length / 2
    width = length * r.uniform(0.3, 0.38)
    height = length * r.uniform(0.3, 0.36)
    leg = height * 0.55
    body_z = leg + height / 2 * 0.85
    fwd = rot @ np.array([1.0, 0, 0])
    side = rot @ np.array([0, 1.0, 0])
    base = np.array([x, y, 0.0])
    s = r.randint(0, 10_000)
    parts = [Ellipsoid(base + [0, 0, body_z], (half, width / 2, height / 2), rot, i, "torso", tone, pattern, s)]
    head_c = base + fwd * (half * 0.95) + [0, 0, body_z - height * 0.05]
    head_yaw = yaw + r.gauss(0, 0.35)
    hrot = _rot_z(head_yaw)
    hf = hrot @ np.array([1.0, 0, 0])
    parts.append(Ellipsoid(head_c, (length * 0.17, width * 0.36, height * 0.36), hrot, i, "head", tone, pattern, s))
    parts.append(Ellipsoid(head_c + hf * length * 0.16 - [0, 0, height * 0.08], (length * 0.05, width * 0.16, height * 0.14), hrot, i, "snout", np.clip(tone * [1.0, 0.82, 0.82], 0, 1), None, s))
    for sgn in (-1, 1):
        parts.append(Ellipsoid(head_c + hrot @ np.array([0.0, sgn * width * 0.22, 0]) + [0, 0, height * 0.22], (length * 0.06, width * 0.12, height * 0.04), hrot @ _rot_z(sgn * 0.5), i, "ear", tone * 0.92, None, s))
    for fx in (0.6, -0.6):
        for sgn in (-1, 1):
            foot = base + fwd * half * fx + side * sgn * width * 0.28
            parts.append(Ellipsoid(foot + [0, 0, leg / 2 + 0.01], (length * 0.05, length * 0.05, leg / 2 + 0.02), rot, i, "leg", tone * 0.8, None, s))
    return parts


def _camera(r: random.Random, width: int, height: int, area_m2: float):
    """A pinhole camera (position, world-from-camera rotation, focal length in pixels) seeing about `area_m2` of ground."""
    pitch = math.radians(r.uniform(38, 90))  # down from horizontal; 90 = straight down
    fov = math.radians(r.uniform(55, 95))
    f = (width / 2) / math.tan(fov / 2)
    # Height so that the footprint (roughly) covers the area the herd needs.
    span = math.sqrt(area_m2 * width / height)
    h = span / (2 * math.tan(fov / 2)) * math.sin(pitch) ** 0.7
    h = min(14.0, max(2.2, h * r.uniform(0.9, 1.1)))
    yaw = r.uniform(0, 2 * math.pi)
    # Camera axes: x right, y down, z forward (looking along yaw, pitched down).
    forward = np.array([math.cos(yaw) * math.cos(pitch), math.sin(yaw) * math.cos(pitch), -math.sin(pitch)])
    right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    if abs(pitch - math.pi / 2) < 1e-3:
        right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    down = np.cross(forward, right)
    rot = np.stack([right, down, forward], axis=1)
    # Look at the ground point ahead: place the camera back from the origin.
    dist = h / math.tan(pitch) if pitch < math.pi / 2 - 1e-3 else 0.0
    position = np.array([-math.cos(yaw) * dist, -math.sin(yaw) * dist, h])
    k1 = r.uniform(-0.12, 0.02)  # barrel (CCTV wide lenses) to none
    return position, rot, f, k1, {"pitch": round(math.degrees(pitch)), "fov": round(math.degrees(fov)), "height": round(h, 1)}


def _rays(width: int, height: int, rot: np.ndarray, f: float, k1: float) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = (xx + 0.5 - width / 2) / f, (yy + 0.5 - height / 2) / f
    rr = u * u + v * v
    u, v = u * (1 + k1 * rr), v * (1 + k1 * rr)
    d = np.stack([u, v, np.ones_like(u)], axis=-1).reshape(-1, 3) @ rot.T
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def _project(points: np.ndarray, position, rot, f, k1, width, height) -> np.ndarray:
    cam = (points - position) @ rot
    u, v = cam[:, 0] / cam[:, 2], cam[:, 1] / cam[:, 2]
    # Invert the distortion the rays applied (a few fixed-point steps).
    ud, vd = u.copy(), v.copy()
    for _ in range(8):
        rr = ud * ud + vd * vd
        ud, vd = u / (1 + k1 * rr), v / (1 + k1 * rr)
    return np.stack([ud * f + width / 2, vd * f + height / 2], axis=1), cam[:, 2]


def pig_scene_3d(seed: int, width: int = 320, height: int = 240, count: int | None = None, meta: dict | None = None):
    """Returns (RGB image, [[x, y], ...] body centres in pixels)."""
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    n = count if count is not None else r.randint(0, 70)
    length = r.uniform(0.95, 1.35)  # metres, nose to tail
    density = r.uniform(0.25, 0.55)  # share of the seen ground the herd covers
    camera_pos, camera_rot, f, k1, cam_meta = _camera(r, width, height, max(6.0, n * length * length * 0.36 / density))
    dirs = _rays(width, height, camera_rot, f, k1)
    # Where each pixel's ray meets the ground (rays above the horizon: none).
    t_ground = np.where(dirs[:, 2] < -1e-6, -camera_pos[2] / np.minimum(dirs[:, 2], -1e-6), np.inf)

    coats = r.sample(list(COATS), k=r.choice([1, 1, 2, 3]))
    aligned = r.random() < 0.35
    heading = r.uniform(0, 2 * math.pi)
    animals: list[list[Ellipsoid]] = []
    centres = []
    attempts = 0
    while len(animals) < n and attempts < n * 80:
        attempts += 1
        # A ground point seen inside the picture's margins, then an animal standing there.
        px, py = r.uniform(0.04, 0.96) * width, r.uniform(0.04, 0.96) * height
        k = int(py) * width + int(px)
        if not np.isfinite(t_ground[k]):
            continue
        g = camera_pos + dirs[k] * t_ground[k]
        L = length * r.uniform(0.85, 1.12)
        if any((g[0] - cx) ** 2 + (g[1] - cy) ** 2 < ((L + cl) * 0.42) ** 2 for cx, cy, cl in centres):
            continue
        yaw = heading + r.gauss(0, 0.3) if aligned else r.uniform(0, 2 * math.pi)
        body = _animal(len(animals), g[0], g[1], yaw, L, COATS[r.choice(coats)], r)
        (uv,), (depth,) = _project(body[0].c[None], camera_pos, camera_rot, f, k1, width, height)
        if depth <= 0 or not (0.02 * width <= uv[0] <= 0.98 * width and 0.02 * height <= uv[1] <= 0.98 * height):
            continue
        animals.append(body)
        centres.append((g[0], g[1], L))
    look = _Look(r)
    img = _render(animals, centres, (camera_pos, camera_rot, f, k1), dirs, t_ground, look, width, height, seed)
    img = _camera_photo(img, r, rng, look.night)
    labels = []
    for a in animals:
        (uv,), _ = _project(a[0].c[None], camera_pos, camera_rot, f, k1, width, height)
        labels.append([float(uv[0]), float(uv[1])])
    if meta is not None:
        meta.update(renderer="b", floor=look.floor, coats=coats, night=look.night, **cam_meta)
    return img, labels


class _Look:
    """What stays the same across a clip's frames: floor, light, shadow softness."""

    def __init__(self, r: random.Random):
        self.night = r.random() < 0.15
        el, az = math.radians(r.uniform(25, 80)), r.uniform(0, 2 * math.pi)
        self.sun = np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])
        self.sun_power, self.sky = (r.uniform(0.7, 1.1), r.uniform(0.25, 0.45)) if not self.night else (r.uniform(0.45, 0.7), 0.08)
        self.shadow_blur = r.uniform(0.6, 1.8)
        self.floor = r.choice(FLOORS)
        self.floor_seed = r.randint(0, 1 << 30)
        self.floor_cache = None


def _render(animals, centres, camera, dirs, t_ground, look: _Look, width: int, height: int, seed: int) -> np.ndarray:
    """Linear RGB (H, W, 3) of the animals on the floor, as the camera sees them."""
    camera_pos, camera_rot, f, k1 = camera
    parts = [p for a in animals for p in a]

    # Primary rays: nearest body part, else the ground.
    npx = width * height
    t_best = t_ground.copy()
    hit = np.full(npx, -1)
    if parts:
        centres3 = np.array([p.c for p in parts])
        uv, depth = _project(centres3, camera_pos, camera_rot, f, k1, width, height)
        for j, p in enumerate(parts):
            if depth[j] <= 0:
                continue
            rad = p.radius * f / depth[j] * 1.6 + 3
            x0, x1 = int(max(0, uv[j, 0] - rad)), int(min(width, uv[j, 0] + rad + 1))
            y0, y1 = int(max(0, uv[j, 1] - rad)), int(min(height, uv[j, 1] + rad + 1))
            if x0 >= x1 or y0 >= y1:
                continue
            idx = (np.arange(y0, y1)[:, None] * width + np.arange(x0, x1)[None, :]).ravel()
            t = p.intersect(camera_pos, dirs[idx])
            closer = t < t_best[idx]
            t_best[idx[closer]] = t[closer]
            hit[idx[closer]] = j
    points3 = camera_pos + dirs * np.where(np.isfinite(t_best), t_best, 0)[:, None]

    night, sun, sun_power, sky = look.night, look.sun, look.sun_power, look.sky
    if night:  # the camera's own infrared lamp, beside the lens
        sun = -dirs.mean(0) + np.array([0, 0, 0.3])
        sun /= np.linalg.norm(sun)

    # Shadows: anything between a visible point and the sun (bodies only; their bounding spheres first).
    shadow = np.zeros(npx)
    visible = np.isfinite(t_best)
    if parts and not night:
        torsos = [p for p in parts if p.part in ("torso", "head")]
        origins = points3[visible] + sun * 1e-3
        lit = np.ones(len(origins))
        for p in torsos:
            # Points whose sun ray passes near this body at all.
            rel = p.c - origins
            along = rel @ sun
            near = (along > 0) & ((rel * rel).sum(1) - along**2 < (p.radius * 1.05) ** 2)
            if not near.any():
                continue
            t = p.intersect(origins[near], np.broadcast_to(sun, (int(near.sum()), 3)).copy())
            blocked = np.isfinite(t)
            idx = np.flatnonzero(near)[blocked]
            lit[idx] = 0
        shadow[visible] = 1 - lit
        shadow = np.asarray(Image.fromarray((shadow.reshape(height, width) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(look.shadow_blur)), dtype=np.float64).ravel() / 255

    colour = np.zeros((npx, 3))
    ground = visible & (hit < 0)
    gi = np.flatnonzero(ground)
    # The floor does not move: its colour is worked out once for every pixel that shows ground.
    if look.floor_cache is None:
        seen = np.flatnonzero(np.isfinite(t_ground))
        g = camera_pos + dirs[seen] * t_ground[seen][:, None]
        full_albedo, full_wet = np.zeros((len(dirs), 3)), np.zeros(len(dirs))
        full_albedo[seen], full_wet[seen] = _floor_colour(look.floor, g[:, 0], g[:, 1], seed % 100_000, random.Random(look.floor_seed))
        look.floor_cache = (full_albedo, full_wet)
    albedo, wet = look.floor_cache[0][gi], look.floor_cache[1][gi]
    # Contact darkening under each animal (light the sun's shadow misses).
    occlusion = np.ones(len(gi))
    for cx, cy, cl in centres:
        d2 = ((points3[gi, 0] - cx) ** 2 + (points3[gi, 1] - cy) ** 2) / (cl * 0.45) ** 2
        occlusion *= 1 - 0.55 * np.exp(-d2 * 1.5)
    view = -dirs[gi]
    half_vec = (sun + view) / np.linalg.norm(sun + view, axis=1, keepdims=True)
    spec = wet * np.clip(half_vec[:, 2], 0, 1) ** 60 * 1.5
    direct = sun_power * max(0.0, sun[2]) * (1 - shadow[gi])
    colour[gi] = albedo * (direct + sky * occlusion)[:, None] + spec[:, None]

    bi = np.flatnonzero(hit >= 0)
    if len(bi):
        for j in np.unique(hit[bi]):
            p = parts[j]
            sel = bi[hit[bi] == j]
            normal, local = p.normal_and_local(points3[sel])
            base = np.broadcast_to(p.colour, (len(sel), 3)).copy()
            if p.pattern == "spots":
                s = _value_noise(local[:, 0] * 3 + 7, local[:, 1] * 3 + local[:, 2] * 2, p.seed) > 0.62
                base[s] = base[s] * 0.35
            elif p.pattern == "saddle":
                band = np.abs(local[:, 0] - 0.35) < 0.22
                base[band] = np.array([0.9, 0.86, 0.82])
            elif p.pattern == "soil":
                s = _value_noise(local[:, 0] * 4, local[:, 2] * 4 + local[:, 1], p.seed) > 0.5
                base[s] = base[s] * np.array([0.55, 0.45, 0.35])
            view = -dirs[sel]
            lambert = np.clip(normal @ sun, 0, 1) * (1 - shadow[sel])
            half_vec = (sun + view) / np.linalg.norm(sun + view, axis=1, keepdims=True)
            spec = np.clip((normal * half_vec).sum(1), 0, 1) ** 25 * 0.18
            skyl = sky * (0.6 + 0.4 * np.clip(normal[:, 2], 0, 1))
            colour[sel] = base * (sun_power * lambert + skyl)[:, None] + spec[:, None]
    # Above the horizon (a camera looking far): a wall.
    colour[~visible] = np.array([0.5, 0.5, 0.52]) * (0.7 + 0.3 * _value_noise(np.arange(npx) % width / 30.0, np.arange(npx) // width / 30.0, 3)[~visible])[:, None]

    return colour.reshape(height, width, 3)


def _camera_photo(linear: np.ndarray, r: random.Random, rng: np.random.Generator, night: bool) -> Image.Image:
    """The camera: exposure, white balance, vignetting, chromatic aberration, defocus, noise, gamma, JPEG."""
    h, w, _ = linear.shape
    img = linear * r.uniform(0.8, 1.35)
    if night:
        grey = img.mean(2, keepdims=True)
        img = np.repeat(grey, 3, axis=2)
    else:
        img = img * np.array([r.uniform(0.88, 1.12), 1.0, r.uniform(0.85, 1.15)])
    yy, xx = np.mgrid[0:h, 0:w]
    rr = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
    img = img * (1 - r.uniform(0.1, 0.45) * rr)[:, :, None]
    # Shot noise grows with the signal, read noise does not (more of both at night).
    level = r.uniform(0.003, 0.015) * (3 if night else 1)
    img = img + rng.normal(0, 1, img.shape) * np.sqrt(np.clip(img, 0, None) * level + (level / 3) ** 2)
    img = np.clip(img, 0, 1) ** (1 / 2.2)
    out = Image.fromarray((img * 255).astype(np.uint8))
    shift = r.choice([0, 0, 1])
    if shift:
        rch, gch, bch = out.split()
        out = Image.merge("RGB", (rch.transform(out.size, Image.AFFINE, (1, 0, shift, 0, 1, 0)), gch, bch.transform(out.size, Image.AFFINE, (1, 0, -shift, 0, 1, 0))))
    if r.random() < 0.6:
        out = out.filter(ImageFilter.GaussianBlur(r.uniform(0.3, 1.2)))
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=r.randint(45, 90))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def pig_walk_3d(seed: int, frames: int = 60, width: int = 320, height: int = 240, animals: int | None = None, render=None):
    """A clip of animals walking in file along a race or up a ramp, seen obliquely by a camera above it.

    Returns (frames, per-frame [[x, y], ...] centres in the picture, net number that crossed the picture's
    middle line upwards, the line as ((0, y), (width, y))) — the same as renderer A's pig_walk, so both are
    scored alike. Some animals stop, one in six turns back; they keep their distance (they do not pass
    through each other). render: the frame indices to draw (the others are walked but not drawn, their
    picture None): training keeps a few frames of each clip, and drawing is what costs.
    """
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    n = animals if animals is not None else r.randint(5, 14)
    length = r.uniform(0.95, 1.3)
    lanes = r.choice([1, 1, 2])
    # The camera looks along the race (+x in the world), from behind and above its middle.
    pitch = math.radians(r.uniform(45, 80))
    fov = math.radians(r.uniform(55, 80))
    f = (width / 2) / math.tan(fov / 2)
    h = r.uniform(6.0, 9.0)
    yaw = r.gauss(0, 0.12)
    forward = np.array([math.cos(yaw) * math.cos(pitch), math.sin(yaw) * math.cos(pitch), -math.sin(pitch)])
    right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    rot = np.stack([right, np.cross(forward, right), forward], axis=1)
    position = np.array([-h / math.tan(pitch), 0.0, h])
    k1 = r.uniform(-0.1, 0.0)
    dirs = _rays(width, height, rot, f, k1)
    t_ground = np.where(dirs[:, 2] < -1e-6, -position[2] / np.minimum(dirs[:, 2], -1e-6), np.inf)
    line_y = height * 0.5
    # The world x seen at the picture's middle line: animals start well before it.
    mid = position + dirs[int(line_y) * width + width // 2] * t_ground[int(line_y) * width + width // 2]
    coat = COATS[r.choice(list(COATS))]
    herd = []
    for i in range(n):
        lane = (i % lanes) - (lanes - 1) / 2
        herd.append({
            "L": length * r.uniform(0.9, 1.08),
            "y": lane * length * 0.55 + r.uniform(-0.08, 0.08),
            "x": mid[0] - length * 2.2 - (i // lanes) * length * 1.35 - r.uniform(0, length * 0.6),
            "speed": r.uniform(0.18, 0.3),  # metres a frame (5 fps: about 1-1.5 m/s)
            "turn": r.random() < 1 / 6,
            "stop": r.random() < 1 / 8,
            "dir": 1,
            "coat": coat if r.random() < 0.7 else COATS[r.choice(list(COATS))],
            "seed": r.randint(0, 1 << 30),
            "yaw_noise": r.gauss(0, 0.08),
        })
    for a in herd:
        a["turn_at"] = mid[0] + r.uniform(0.4, 1.2) if a["turn"] else None
        a["stop_at"] = mid[0] - r.uniform(0.8, 1.6) if a["stop"] else None
        a["stop_frames"] = r.randint(4, 15)
    look = _Look(r)
    photo = random.Random(seed * 1000)
    clip, centres = [], []
    above_before = {}
    net = 0
    for _ in range(frames):
        # Move, keeping a body's length to the animal ahead in the same lane (nobody walks through another).
        for i, a in enumerate(herd):
            if a["stop_at"] is not None and a["x"] >= a["stop_at"] and a["dir"] > 0 and a["stop_frames"] > 0:
                a["stop_frames"] -= 1  # it stands a while, and those behind wait
                continue
            step = a["dir"] * a["speed"]
            ahead = [b for b in herd if b is not a and b["dir"] == a["dir"] and abs(b["y"] - a["y"]) < length * 0.4 and (b["x"] - a["x"]) * a["dir"] > 0]
            if ahead:
                gap = min(abs(b["x"] - a["x"]) for b in ahead) - (a["L"] + max(b["L"] for b in ahead)) * 0.55
                step = a["dir"] * max(0.0, min(a["speed"], gap))
            a["x"] += step
            if a["turn_at"] is not None and a["dir"] > 0 and a["x"] >= a["turn_at"]:
                # It turns back beside the file (the race is wide enough for one to pass).
                a["dir"] = -1
                a["y"] += length * 0.6 * (1 if a["y"] <= 0 else -1)
        bodies, spots, seen = [], [], []
        for i, a in enumerate(herd):
            heading = (0.0 if a["dir"] > 0 else math.pi) + a["yaw_noise"]
            body = _animal(i, a["x"], a["y"], heading, a["L"], a["coat"], random.Random(a["seed"]))
            (uv,), (depth,) = _project(body[0].c[None], position, rot, f, k1, width, height)
            bodies.append(body)
            spots.append((a["x"], a["y"], a["L"]))
            inside = depth > 0 and 0 <= uv[0] < width and 0 <= uv[1] < height
            if inside:
                seen.append([float(uv[0]), float(uv[1])])
            # Crossing the middle line upwards in the picture (walking away from the camera) counts +1.
            above = uv[1] < line_y
            if i in above_before and depth > 0:
                if above and not above_before[i]:
                    net += 1
                elif above_before[i] and not above:
                    net -= 1
            if depth > 0:
                above_before[i] = above
        photo_seed = photo.random()  # drawn for every frame, so with render=None clips are as before
        if render is None or len(clip) in render:
            linear = _render(bodies, spots, (position, rot, f, k1), dirs, t_ground, look, width, height, seed)
            clip.append(_camera_photo(linear, random.Random(photo_seed), rng, look.night))
        else:
            clip.append(None)
        centres.append(seen)
    return clip, centres, net, ((0.0, line_y), (float(width), line_y))
