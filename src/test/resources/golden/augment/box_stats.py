"""Box statistics of the original SCRLBoxGenerator (models/box_generator.py at 62730fb), for
BoxStatisticsTest. Run: /usr/bin/python3 box_stats.py PATH_TO_ORIGINAL_box_generator.py OUT.txt

For fixed crop pairs (top, left, height, width, flipped) it draws 4000 box sets per pair and
writes, per pair, the mean and standard deviation of: view-1 box width, height, centre x, centre
y, view-2 box width, height, and the mean IoU of each box with the previous one.
"""
import importlib.util
import sys

import numpy as np
import torch

spec = importlib.util.spec_from_file_location("box_generator", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

PAIRS = [
    ((10, 20, 200, 250, 0), (50, 80, 220, 300, 1)),
    ((0, 0, 300, 400, 0), (0, 0, 300, 400, 0)),
    ((100, 30, 120, 160, 1), (60, 100, 180, 120, 0)),
]
RUNS = 4000

for mode in (True, False):
    gen = mod.SCRLBoxGenerator(input_size=224, min_size=32, num_patches_per_image=10,
                               box_jittering=False, box_jittering_ratio=0.1,
                               iou_threshold=0.5, grid_based_box_gen=mode)
    np.random.seed(0)
    for p1, p2 in PAIRS:
        t1 = torch.tensor([p1] * RUNS, dtype=torch.float64)
        t2 = torch.tensor([p2] * RUNS, dtype=torch.float64)
        b1, b2 = gen.generate([t1, t2])
        b1 = b1[:, 1:].numpy().reshape(RUNS, 10, 4)
        b2 = b2[:, 1:].numpy().reshape(RUNS, 10, 4)
        feats = [b1[..., 2] - b1[..., 0], b1[..., 3] - b1[..., 1],
                 (b1[..., 0] + b1[..., 2]) / 2, (b1[..., 1] + b1[..., 3]) / 2,
                 b2[..., 2] - b2[..., 0], b2[..., 3] - b2[..., 1]]
        ious = np.array([[mod.bbox_iou(r[i], r[i - 1]) for i in range(1, 10)] for r in b1[:1000]])
        stats = [(f.mean(), f.std()) for f in feats] + [(ious.mean(), ious.std())]
        print(int(mode), *p1, *p2, " ".join(f"{m:.5f} {s:.5f}" for m, s in stats))
