#!/usr/bin/python3
"""An SCRL-like RoIAlign input for roi_align.py: 4 images x 2 views (8 rows), a 7x7 map of a
224-px view (spatial_scale 1/32), C=8, 2-8 boxes per view with sides >= 32 px clipped to the view,
rows image-major per view, view-2 rows after all view-1 rows (batch_idx b and b+4).

usage: make_scrl_case.py OUT.npz [--seed 1]"""
import argparse

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument('out')
ap.add_argument('--seed', type=int, default=1)
a = ap.parse_args()
rng = np.random.default_rng(a.seed)
n_img, c, size, view = 4, 8, 7, 224
feats = rng.standard_normal((2 * n_img, c, size, size)).astype(np.float32)
boxes = []
for view_half in range(2):
    for b in range(n_img):
        for _ in range(rng.integers(2, 9)):
            w, h = rng.uniform(32, view, 2)
            x1, y1 = rng.uniform(-16, view - w + 16), rng.uniform(-16, view - h + 16)
            x1, y1 = np.clip([x1, y1], 0, view)
            x2, y2 = min(x1 + w, view), min(y1 + h, view)
            boxes.append([b + view_half * n_img, x1, y1, x2, y2])
np.savez(a.out, features=feats, features_nhwc=feats.transpose(0, 2, 3, 1).copy(),
         boxes=np.array(boxes, np.float32), spatial_scale=np.array(1 / 32, np.float32))
print(a.out, 'boxes', len(boxes))
