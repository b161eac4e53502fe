#!/usr/bin/env python3
"""The yardstick for mixed precision: golden.py's step (../shared/reference) run by torch under
torch.autocast('cpu', bfloat16), as the original trains under autocast. Writes golden.py's keys
(forward and gradients; no LARS step), so tools/precision_distance.py can set torch's own
bfloat16 distance to float64 beside scrl4j's.

usage: torch_autocast_step.py CASE.npz OUT.npz [--reference DIR] [--threads N] [--mode auto|scrl|byol]
"""
import argparse
import json
import os
import sys

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument('case')
ap.add_argument('out')
ap.add_argument('--reference', default=os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'reference'))
ap.add_argument('--threads', type=int, default=0)
ap.add_argument('--mode', default='auto', choices=['auto', 'scrl', 'byol'])
a = ap.parse_args()
sys.path.insert(0, os.path.abspath(a.reference))
import torch  # noqa: E402
import golden  # noqa: E402  (the shared harness: its model, loss and key names)

if a.threads > 0:
    torch.set_num_threads(a.threads)
# torchvision registers roi_align's autocast rule (run it in float32) for CUDA only; on CPU it
# would refuse bfloat16 features with float32 boxes. Apply the same rule here.
_roi_align = golden.roi_align
golden.roi_align = lambda x, boxes, **kw: _roi_align(x.float(), boxes.float(), **kw)
case = dict(np.load(a.case))
with torch.autocast('cpu', dtype=torch.bfloat16):
    out, nets, mode = golden.run(case, a.mode, torch.float32)
arrays = {k: v.detach().float().contiguous().numpy().copy() for k, v in out.items()}
arrays['info_json'] = np.array(json.dumps(dict(project='scrl4j', mode=mode, dtype='autocast bfloat16',
                                               torch=torch.__version__)))
np.savez(a.out, **arrays)
print(json.dumps(dict(mode=mode, precision='torch autocast bfloat16', loss=float(out['loss']))))
