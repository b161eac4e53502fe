#!/usr/bin/env python3
"""How far a step's results are from a golden (float64, or torch float32 where that is far below the
error measured), per key group: the relative loss error, the cosine of all parameters' gradients
concatenated, the median per-tensor gradient cosine, and the activations' relative error. Used to
set scrl4j's mixed precision beside torch autocast's (tools/torch_autocast_step.py) on one case.

usage: precision_distance.py GOLDEN.npz NAME=RESULT.npz [NAME=RESULT.npz ...]   (one JSON line each)

Gradients whose golden norm is below 1e-9 (biases feeding a batch norm: zero in exact arithmetic)
are left out of the per-tensor median; they are in the concatenation, where they weigh nothing.
"""
import json
import sys

import numpy as np


def distance(golden, ours):
    out = dict(loss=float(ours['loss']), loss_golden=float(golden['loss']),
               loss_rel=abs(float(ours['loss']) - float(golden['loss'])) / abs(float(golden['loss'])))
    a_all, b_all, per_key = [], [], []
    for k in golden.files:
        if k.startswith('grad/') and k in ours.files:
            a = golden[k].astype(np.float64).ravel()
            b = ours[k].astype(np.float64).ravel()
            a_all.append(a)
            b_all.append(b)
            if np.linalg.norm(a) > 1e-9:
                per_key.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-300)))
    groups = {}
    for k in golden.files:
        if k.startswith('grad/') and k in ours.files:
            name = k[len('grad/'):]
            group = name.split('.')[0] if name.split('.')[0] in ('layer1', 'layer2', 'layer3', 'layer4', 'projector',
                                                                  'predictor', 'evaluator') else 'stem'
            g = groups.setdefault(group, [[], []])
            g[0].append(golden[k].astype(np.float64).ravel())
            g[1].append(ours[k].astype(np.float64).ravel())
    for group, (ga, gb) in sorted(groups.items()):
        x, y = np.concatenate(ga), np.concatenate(gb)
        out['grad_cosine_' + group] = float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))
    bn = [k for k in golden.files if k.startswith('bn_after/') and k in ours.files]
    if bn:
        x = np.concatenate([golden[k].astype(np.float64).ravel() for k in bn])
        y = np.concatenate([ours[k].astype(np.float64).ravel() for k in bn])
        out['rel_bn_running_stats'] = float(np.linalg.norm(x - y) / np.linalg.norm(x))
    a, b = np.concatenate(a_all), np.concatenate(b_all)
    out['grad_cosine_all'] = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    out['grad_cosine_median'] = float(np.median(per_key))
    out['grad_keys'] = len(a_all)
    for k in ('online/layer4', 'online/pooled', 'online/roi', 'online/proj', 'online/pred'):
        if k in golden.files and k in ours.files:
            g = golden[k].astype(np.float64)
            out['rel_' + k.split('/')[1]] = float(np.linalg.norm(ours[k].astype(np.float64) - g) / np.linalg.norm(g))
    return out


def main():
    golden = np.load(sys.argv[1])
    for arg in sys.argv[2:]:
        name, path = arg.split('=', 1)
        d = distance(golden, np.load(path))
        print(json.dumps(dict(name=name, **{k: round(v, 6) if isinstance(v, float) else v for k, v in d.items()})))


if __name__ == '__main__':
    main()
