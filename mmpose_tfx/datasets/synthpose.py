"""SynthPose: a synthetic, learnable, COCO-format person-keypoint dataset.

Every image holds one to four articulated cartoon figures drawn with OpenCV on
a random background (colour gradients, smooth noise blobs, fine noise, random
desaturated shapes), sometimes partly hidden by occluders (solid rectangles and
ellipses drawn on top). Each figure has the 17 COCO keypoints
(:data:`COCO_KEYPOINT_NAMES`): a head with two eyes, a nose and two ears, a
torso whose corners are the shoulders and hips, and two arms and two legs whose
joints are the elbows / wrists / knees / ankles. Body joints are drawn as
dark-rimmed marker discs centred exactly on the keypoint, one fill colour per
joint type and the same on both sides (shoulder lime, elbow white, wrist
magenta, hip yellow, knee black, ankle purple); hands (skin discs) and feet
(dark shoes) sit just beyond the wrists and ankles. Poses (joint angles
within plausible ranges), body proportions, scale (person box usually 30-90 %
of the image height), in-plane rotation (mostly within +-30 deg, at most
+-45 deg), position, overlap and part colours (mild jitter around a fixed
per-part palette) are sampled per figure.

Left/right cue (how ``left_*`` and ``right_*`` are told apart)
--------------------------------------------------------------
* **Every figure faces the viewer**, like a person looking into the camera: its
  anatomical *left* side is on the viewer's *right* of the upright figure (the
  head marks "up"). So, after undoing the in-plane rotation, ``left_shoulder``
  is the torso corner on the image-right side, ``left_eye`` is the eye on the
  right, and so on. This is the main, geometric cue.
* **The face is always turned to one side** (the nose and the eyes are shifted
  sideways inside the head disc, by 25-50 % of the head radius) and **the limbs
  of the side the face turns to are drawn in the "warm" colour family** (upper
  arm and thigh red, forearm and shin orange) while the limbs of the other
  side are "cool" (upper arm and thigh blue, forearm and shin cyan). The turn direction is a
  fair coin per figure, so a figure's left wrist and right wrist always have
  clearly different colours, and colour + nose direction identify the side
  too, but colour alone carries no left/right information.

Both cues are *mirror-consistent*: a horizontally flipped SynthPose image with
``left_*``/``right_*`` labels swapped (what MMPose's ``RandomFlip`` and
``flip_test`` do) is again an image this generator could have drawn with
correct labels (a mirrored front-facing figure is a front-facing figure; a
mirrored face turned towards its warm side still turns towards its warm side).
A fixed "left limbs are red" rule would not be: flip augmentation would then
teach contradictory labels.

Labels
------
``render_image`` also draws an *instance-id map* (z-buffer of the painter's
algorithm): ``0`` = background, ``k`` (1-based draw order) = figure ``k``,
:data:`OCCLUDER_ID` (-1) = occluder. Figures are drawn from small (far) to
large (near); occluders last. A keypoint ``(x, y)`` uses the pixel-centre
convention (pixel ``(col, row)`` has its centre at ``x = col, y = row``); its
pixel is ``(floor(x + 0.5), floor(y + 0.5))``, see :func:`keypoint_pixel`.

* ``v = 0``: the keypoint is outside the image (``x`` not in ``[0, W - 1]`` or
  ``y`` not in ``[0, H - 1]``); written as ``0, 0, 0`` like COCO.
* ``v = 2``: the id map at the keypoint's pixel equals the figure's id.
* ``v = 1``: inside the image but the pixel belongs to a figure drawn later or
  to an occluder. (A figure hiding its own keypoint, e.g. an arm in front of
  its face, does not change ``v``: the id map holds figures, not parts.)

``bbox`` (COCO ``[x, y, w, h]``) is the tight box of *all* pixels the figure
painted (its full silhouette, including parts that are hidden later by other
figures or occluders; clipped to the image): with ``x0..x1``/``y0..y1`` the
inclusive pixel column/row ranges,
``bbox = [x0, y0, x1 - x0 + 1, y1 - y0 + 1]`` (the COCO mask-to-box
convention). Every labelled keypoint lies inside it
because its joint disc is part of the silhouette. ``area`` is the number of
*visible* pixels of the figure in the final id map (like COCO's segmentation
area, which OKS uses as the object scale); ``amodal_area`` (not written to the
json) is the full silhouette's pixel count. ``generate_split`` writes no
annotation for a figure with no keypoint inside the image or a box narrower
than 2 px (placement makes both rare; MMPose would drop them anyway).

Truncation (``truncation=P``, ``--truncation P``)
------------------------------------------------
By default a figure lies (almost) wholly inside the image, so nearly every
person shows all 17 keypoints and image-level labels such as "which keypoint
classes are present in this person crop" (taken from ``v > 0``; what LOFR
learns from) carry little signal. With ``P > 0`` each figure is, with
probability ``P``, placed across a random image side so that 1 to 13 of its
keypoints (uniformly many) fall outside the image (``v = 0``) while at least
4 stay inside (``v > 0``) and its box stays at least 8 px on each side; when
no such placement fits among the other figures in 5 tries, the figure is
placed as usual. Every other rule above holds unchanged. ``P = 0`` draws no
extra random numbers, so its output is byte-identical to the output without
the option.

Output directory
----------------
:func:`generate_dataset` never writes over or deletes what it did not
create. The target must be absent or an empty directory; the dataset is built
in a hidden sibling directory (``.<name>.synthpose-tmp-*``) and renamed to
the target only when complete, so an interrupted run leaves no partial
dataset there (a run killed with SIGKILL may leave the hidden sibling
behind). It also writes :data:`MANIFEST_FILE`, listing every file it wrote
with its sha256 and the generation parameters. ``overwrite=True``
(``--overwrite``) replaces a previous output as a whole, and only one whose
manifest is valid and lists everything in the directory, unchanged; a
directory with any other file is refused.

Determinism
-----------
Image ``index`` of split ``split`` under ``seed`` is drawn with its own
``numpy.random.Generator`` seeded by ``SeedSequence([seed, crc32(split),
index])`` (:func:`make_rng`), so any number of worker processes give the same
bytes. Pure numpy + OpenCV; no torch.

Public API: :func:`make_rng`, :func:`render_image`, :func:`keypoint_pixel`,
:func:`instance_to_coco`, :func:`coco_categories`, :func:`generate_split`,
:func:`generate_dataset`, and the constants :data:`COCO_KEYPOINT_NAMES`,
:data:`COCO_SKELETON` (1-based like COCO), :data:`FLIP_PAIRS`,
:data:`OCCLUDER_ID`, :data:`MANIFEST_FILE`.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import os.path as osp
import secrets
import shutil
import time
import warnings
import zlib
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'COCO_KEYPOINT_NAMES', 'COCO_SKELETON', 'FLIP_PAIRS', 'OCCLUDER_ID',
    'MANIFEST_FILE',
    'make_rng', 'render_image', 'keypoint_pixel', 'instance_to_coco',
    'coco_categories', 'generate_split', 'generate_dataset'
]

COCO_KEYPOINT_NAMES = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle')
NUM_KEYPOINTS = len(COCO_KEYPOINT_NAMES)
# COCO's person skeleton, 1-based keypoint indices (as in the COCO json).
COCO_SKELETON = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13),
    (6, 7), (6, 8), (7, 9), (8, 10), (9, 11), (2, 3), (1, 2), (1, 3),
    (2, 4), (3, 5), (4, 6), (5, 7))
# 0-based (left, right) index pairs.
FLIP_PAIRS = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14),
              (15, 16))
OCCLUDER_ID = -1
# written by generate_dataset: what it created (sha256 per file); the only
# files overwrite=True may remove
MANIFEST_FILE = 'synthpose_manifest.json'

_KP = {name: i for i, name in enumerate(COCO_KEYPOINT_NAMES)}
_SPLIT_MIN_SIZE = 32  # smallest accepted image side
_PLACEMENT_TRIES = 10
# truncated placement (``truncation > 0``): the first tries cut the figure
# at one image side; a truncated figure keeps at least this many keypoints
# inside the image and a box of at least this many pixels per side
_TRUNC_TRIES = _PLACEMENT_TRIES // 2
_TRUNC_MIN_KEYPOINTS = 4
_TRUNC_MIN_BOX = 8
_SHIFT = 4  # OpenCV fixed-point bits for sub-pixel drawing
_ONE = 1 << _SHIFT

# ---------------------------------------------------------------------------
# palette (RGB; converted to BGR when drawing)
# ---------------------------------------------------------------------------
# limb colour families (upper arm / thigh, forearm / shin)
_WARM = dict(upper=(225, 55, 40), lower=(250, 150, 30))
_COOL = dict(upper=(40, 85, 230), lower=(40, 200, 235))
_TORSO = (240, 236, 222)
_SKIN = (232, 188, 150)
_EAR = (196, 140, 100)
_NOSE = (190, 60, 60)
_SHOE = (45, 40, 40)
_OUTLINE = (25, 25, 30)
# joint markers: one fill colour per joint type, the same on both sides
_MARKER = dict(shoulder=(130, 235, 40), elbow=(245, 245, 245),
               wrist=(235, 45, 215), hip=(250, 230, 30), knee=(20, 20, 20),
               ankle=(120, 40, 200))


def make_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """Independent RNG for image ``index`` of ``split`` under ``seed``."""
    seed, index = _check_int('seed', seed), _check_int('index', index)
    if not isinstance(split, str) or not split:
        raise ValueError(f'split must be a non-empty string, got {split!r}')
    key = zlib.crc32(split.encode('utf-8'))
    return np.random.default_rng(np.random.SeedSequence([seed, key, index]))


def keypoint_pixel(x: float, y: float) -> Tuple[int, int]:
    """(col, row) of the pixel holding keypoint ``(x, y)`` (pixel centres)."""
    return int(np.floor(x + 0.5)), int(np.floor(y + 0.5))


# ---------------------------------------------------------------------------
# drawing helpers: every primitive goes to the RGB image (anti-aliased) and to
# the id map (hard edges) with the same geometry.
# ---------------------------------------------------------------------------
def _fx(p) -> Tuple[int, int]:
    return (int(round(p[0] * _ONE)), int(round(p[1] * _ONE)))


class _Canvas:

    def __init__(self, img: np.ndarray, id_map: np.ndarray):
        self.img = img
        self.ids = id_map  # int32 for OpenCV; cast on return

    def line(self, p, q, color, thick, iid):
        t = max(1, int(round(thick)))
        cv2.line(self.img, _fx(p), _fx(q), color, t, cv2.LINE_AA, _SHIFT)
        cv2.line(self.ids, _fx(p), _fx(q), iid, t, cv2.LINE_8, _SHIFT)

    def circle(self, c, r, color, iid):
        r = max(1.0, float(r))
        rr = int(round(r * _ONE))
        cv2.circle(self.img, _fx(c), rr, color, -1, cv2.LINE_AA, _SHIFT)
        cv2.circle(self.ids, _fx(c), rr, iid, -1, cv2.LINE_8, _SHIFT)

    def poly(self, pts, color, iid):
        fp = np.array([_fx(p) for p in pts], np.int32)
        cv2.fillConvexPoly(self.img, fp, color, cv2.LINE_AA, _SHIFT)
        cv2.fillConvexPoly(self.ids, fp, iid, cv2.LINE_8, _SHIFT)

    def ellipse(self, c, axes, angle, color, iid):
        ax = (max(_ONE, int(round(axes[0] * _ONE))),
              max(_ONE, int(round(axes[1] * _ONE))))
        cv2.ellipse(self.img, _fx(c), ax, float(angle), 0, 360, color, -1,
                    cv2.LINE_AA, _SHIFT)
        cv2.ellipse(self.ids, _fx(c), ax, float(angle), 0, 360, iid, -1,
                    cv2.LINE_8, _SHIFT)


def _jitter(rng, rgb, amount=0.12, offset=12.0):
    c = np.asarray(rgb, np.float64)
    c = c * rng.uniform(1 - amount, 1 + amount, 3) + rng.uniform(
        -offset, offset, 3)
    return np.clip(c, 0, 255)


def _bgr(c) -> Tuple[float, float, float]:
    c = np.clip(np.asarray(c, np.float64), 0, 255)
    return (float(c[2]), float(c[1]), float(c[0]))


def _dark(c, f=0.45):
    return np.asarray(c, np.float64) * f


def _rot(a: float) -> np.ndarray:
    ca, sa = np.cos(a), np.sin(a)
    return np.array([[ca, -sa], [sa, ca]])


# ---------------------------------------------------------------------------
# pose model
# ---------------------------------------------------------------------------
def _sample_figure(rng: np.random.Generator) -> dict:
    """A figure in a local frame: pelvis at the origin, y down, height ~1.

    Local +x is the figure's anatomical left (it faces the viewer).
    """
    d = np.deg2rad
    j = lambda: rng.uniform(0.92, 1.08)  # noqa: E731  length jitter
    sh_w, hip_w = 0.105 * j(), 0.07 * j()
    torso = 0.30 * j()
    r_head = 0.085 * rng.uniform(0.93, 1.07)
    lean = d(np.clip(rng.normal(0, 6), -15, 15))  # torso lean vs. the hips
    up = _rot(lean) @ np.array([0.0, -1.0])
    side = _rot(lean) @ np.array([1.0, 0.0])
    neck = up * torso
    kp = np.zeros((NUM_KEYPOINTS, 2))
    kp[_KP['left_hip']] = (hip_w, 0.0)
    kp[_KP['right_hip']] = (-hip_w, 0.0)
    kp[_KP['left_shoulder']] = neck + side * sh_w
    kp[_KP['right_shoulder']] = neck - side * sh_w

    def direction(sigma, a):
        # angle a from straight down, positive = away from the body's midline
        return np.array([sigma * np.sin(a), np.cos(a)])

    extra = {}
    for name, sigma in (('left', 1.0), ('right', -1.0)):
        # arms: abduction from down, elbow bend relative to the upper arm
        a = d(rng.uniform(-20, 150)) + lean * sigma
        b = d(rng.uniform(-90, 120))
        lu, ll = 0.16 * j(), 0.15 * j()
        sh = kp[_KP[f'{name}_shoulder']]
        el = sh + direction(sigma, a) * lu
        wr = el + direction(sigma, a + b) * ll
        kp[_KP[f'{name}_elbow']] = el
        kp[_KP[f'{name}_wrist']] = wr
        # legs
        if rng.random() < 0.12:
            a = d(rng.uniform(40, 85))  # kick / raised leg
        else:
            a = d(rng.uniform(-12, 35))
        b = d(rng.uniform(-55, 45))
        lu, ll = 0.24 * j(), 0.23 * j()
        hip_p = kp[_KP[f'{name}_hip']]
        kn = hip_p + direction(sigma, a) * lu
        an = kn + direction(sigma, a + b) * ll
        kp[_KP[f'{name}_knee']] = kn
        kp[_KP[f'{name}_ankle']] = an
        # hands and feet continue the distal segment a little
        extra[f'{name}_hand'] = wr + (wr - el) / (
            np.linalg.norm(wr - el) + 1e-9) * 0.035
        foot_dir = np.array([sigma * 0.8, 0.6]) if rng.random() < 0.5 else \
            direction(sigma, a + b)
        extra[f'{name}_foot'] = an + foot_dir / np.linalg.norm(
            foot_dir) * 0.04

    # head: tilt relative to the torso, face turned to one side
    tilt = lean + d(np.clip(rng.normal(0, 10), -25, 25))
    head_up = _rot(tilt) @ np.array([0.0, -1.0])
    head_side = _rot(tilt) @ np.array([1.0, 0.0])
    head_c = neck + up * 0.035 + head_up * r_head
    turn = 1.0 if rng.random() < 0.5 else -1.0  # +1: towards anatomical left
    shift = turn * rng.uniform(0.25, 0.5) * r_head

    def hp(dx, dy):  # head-local point; dy > 0 is down
        return head_c + head_side * dx - head_up * dy

    kp[_KP['left_eye']] = hp(0.38 * r_head + 0.8 * shift, -0.12 * r_head)
    kp[_KP['right_eye']] = hp(-0.38 * r_head + 0.8 * shift, -0.12 * r_head)
    kp[_KP['nose']] = hp(1.15 * shift, 0.28 * r_head)
    kp[_KP['left_ear']] = hp(0.98 * r_head - 0.2 * shift, 0.05 * r_head)
    kp[_KP['right_ear']] = hp(-0.98 * r_head - 0.2 * shift, 0.05 * r_head)
    return dict(kp=kp, head_c=head_c, r_head=r_head, neck=neck, up=up,
                side=side, turn=turn, extra=extra)


def _figure_colors(rng: np.random.Generator, turn: float) -> dict:
    """Per-part colours; the side the face turns to gets the warm family."""
    warm_side = 'left' if turn > 0 else 'right'
    cool_side = 'right' if turn > 0 else 'left'
    col = {}
    for fam, s in ((_WARM, warm_side), (_COOL, cool_side)):
        upper, lower = _jitter(rng, fam['upper']), _jitter(rng, fam['lower'])
        col[f'{s}_upper_arm'] = upper
        col[f'{s}_lower_arm'] = lower
        col[f'{s}_upper_leg'] = np.clip(_jitter(rng, upper, 0.05, 6), 0, 255)
        col[f'{s}_lower_leg'] = np.clip(_jitter(rng, lower, 0.05, 6), 0, 255)
    col['torso'] = _jitter(rng, _TORSO, 0.08, 10)
    skin = _jitter(rng, _SKIN, 0.1, 10)
    col['skin'] = skin
    col['ear'] = _jitter(rng, _EAR, 0.08, 8)
    col['nose'] = _jitter(rng, _NOSE, 0.1, 10)
    col['shoe'] = _jitter(rng, _SHOE, 0.2, 10)
    col['outline'] = _jitter(rng, _OUTLINE, 0.2, 8)
    for kind, rgb in _MARKER.items():
        col[kind] = _jitter(rng, rgb, 0.06, 8)
    col['warm_side'] = warm_side
    return col


def _transform(fig: dict, scale: float, angle: float, center: np.ndarray):
    """Local figure -> image coordinates (returns a function)."""
    R = _rot(angle) * scale

    def f(p):
        return np.asarray(p, np.float64) @ R.T + center

    return f


def _draw_figure(cv: _Canvas, fig: dict, col: dict, tf, scale: float,
                 iid: int, rng: np.random.Generator):
    kp = tf(fig['kp'])
    P = lambda name: kp[_KP[name]]  # noqa: E731
    outline = _bgr(col['outline'])
    t_ua, t_la = 0.055 * scale, 0.046 * scale
    t_ul, t_ll = 0.072 * scale, 0.062 * scale
    ol = max(1.0, 0.012 * scale)  # outline width (each side)

    def limb(p, q, c, t):
        cv.line(p, q, outline, t + 2 * ol, iid)
        cv.line(p, q, _bgr(c), t, iid)

    def joint(p, kind, t):  # type-coded marker disc with a dark rim
        cv.circle(p, max(2.0, 0.7 * t), outline, iid)
        cv.circle(p, max(1.5, 0.7 * t - 1.2 * ol), _bgr(col[kind]), iid)

    # legs (behind the torso)
    for s in ('left', 'right'):
        hip, kn, an = P(f'{s}_hip'), P(f'{s}_knee'), P(f'{s}_ankle')
        foot = tf(fig['extra'][f'{s}_foot'])
        limb(an, foot, col['shoe'], 0.06 * scale)
        limb(hip, kn, col[f'{s}_upper_leg'], t_ul)
        limb(kn, an, col[f'{s}_lower_leg'], t_ll)
        joint(kn, 'knee', t_ul)
        joint(an, 'ankle', t_ll)
    # neck + torso
    neck = tf(fig['neck'])
    limb(neck, tf(fig['head_c']), col['skin'], 0.05 * scale)
    ls, rs = P('left_shoulder'), P('right_shoulder')
    lh, rh = P('left_hip'), P('right_hip')
    cen = (ls + rs + lh + rh) / 4
    quad = [ls, rs, rh, lh]
    grow = [q + (q - cen) / (np.linalg.norm(q - cen) + 1e-9) * ol
            for q in quad]
    cv.poly(grow, outline, iid)
    cv.poly(quad, _bgr(col['torso']), iid)
    for s in ('left', 'right'):
        joint(P(f'{s}_hip'), 'hip', t_ul)
    # head
    hc, rh_ = tf(fig['head_c']), fig['r_head'] * scale
    for s in ('left', 'right'):
        cv.circle(P(f'{s}_ear'), 0.3 * rh_ + ol, outline, iid)
        cv.circle(P(f'{s}_ear'), 0.3 * rh_, _bgr(col['ear']), iid)
    cv.circle(hc, rh_ + ol, outline, iid)
    cv.circle(hc, rh_, _bgr(col['skin']), iid)
    for s in ('left', 'right'):
        cv.circle(P(f'{s}_ear'), max(1.0, 0.1 * rh_),
                  _bgr(_dark(col['ear'], 0.4)), iid)
        cv.circle(P(f'{s}_eye'), max(1.2, 0.2 * rh_), (250, 250, 250), iid)
        cv.circle(P(f'{s}_eye'), max(1.0, 0.11 * rh_), (20, 20, 20), iid)
    cv.circle(P('nose'), max(1.2, 0.15 * rh_), _bgr(col['nose']), iid)
    # arms in front, in random order
    order = ['left', 'right'] if rng.random() < 0.5 else ['right', 'left']
    for s in order:
        sh, el, wr = P(f'{s}_shoulder'), P(f'{s}_elbow'), P(f'{s}_wrist')
        hand = tf(fig['extra'][f'{s}_hand'])
        cv.circle(hand, 0.045 * scale + ol, outline, iid)
        cv.circle(hand, 0.045 * scale, _bgr(col['skin']), iid)
        limb(sh, el, col[f'{s}_upper_arm'], t_ua)
        limb(el, wr, col[f'{s}_lower_arm'], t_la)
        joint(sh, 'shoulder', t_ua)
        joint(el, 'elbow', t_ua)
        joint(wr, 'wrist', t_la)
    return kp


# ---------------------------------------------------------------------------
# backgrounds and occluders
# ---------------------------------------------------------------------------
def _desat(rng, c, lo=0.3, hi=0.75):
    g = float(np.mean(c))
    k = rng.uniform(lo, hi)
    return np.asarray(c, np.float64) * (1 - k) + g * k


def _add_noise(rng: np.random.Generator, img: np.ndarray,
               sigma: float) -> np.ndarray:
    """Monochrome Gaussian noise, saturated to uint8."""
    n = rng.standard_normal(img.shape[:2], dtype=np.float32)
    n *= np.float32(sigma)
    return cv2.add(img, cv2.merge((n, n, n)), dtype=cv2.CV_8U)


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Colour gradient, optional smooth colour blobs, optional random
    desaturated shapes, optional grain."""
    g = 16  # the smooth part is built on a g x g grid and upsampled
    c1 = _desat(rng, rng.uniform(0, 255, 3))
    c2 = _desat(rng, rng.uniform(0, 255, 3))
    th = rng.uniform(0, 2 * np.pi)
    u = np.linspace(-0.5, 0.5, g)
    t = np.clip(u[None, :] * np.cos(th) + u[:, None] * np.sin(th) + 0.5, 0, 1)
    low = c1[::-1] * (1 - t[..., None]) + c2[::-1] * t[..., None]  # BGR
    kind = rng.random()
    if kind < 0.4:  # smooth colour blobs
        k = int(rng.integers(3, 9))
        blobs = rng.normal(0, rng.uniform(15, 40), (k, k, 3))
        low = low + cv2.resize(blobs, (g, g), interpolation=cv2.INTER_CUBIC)
    low = np.clip(low, 0, 255).astype(np.uint8)
    img = cv2.resize(low, (w, h), interpolation=cv2.INTER_LINEAR)
    if kind >= 0.25:  # random shapes
        for _ in range(int(rng.integers(2, 12))):
            c = _bgr(_desat(rng, rng.uniform(0, 255, 3), 0.35, 0.8))
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            s = rng.uniform(0.04, 0.3) * min(w, h)
            shape = rng.integers(0, 3)
            if shape == 0:
                top = int(y - s * rng.uniform(.3, 1))
                cv2.rectangle(img, (int(x - s), top), (int(x + s), int(y + s)),
                              c, -1)
            elif shape == 1:
                cv2.circle(img, (int(x), int(y)), int(s), c, -1, cv2.LINE_AA)
            else:
                a = rng.uniform(0, np.pi)
                dx, dy = np.cos(a) * s * 2, np.sin(a) * s * 2
                cv2.line(img, (int(x - dx), int(y - dy)),
                         (int(x + dx), int(y + dy)), c,
                         int(rng.integers(1, 6)), cv2.LINE_AA)
    if rng.random() < 0.5:  # grain (coarser than the final sensor noise)
        gw, gh = max(1, w // 2), max(1, h // 2)
        n = rng.standard_normal((gh, gw), dtype=np.float32) * np.float32(
            rng.uniform(3, 12))
        n = cv2.resize(n, (w, h), interpolation=cv2.INTER_NEAREST)
        img = cv2.add(img, cv2.merge((n, n, n)), dtype=cv2.CV_8U)
    return img


def _occluder(cv: _Canvas, rng: np.random.Generator, w: int, h: int):
    c = rng.uniform(0, 255, 3)
    if rng.random() < 0.5:
        c = _desat(rng, c, 0.2, 0.6)
    ow, oh = rng.uniform(0.07, 0.28, 2) * min(w, h)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    if rng.random() < 0.5:
        ang = rng.uniform(-30, 30)
        R = _rot(np.deg2rad(ang))
        corners = [np.array([cx, cy]) + R @ np.array(v) for v in
                   ((-ow / 2, -oh / 2), (ow / 2, -oh / 2), (ow / 2, oh / 2),
                    (-ow / 2, oh / 2))]
        cv.poly(corners, _bgr(c), OCCLUDER_ID)
    else:
        cv.ellipse((cx, cy), (ow / 2, oh / 2), rng.uniform(0, 180), _bgr(c),
                   OCCLUDER_ID)


# ---------------------------------------------------------------------------
# one image
# ---------------------------------------------------------------------------
def _bbox_iou_min(a, b) -> Tuple[float, float]:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    aa = (a[2] - a[0]) * (a[3] - a[1])
    ab = (b[2] - b[0]) * (b[3] - b[1])
    return inter / max(aa + ab - inter, 1e-9), inter / max(min(aa, ab), 1e-9)


def _check_fraction(name, value) -> float:
    if isinstance(value, bool) or not isinstance(
            value, (int, float, np.integer, np.floating)) or \
            not 0 <= value <= 1:  # also False for NaN
        raise ValueError(f'{name} must be a number in [0, 1], got {value!r}')
    return float(value)


def _inside(kp: np.ndarray, w: int, h: int) -> np.ndarray:
    """Which keypoints lie in the image (the ``v > 0`` rule)."""
    return (kp[:, 0] >= 0) & (kp[:, 0] <= w - 1) & (kp[:, 1] >= 0) & \
        (kp[:, 1] <= h - 1)


def _truncated_center(rng: np.random.Generator, local: np.ndarray,
                      lo_xy: np.ndarray, hi_xy: np.ndarray, w: int,
                      h: int) -> np.ndarray:
    """A figure centre that puts 1 to ``17 - _TRUNC_MIN_KEYPOINTS``
    keypoints (``local``: relative to the centre) beyond one image side."""
    side = int(rng.integers(4))  # left, right, top, bottom
    axis, far = side // 2, side % 2 == 1
    num_out = int(rng.integers(1, NUM_KEYPOINTS - _TRUNC_MIN_KEYPOINTS + 1))
    # near side: keypoint s is outside iff c + s < 0; far side (limit L):
    # iff c + s > L, i.e. (-s) < c - L. Cut between the num_out-th and the
    # next keypoint counted from that side.
    s = np.sort(-local[:, axis] if far else local[:, axis])
    cut = s[num_out - 1] + rng.uniform(0.25, 0.75) * (
        s[num_out] - s[num_out - 1])
    limit = (w, h)[axis] - 1
    c = np.where(hi_xy > lo_xy, lo_xy + rng.random(2) * (hi_xy - lo_xy),
                 (lo_xy + hi_xy) / 2)
    c[axis] = limit + cut if far else -cut
    return c


def render_image(rng: np.random.Generator,
                 width: int = 256,
                 height: int = 256,
                 max_people: int = 4,
                 truncation: float = 0.0
                 ) -> Tuple[np.ndarray, np.ndarray, List[dict]]:
    """Draw one SynthPose image.

    Args:
        rng: the image's generator (see :func:`make_rng`).
        width, height: image size in pixels (each >= 32).
        max_people: at most this many figures (1..max_people, fewer more
            likely).
        truncation: probability in ``[0, 1]`` that a figure is placed across
            an image side (see the module docstring). ``0`` draws no extra
            random numbers: the image is the one drawn without the option.

    Returns:
        ``(img, id_map, instances)``: ``img`` is ``(H, W, 3)`` uint8 **BGR**
        (OpenCV order, ready for ``cv2.imwrite``); ``id_map`` is ``(H, W)``
        int16 (0 background, k = figure k, :data:`OCCLUDER_ID` occluder);
        ``instances`` lists one dict per figure in draw order with ``id``
        (its value in ``id_map``), ``keypoints`` (17, 3) float64 array of
        ``x, y, v`` (v = 0 rows are all zero), ``num_keypoints``, ``bbox``
        ``[x, y, w, h]``, ``area`` (visible pixels), ``amodal_area`` (all its
        pixels) and ``warm_side`` ('left' / 'right', the side whose limbs use
        the warm colours = the side the face turns to).
    """
    width = _check_int('width', width, _SPLIT_MIN_SIZE)
    height = _check_int('height', height, _SPLIT_MIN_SIZE)
    max_people = _check_int('max_people', max_people, 1)
    truncation = _check_fraction('truncation', truncation)
    w, h = width, height
    img = _background(rng, w, h)
    ids = np.zeros((h, w), np.int32)
    cv = _Canvas(img, ids)

    weights = np.array([0.4, 0.3, 0.2, 0.1, 0.05, 0.03][:max_people] +
                       [0.02] * max(0, max_people - 6))
    n = 1 + int(rng.choice(len(weights), p=weights / weights.sum()))
    lo, hi = (0.36, 0.95) if n == 1 else (0.3, 0.8)
    scales = np.sort(rng.uniform(lo, hi, n) * h)  # small (far) first

    placed_boxes: List[Tuple[float, float, float, float]] = []
    instances: List[dict] = []
    amodal = [0.0]  # pixel count of every figure's full silhouette, by id
    for scale in scales:
        k = len(instances) + 1
        fig = _sample_figure(rng)
        col = _figure_colors(rng, fig['turn'])
        angle = np.deg2rad(float(np.clip(rng.normal(0, 15), -45, 45)))
        local = fig['kp'] @ (_rot(angle) * scale).T
        # rough extent incl. head and limb thickness
        pad = 0.1 * scale
        mn, mx = local.min(0) - pad, local.max(0) + pad
        mn[1] = min(mn[1], (fig['head_c'] @ (_rot(angle) * scale).T)[1] -
                    fig['r_head'] * scale * 1.2)
        ext = mx - mn
        slack = 0.1 * ext  # allows a little truncation at the border
        lo_xy = -mn - slack
        hi_xy = np.array([w, h]) - mx + slack
        # no draw at all when truncation == 0 (output as without the option)
        truncate = truncation > 0 and rng.random() < truncation
        for attempt in range(_PLACEMENT_TRIES):
            cut = truncate and attempt < _TRUNC_TRIES  # then placed normally
            if cut:
                c = _truncated_center(rng, local, lo_xy, hi_xy, w, h)
            else:
                c = np.where(hi_xy > lo_xy,
                             lo_xy + rng.random(2) * (hi_xy - lo_xy),
                             (np.array([w, h]) - mn - mx) / 2)
            box = (c[0] + mn[0], c[1] + mn[1], c[0] + mx[0], c[1] + mx[1])
            if any(iou > 0.4 or inter_min > 0.7 for iou, inter_min in
                   (_bbox_iou_min(box, b) for b in placed_boxes)):
                continue
            backup = k > 1 or cut
            img_bak = img.copy() if backup else None
            ids_bak = ids.copy() if backup else None
            kp = _draw_figure(cv, fig, col, _transform(fig, scale, angle, c),
                              scale, k, rng)
            if cut:  # some keypoints outside, enough inside, a real box
                n_in = int(_inside(np.round(kp, 2), w, h).sum())
                mask = ids == k
                box_w = np.flatnonzero(mask.any(0))
                box_h = np.flatnonzero(mask.any(1))
                if not _TRUNC_MIN_KEYPOINTS <= n_in < NUM_KEYPOINTS or \
                        len(box_w) == 0 or \
                        box_w[-1] - box_w[0] + 1 < _TRUNC_MIN_BOX or \
                        box_h[-1] - box_h[0] + 1 < _TRUNC_MIN_BOX:
                    img[...] = img_bak
                    ids[...] = ids_bak
                    continue
            if k > 1:  # every earlier figure must stay >= 55 % visible
                vis = np.bincount(ids[ids > 0].ravel(), minlength=k + 1)
                if np.any(vis[1:k] < 0.55 * np.asarray(amodal[1:k])):
                    img[...] = img_bak
                    ids[...] = ids_bak
                    continue
            break
        else:
            continue  # no room for this figure
        mask = ids == k
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        if not len(rows):  # cannot happen with the placement above
            continue
        placed_boxes.append(box)
        bbox = [float(cols[0]), float(rows[0]), float(cols[-1] - cols[0] + 1),
                float(rows[-1] - rows[0] + 1)]
        amodal.append(float(mask.sum()))
        instances.append(dict(id=k, kp_xy=np.round(kp, 2), bbox=bbox,
                              amodal_area=amodal[k],
                              warm_side=col['warm_side']))
    n = len(instances)

    # occluders: keep one only if every figure stays >= 55 % visible
    if rng.random() < 0.55:
        for _ in range(int(rng.integers(1, 3))):
            img_bak, ids_bak = img.copy(), ids.copy()
            _occluder(cv, rng, w, h)
            vis = np.bincount(ids[ids > 0].ravel(), minlength=n + 1)
            if np.any(vis[1:] < 0.55 * np.asarray(amodal[1:])):
                img[...] = img_bak
                ids[...] = ids_bak

    vis = np.bincount(ids[ids > 0].ravel(), minlength=n + 1)
    sigma = rng.uniform(0, 6)
    if sigma > 1:  # mild sensor noise over everything
        img = _add_noise(rng, img, sigma)
    if rng.random() < 0.2:
        img = cv2.GaussianBlur(img, (3, 3), 0)

    out = []
    for inst in instances:
        xy = inst.pop('kp_xy')
        kps = np.zeros((NUM_KEYPOINTS, 3))
        for j, (x, y) in enumerate(xy):
            if not (0 <= x <= w - 1 and 0 <= y <= h - 1):
                continue
            col_, row_ = keypoint_pixel(x, y)
            v = 2 if ids[row_, col_] == inst['id'] else 1
            kps[j] = (x, y, v)
        inst['keypoints'] = kps
        inst['num_keypoints'] = int((kps[:, 2] > 0).sum())
        inst['area'] = float(vis[inst['id']])
        out.append(inst)
    return img, ids.astype(np.int16), out


def instance_to_coco(inst: dict, ann_id: int, image_id: int) -> dict:
    """One ``render_image`` instance as a COCO person annotation."""
    kps = inst['keypoints']
    flat = []
    for x, y, v in kps:
        flat += [float(x), float(y), int(v)] if v > 0 else [0, 0, 0]
    return dict(id=int(ann_id), image_id=int(image_id), category_id=1,
                bbox=[float(b) for b in inst['bbox']],
                area=float(inst['area']), iscrowd=0,
                num_keypoints=int(inst['num_keypoints']), keypoints=flat,
                segmentation=[])


def coco_categories() -> List[dict]:
    return [dict(supercategory='person', id=1, name='person',
                 keypoints=list(COCO_KEYPOINT_NAMES),
                 skeleton=[list(s) for s in COCO_SKELETON])]


# ---------------------------------------------------------------------------
# whole splits
# ---------------------------------------------------------------------------
def _check_int(name, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f'{name} must be an integer, got {value!r}')
    if value < minimum:
        raise ValueError(f'{name} must be >= {minimum}, got {value}')
    return int(value)


def _check_size(img_size) -> Tuple[int, int]:
    try:
        w, h = img_size
    except (TypeError, ValueError):
        raise ValueError(f'img_size must be (width, height), got {img_size!r}')
    return (_check_int('image width', w, _SPLIT_MIN_SIZE),
            _check_int('image height', h, _SPLIT_MIN_SIZE))


def _check_out_dir(out_dir) -> str:
    if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir):
        raise ValueError(f'out_dir must be a path, got {out_dir!r}')
    out_dir = os.fspath(out_dir)
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise ValueError(f'output path {out_dir!r} exists and is not a '
                         'directory')
    return out_dir


def _make_dir(path):
    if osp.exists(path) and not osp.isdir(path):
        raise ValueError(f'{path!r} exists and is not a directory')
    os.makedirs(path, exist_ok=True)


def _render_task(args):
    img_dir, split, seed, index, w, h, max_people, quality, truncation = args
    rng = make_rng(seed, split, index)
    img, _, instances = render_image(rng, w, h, max_people, truncation)
    fname = f'{index:06d}.jpg'
    ok = cv2.imwrite(osp.join(img_dir, fname), img,
                     [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OSError(f'could not write {osp.join(img_dir, fname)}')
    return fname, instances


def generate_split(out_dir,
                   split: str,
                   num_images: int,
                   seed: int,
                   img_size: Sequence[int] = (256, 256),
                   workers: Optional[int] = None,
                   max_people: int = 4,
                   jpeg_quality: int = 95,
                   truncation: float = 0.0) -> dict:
    """Write ``out_dir/<split>/*.jpg`` and
    ``out_dir/annotations/person_keypoints_<split>.json``.

    Returns the COCO dict that was written. Image ids are ``index + 1``,
    file names ``f'{index:06d}.jpg'`` (relative to ``out_dir/<split>/``),
    annotation ids run from 1 in image order. Refuses (``ValueError``) a
    non-empty ``out_dir/<split>/`` or an existing annotation file; the
    annotation file is written last and atomically, so an interrupted call
    leaves images but no annotations. :func:`generate_dataset` is the safe
    way to write a whole dataset.
    """
    out_dir = _check_out_dir(out_dir)
    if not isinstance(split, str) or not split or '/' in split or \
            split in ('.', '..', 'annotations'):
        raise ValueError(f'invalid split name {split!r}')
    num_images = _check_int('num_images', num_images, 0)
    seed = _check_int('seed', seed, 0)
    w, h = _check_size(img_size)
    max_people = _check_int('max_people', max_people, 1)
    jpeg_quality = _check_int('jpeg_quality', jpeg_quality, 1)
    if jpeg_quality > 100:
        raise ValueError(f'jpeg_quality must be <= 100, got {jpeg_quality}')
    truncation = _check_fraction('truncation', truncation)
    if workers is None:
        workers = os.cpu_count() or 1
    workers = _check_int('workers', workers, 1)

    img_dir = osp.join(out_dir, split)
    ann_dir = osp.join(out_dir, 'annotations')
    ann_file = osp.join(ann_dir, f'person_keypoints_{split}.json')
    if osp.isdir(img_dir) and os.listdir(img_dir):
        raise ValueError(f'{img_dir!r} is not empty: generate_split never '
                         'writes over existing files')
    if osp.lexists(ann_file):
        raise ValueError(f'{ann_file!r} exists: generate_split never writes '
                         'over existing files')
    _make_dir(out_dir)
    _make_dir(img_dir)
    _make_dir(ann_dir)

    tasks = [(img_dir, split, seed, i, w, h, max_people, jpeg_quality,
              truncation) for i in range(num_images)]
    # Worker processes are forked. OpenCV's thread pool does not survive a
    # fork (reconfiguring it in the child can deadlock), so the parent
    # switches OpenCV to one thread before forking (children inherit that and
    # never touch the pool) and restores its setting afterwards.
    pool, cv_threads = None, None
    if workers == 1 or num_images < 8:
        results = map(_render_task, tasks)
    else:
        cv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        pool = multiprocessing.get_context('fork').Pool(
            min(workers, num_images))
        chunk = max(1, min(32, num_images // (4 * workers)))
        results = pool.imap(_render_task, tasks, chunksize=chunk)
    images, annotations = [], []
    try:
        for i, (fname, instances) in enumerate(results):
            images.append(dict(id=i + 1, file_name=fname, width=w, height=h))
            for inst in instances:
                if inst['num_keypoints'] == 0 or min(inst['bbox'][2:]) < 2:
                    continue  # nothing to learn (MMPose would drop it too)
                annotations.append(
                    instance_to_coco(inst, len(annotations) + 1, i + 1))
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        if cv_threads is not None:
            cv2.setNumThreads(cv_threads)
    desc = f'SynthPose {split} split (seed {seed})'
    if truncation > 0:  # the default keeps the description it always had
        desc = f'SynthPose {split} split (seed {seed}, truncation ' \
            f'{truncation:g})'
    coco = dict(
        info=dict(description=desc, version='1.0', year=2024),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=coco_categories())
    tmp = osp.join(ann_dir, f'.{osp.basename(ann_file)}.{_token()}.tmp')
    try:
        with open(tmp, 'x') as f:
            json.dump(coco, f, separators=(',', ':'))
        os.replace(tmp, ann_file)
    except BaseException:
        if osp.lexists(tmp):
            os.remove(tmp)
        raise
    return coco


# ---------------------------------------------------------------------------
# a whole dataset: built in a temporary sibling directory, then renamed into
# place; MANIFEST_FILE lists what was written (the only files --overwrite
# may remove later)
# ---------------------------------------------------------------------------
def _token() -> str:
    return f'{os.getpid()}-{secrets.token_hex(4)}'


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _new_sibling_dir(target: str, what: str) -> str:
    """Create an empty hidden directory next to ``target`` (same file
    system, so a rename moves it into place)."""
    parent, name = osp.split(target)
    while True:
        path = osp.join(parent, f'.{name}.synthpose-{what}-{_token()}')
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue
        except OSError as e:
            raise type(e)(f'cannot create a directory in {parent!r} (where '
                          f'the output directory goes): {e.strerror}')


def _read_manifest(target: str) -> Optional[dict]:
    """The manifest of a SynthPose output in ``target``, or None when there
    is no valid one."""
    path = osp.join(target, MANIFEST_FILE)
    if not osp.isfile(path) or osp.islink(path):
        return None
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or \
            manifest.get('generator') != 'SynthPose' or \
            not isinstance(manifest.get('files'), dict):
        return None
    files = manifest['files']
    for rel, digest in files.items():
        # a relative path inside target, in normal form
        if not isinstance(rel, str) or not isinstance(digest, str) or \
                osp.isabs(rel) or osp.normpath(rel) != rel or \
                rel.startswith('..') or rel == MANIFEST_FILE:
            return None
    return manifest


def _replaceable_files(out_dir: str, target: str, manifest: dict
                       ) -> List[str]:
    """The files of the previous output in ``target`` (all listed in its
    manifest, unchanged since written); raises if anything else is there."""
    files = manifest['files']
    dirs = {osp.dirname(rel) for rel in files}
    for rel in list(dirs):
        while rel:
            rel = osp.dirname(rel)
            dirs.add(rel)

    def unreadable(e: OSError):
        raise e  # os.walk would skip the directory silently

    stray, changed, found = [], [], []
    for root, subdirs, names in os.walk(target, onerror=unreadable):
        for name in sorted(subdirs) + sorted(names):
            path = osp.join(root, name)
            rel = osp.relpath(path, target)
            if rel == MANIFEST_FILE:
                continue
            if osp.islink(path):
                stray.append(rel)
            elif name in subdirs:
                if rel not in dirs:
                    stray.append(rel + '/')
            elif rel not in files or not osp.isfile(path):  # e.g. a fifo
                stray.append(rel)
            elif _sha256(path) != files[rel]:
                changed.append(rel)
            else:
                found.append(rel)
        subdirs[:] = [d for d in subdirs
                      if not osp.islink(osp.join(root, d))]

    def some(paths):
        more = f' and {len(paths) - 5} more' if len(paths) > 5 else ''
        return ', '.join(paths[:5]) + more

    if stray:
        raise ValueError(
            f'refusing to overwrite {out_dir!r}: it holds what SynthPose did '
            f'not write ({some(stray)}); move that away or choose another '
            'directory')
    if changed:
        raise ValueError(
            f'refusing to overwrite {out_dir!r}: files changed after '
            f'SynthPose wrote them ({some(changed)}); move them away or '
            'choose another directory')
    return found


def _check_target(out_dir: str, target: str,
                  overwrite: bool) -> Optional[List[str]]:
    """None when ``target`` is absent or an empty directory; the files to
    replace when it is a previous SynthPose output and ``overwrite``;
    raises ``ValueError`` otherwise."""
    if not osp.lexists(target):
        return None
    if not osp.isdir(target):
        raise ValueError(f'output path {out_dir!r} exists and is not a '
                         'directory')
    if osp.ismount(target):
        raise ValueError(f'output directory {out_dir!r} is a mount point; '
                         'SynthPose renames a finished dataset into place, '
                         'so give a directory inside it')
    if not os.listdir(target):
        return None
    manifest = _read_manifest(target)
    if not overwrite:
        hint = (' It holds a previous SynthPose output: pass --overwrite '
                '(overwrite=True) to replace it.' if manifest else '')
        raise ValueError(f'output directory {out_dir!r} is not empty; '
                         'SynthPose never writes over files it did not '
                         f'create: choose a new or empty directory.{hint}')
    if manifest is None:
        raise ValueError(f'refusing to overwrite {out_dir!r}: it has no '
                         f'valid {MANIFEST_FILE}, so it is not a SynthPose '
                         'output; remove it yourself or choose another '
                         'directory')
    return _replaceable_files(out_dir, target, manifest)


def _remove_old(path: str, files: List[str]):
    """Remove ``files`` (relative to ``path``), the manifest and then the
    directories they leave empty; anything else stays (with a warning)."""
    for rel in files + [MANIFEST_FILE]:
        try:
            os.remove(osp.join(path, rel))
        except FileNotFoundError:
            pass
    for root, _, _ in sorted(os.walk(path), key=lambda t: -len(t[0])):
        try:
            os.rmdir(root)
        except OSError:
            pass
    if osp.lexists(path):
        warnings.warn(f'kept {path!r}: it holds files the replaced SynthPose '
                      'output did not list')


def _install(tmp: str, out_dir: str, target: str, overwrite: bool):
    """Rename the finished ``tmp`` to ``target``. ``target`` is checked
    again (it may have changed while generating); a previous output there
    is moved aside first and its listed files are removed afterwards."""
    old_files = _check_target(out_dir, target, overwrite)
    if old_files is None:
        # absent or empty: rename(2) replaces an empty directory and fails
        # on one that was filled meanwhile
        try:
            os.rename(tmp, target)
        except OSError as e:
            raise type(e)(f'cannot move the finished dataset to {out_dir!r}:'
                          f' {e.strerror}') from e
        return
    aside = _new_sibling_dir(target, 'old')
    os.rename(target, aside)  # replaces the empty ``aside``
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(aside, target)
        raise
    _remove_old(aside, old_files)


def generate_dataset(out_dir,
                     num_train: int,
                     num_val: int,
                     seed: int = 0,
                     img_size: Sequence[int] = (256, 256),
                     workers: Optional[int] = None,
                     max_people: int = 4,
                     truncation: float = 0.0,
                     overwrite: bool = False) -> Dict[str, object]:
    """Write the ``train`` and ``val`` splits and :data:`MANIFEST_FILE`.

    ``out_dir`` must be absent or an empty directory; with ``overwrite`` it
    may also hold a previous SynthPose output (a valid manifest, nothing but
    the unchanged files it lists), which is replaced as a whole. The
    dataset is built in a hidden sibling directory and renamed to
    ``out_dir`` when complete, so ``out_dir`` never holds a partial dataset.
    Returns a summary dict with ``images``, ``instances`` and ``seconds``.
    """
    out_dir = _check_out_dir(out_dir)
    num_train = _check_int('num_train', num_train, 0)
    num_val = _check_int('num_val', num_val, 0)
    if num_train + num_val == 0:
        raise ValueError('num_train and num_val are both 0: nothing to '
                         'generate')
    seed = _check_int('seed', seed, 0)
    w, h = _check_size(img_size)
    max_people = _check_int('max_people', max_people, 1)
    truncation = _check_fraction('truncation', truncation)
    if workers is not None:
        _check_int('workers', workers, 1)
    target = osp.realpath(out_dir)  # a symlink's directory, not the link
    _check_target(out_dir, target, bool(overwrite))  # fail before working
    t0 = time.perf_counter()
    parent = osp.dirname(target)
    existing = parent
    while not osp.lexists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        raise ValueError(f'cannot create output directory {out_dir!r}: '
                         f'{existing!r} is not a directory')
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as e:
        raise type(e)(f'cannot create {parent!r} (the parent of the output '
                      f'directory): {e.strerror}') from e
    tmp = _new_sibling_dir(target, 'tmp')
    try:
        stats = dict(images=0, instances=0)
        files = {}
        for split, num in (('train', num_train), ('val', num_val)):
            coco = generate_split(tmp, split, num, seed, (w, h), workers,
                                  max_people, truncation=truncation)
            stats[f'{split}_images'] = len(coco['images'])
            stats[f'{split}_instances'] = len(coco['annotations'])
            stats['images'] += len(coco['images'])
            stats['instances'] += len(coco['annotations'])
            for rel in [f'annotations/person_keypoints_{split}.json'] + [
                    f'{split}/{im["file_name"]}' for im in coco['images']]:
                files[rel] = _sha256(osp.join(tmp, rel))
        manifest = dict(
            generator='SynthPose', manifest_version=1,
            params=dict(num_train=num_train, num_val=num_val, seed=seed,
                        img_size=[w, h], max_people=max_people,
                        truncation=truncation),
            files=dict(sorted(files.items())))
        with open(osp.join(tmp, MANIFEST_FILE), 'x') as f:
            json.dump(manifest, f, indent=1)
        _install(tmp, out_dir, target, bool(overwrite))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    stats['seconds'] = time.perf_counter() - t0
    return stats
