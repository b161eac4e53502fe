#!/usr/bin/python3
"""Golden values for the exporters: a narrowed torchvision ResNet in eval mode (inference BN).

usage: /usr/bin/python3 make_backbone_golden.py OUT.npz --arch resnet18|resnet50 --width 8 --size 64 --n 2

Entries (float32): the backbone in torchvision names and torch layouts (random batch-norm gamma,
beta, running mean and variance so inference BN is exercised), `images` [N,S,S,3] NHWC
ImageNet-normalised, `c2`..`c5` = layer1..layer4 outputs NHWC, `pooled` [N,C].
Built with /work/shared/reference/make_case.py's narrowed ResNet so names match the training cases.
"""
import argparse
import sys

import numpy as np
import torch

sys.path.insert(0, '/work/shared/reference')
import make_case  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('out')
p.add_argument('--arch', default='resnet18')
p.add_argument('--width', type=int, default=8)
p.add_argument('--size', type=int, default=64)
p.add_argument('--n', type=int, default=2)
p.add_argument('--seed', type=int, default=0)
a = p.parse_args()

torch.manual_seed(a.seed)
block, depth = make_case.ARCHS[a.arch]
net = make_case.resnet(block, depth, a.width)
make_case.perturb_batchnorms(net)
net.eval()
out = make_case.float_entries(net)
images = torch.randn(a.n, 3, a.size, a.size)
with torch.no_grad():
    x = net.maxpool(net.relu(net.bn1(net.conv1(images))))
    for i in range(1, 5):
        x = getattr(net, f'layer{i}')(x)
        out[f'c{i + 1}'] = x.permute(0, 2, 3, 1).numpy().copy()
    out['pooled'] = torch.flatten(net.avgpool(x), 1).numpy().copy()
out['images'] = images.permute(0, 2, 3, 1).numpy().copy()
np.savez(a.out, **{k: v.astype(np.float32) for k, v in out.items()})
print(a.out, sum(v.size for v in out.values()), 'floats')
