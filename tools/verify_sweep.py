#!/usr/bin/python3
"""The verify-step sweep: scrl4j's training step against torch on many unseen reference cases.

For every case of a set it makes a seeded input with ../shared/reference/make_case.py, computes
golden.py in float64 (the yardstick) and in float32 several times (1 thread, 2 threads twice:
torch's own float32 error moves run to run with threads), runs scrl4j's step on the case
(`tools/scrl verify-step`, the launcher's default kernels), and judges every key:

    d(x)  = ||x - golden64|| / ||golden64||     (absolute ||x - golden64|| for the heads' first
                                                 bias gradients, which are 0 in exact arithmetic)
    ratio = d(scrl4j) / max(max over torch float32 runs of d(torch), floor)
    floor = 1e-5, or 1e-6 for the heads' first bias gradients

A case passes when every key's ratio is at most --max-ratio (2). One JSON line per case, then a
table of the worst key per group (loss, forward, grad, bn_after, after_step, after_ema).

usage:
  tools/verify_sweep.py --set small|resnet50 [--out DIR] [--only NAME ...] [--max-ratio 2]
  tools/verify_sweep.py --set small --out DIR --generate-only     # cases and goldens, no scrl4j run
  tools/verify_sweep.py --set small --out DIR --judge-only        # judge DIR/<case>/ours.npz as found

Sets: `small` (ResNet-18/50 narrowed, 64 px: seconds per case; the test suite runs it) and
`resnet50` (16 full-width ResNet-50 cases, N 2-4, 96-224 px, hidden 256-4096, BYOL and SCRL, both
quirk modes, separate target or not: several minutes per case on 2 cores).
Needs /usr/bin/python3 with torch, torchvision and numpy (Debian: python3-torch python3-torchvision
python3-numpy). Cases and goldens are reused when present (delete DIR to start over); scrl4j's
step is run again every time. Each case folder has spec.json (its settings and the LARS flags).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LARS = ['--lars-lr', '0.45', '--wd', '1e-6', '--ema-m', '0.97']
# torch float32 runs that make the yardstick's spread: (tag, threads)
TORCH_RUNS = [('t1', 1), ('t2a', 2), ('t2b', 2)]
FLOOR, ZERO_KEY_FLOOR = 1e-5, 1e-6
ZERO_KEYS = ('grad/projector.net.0.bias', 'grad/predictor.net.0.bias')


def case(name, arch, width, n, size, hidden, mode, quirks, seed, separate, out_dim=None, boxes=None):
    return dict(name=name, arch=arch, width=width, n=n, size=size, hidden=hidden, mode=mode,
                quirks=quirks, seed=seed, separate=separate, out_dim=out_dim, boxes=boxes)


def small_set():
    """Narrow networks at 64 px: both blocks, both methods, both quirk modes, separate target or not."""
    return [
        case('r18w8_scrl_ref_s1', 'resnet18', 8, 2, 64, 64, 'scrl', 'reference', 1, False),
        case('r18w8_scrl_clean_s2_sep', 'resnet18', 8, 3, 64, 64, 'scrl', 'clean', 2, True),
        case('r18w8_byol_ref_s3_sep', 'resnet18', 8, 2, 64, 128, 'byol', 'reference', 3, True),
        case('r18w8_byol_clean_s4', 'resnet18', 8, 4, 64, 64, 'byol', 'clean', 4, False),
        case('r50w4_scrl_ref_s5_sep', 'resnet50', 4, 2, 64, 64, 'scrl', 'reference', 5, True),
        case('r50w4_byol_clean_s6', 'resnet50', 4, 3, 64, 96, 'byol', 'clean', 6, False),
    ]


def resnet50_set():
    """16 full-width ResNet-50 cases spread over N, size, hidden, method, quirks and target."""
    sizes = [96, 128, 160, 192, 224]
    hiddens = [256, 512, 1024, 2048, 4096]
    out = []
    for i in range(16):
        mode = 'scrl' if i % 2 == 0 else 'byol'
        quirks = 'reference' if (i // 2) % 2 == 0 else 'clean'
        separate = (i // 4) % 2 == 1
        n = 2 + i % 3
        size = sizes[(i * 3) % 5]
        hidden = hiddens[(i * 2 + i // 5) % 5]
        out.append(case(f'r50_{mode}_{quirks}_n{n}_s{size}_h{hidden}{"_sep" if separate else ""}_seed{100 + i}',
                        'resnet50', 64, n, size, hidden, mode, quirks, 100 + i, separate))
    return out


SETS = {'small': small_set, 'resnet50': resnet50_set}


def run(cmd, log, env=None):
    with open(log, 'ab') as f:
        f.write(('$ ' + ' '.join(map(str, cmd)) + '\n').encode())
        f.flush()
        p = subprocess.run(list(map(str, cmd)), stdout=f, stderr=subprocess.STDOUT, env=env)
    if p.returncode != 0:
        sys.exit(f'verify_sweep: command failed (exit {p.returncode}), see {log}: {" ".join(map(str, cmd))}')


def generate(c, d, ref):
    d.mkdir(parents=True, exist_ok=True)
    (d / 'spec.json').write_text(json.dumps(dict(c, lars=LARS)) + '\n')
    log = d / 'log.txt'
    py = '/usr/bin/python3'
    case_npz = d / 'case.npz'
    if not case_npz.exists():
        cmd = [py, ref / 'make_case.py', case_npz, '--arch', c['arch'], '--width', c['width'], '--n', c['n'],
               '--size', c['size'], '--hidden', c['hidden'], '--seed', c['seed'], '--mode', c['mode']]
        if c['separate']:
            cmd.append('--separate-target')
        if c['out_dim']:
            cmd += ['--out-dim', c['out_dim']]
        run(cmd, log)
    golden = [py, ref / 'golden.py', case_npz]
    if not (d / 'g64.npz').exists():
        run(golden + [d / 'g64.npz', '--float64', '--quirks', c['quirks']] + LARS, log)
    for tag, threads in TORCH_RUNS:
        if not (d / f'g32_{tag}.npz').exists():
            run(golden + [d / f'g32_{tag}.npz', '--threads', threads, '--quirks', c['quirks']] + LARS, log)


OURS_ARGS = []  # --ours-args: more verify-step flags, e.g. "--batch-norm fused"


def ours(c, d):
    # always run: the point is to judge the code as it is now
    run([ROOT / 'tools' / 'scrl', 'verify-step', '--case', d / 'case.npz', '--out', d / 'ours.npz',
         '--quirks', c['quirks']] + LARS + OURS_ARGS, d / 'log.txt')


def group(key):
    if key.startswith('loss'):
        return 'loss'
    for g in ('grad', 'bn_after', 'after_step', 'after_ema', 'dloss'):
        if key.startswith(g + '/'):
            return g
    return 'forward'


def head_relu_flips(d, mine, g64, torch, limit=5):
    """ReLUs of the projector and predictor hidden layers whose input float64 and a float32 run put on
    different sides of 0, for scrl4j and for each torch float32 run.

    A ReLU whose input lies within float32's rounding noise of 0 may switch in any float32 run:
    everything upstream of it then gets a gradient that differs by that unit's share, a discrete
    jump that a distance ratio cannot judge. The pre-activations are recomputed in float64 from each
    run's own head input (online/roi or online/pooled for the projector, online/proj for the
    predictor) with the case's weights. Printed with a failing case as evidence of where its
    distance comes from: how many ReLUs each run switched, and ours beside torch's values. It
    passes nothing.
    """
    c = np.load(d / 'case.npz')
    runs = dict(ours=mine, **{f'torch{i}': t for i, t in enumerate(torch)})
    counts = {name: 0 for name in runs}
    ours_flips = []
    for head, inp in (('projector', 'online/roi' if 'online/roi' in g64.files else 'online/pooled'),
                      ('predictor', 'online/proj')):
        if any(inp not in r.files for r in runs.values()) or inp not in g64.files:
            continue
        w0, b0 = c[f'{head}.net.0.weight'].astype(np.float64), c[f'{head}.net.0.bias'].astype(np.float64)
        gamma, beta = c[f'{head}.net.1.weight'].astype(np.float64), c[f'{head}.net.1.bias'].astype(np.float64)

        def pre_relu(x):
            h = np.asarray(x, np.float64) @ w0.T + b0
            return (h - h.mean(0)) / np.sqrt(h.var(0) + 1e-5) * gamma + beta
        z64 = pre_relu(g64[inp])
        zs = {name: pre_relu(r[inp]) for name, r in runs.items()}
        for name, z in zs.items():
            counts[name] += int(np.sum(np.sign(z) != np.sign(z64)))
        for r, ch in zip(*np.nonzero(np.sign(zs['ours']) != np.sign(z64))):
            ours_flips.append(dict(head=head, row=int(r), channel=int(ch), float64=float(z64[r, ch]),
                                   relative_to_channel=float(abs(z64[r, ch]) / np.abs(z64[:, ch]).max()),
                                   **{name: float(z[r, ch]) for name, z in zs.items()}))
    ours_flips.sort(key=lambda f: f['relative_to_channel'])
    return dict(switched=counts, ours=ours_flips[:limit])


def judge(c, d, max_ratio):
    g64 = np.load(d / 'g64.npz')
    torch = [np.load(d / f'g32_{tag}.npz') for tag, _ in TORCH_RUNS]
    mine = np.load(d / 'ours.npz')
    keys = [k for k in g64.files if g64[k].dtype.kind == 'f' and k in mine.files]
    missing = [k for k in g64.files if g64[k].dtype.kind == 'f' and k not in mine.files
               and not k.startswith('dloss/')]
    rows = []
    for k in keys:
        ref = np.asarray(g64[k], np.float64).ravel()
        zero = k in ZERO_KEYS
        scale = 1.0 if zero else max(np.linalg.norm(ref), 1e-300)

        def dist(z):
            return float(np.linalg.norm(np.asarray(z[k], np.float64).ravel() - ref) / scale)
        d_torch = max(dist(t) for t in torch)
        d_ours = dist(mine)
        ratio = d_ours / max(d_torch, ZERO_KEY_FLOOR if zero else FLOOR)
        rows.append(dict(key=k, group=group(k), ours=d_ours, torch=d_torch, ratio=ratio))
    worst = {}
    for r in rows:
        if r['group'] not in worst or r['ratio'] > worst[r['group']]['ratio']:
            worst[r['group']] = r
    over = [r for r in rows if r['ratio'] > max_ratio]
    failed = [r['key'] for r in over]
    ratios = sorted(r['ratio'] for r in rows)
    flips = head_relu_flips(d, mine, g64, torch) if failed else None
    return dict(case=c['name'], keys=len(rows), missing=missing, passed=not failed and not missing,
                failed=failed[:10], head_relu_flips=flips, worst_ratio=ratios[-1] if ratios else None,
                median_ratio=ratios[len(ratios) // 2] if ratios else None,
                worst_by_group={g: dict(key=r['key'], ratio=round(r['ratio'], 3), ours=r['ours'], torch=r['torch'])
                                for g, r in sorted(worst.items())})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--set', choices=sorted(SETS), required=True)
    ap.add_argument('--out', type=Path, default=None, help='working folder (default runs/verify_sweep_<set>)')
    ap.add_argument('--only', nargs='*', default=None, help='case names to run')
    ap.add_argument('--max-ratio', type=float, default=2.0)
    ap.add_argument('--ours-args', default='', help='more verify-step flags for scrl4j\'s step, e.g. "--batch-norm fused"')
    ap.add_argument('--reference', type=Path, default=None,
                    help='folder of make_case.py/golden.py (default ../shared/reference beside the checkout)')
    ap.add_argument('--generate-only', action='store_true')
    ap.add_argument('--judge-only', action='store_true')
    a = ap.parse_args()
    OURS_ARGS.extend(a.ours_args.split())
    ref = a.reference or ROOT.parent / 'shared' / 'reference'
    if not a.judge_only and not (ref / 'golden.py').exists():
        sys.exit(f'verify_sweep: no golden.py in {ref}; pass --reference DIR')
    out = a.out or ROOT / 'runs' / f'verify_sweep_{a.set}'
    cases = [c for c in SETS[a.set]() if a.only is None or c['name'] in a.only]
    if not cases:
        sys.exit('verify_sweep: no case matches --only ' + ' '.join(a.only or []))
    results = []
    for c in cases:
        d = out / c['name']
        t0 = time.time()
        if not a.judge_only:
            generate(c, d, ref)
        if a.generate_only:
            print(json.dumps(dict(case=c['name'], generated=str(d), seconds=round(time.time() - t0, 1))), flush=True)
            continue
        if not a.judge_only:
            ours(c, d)
        if not (d / 'ours.npz').exists():
            sys.exit(f'verify_sweep: {d / "ours.npz"} is missing (run without --judge-only)')
        r = judge(c, d, a.max_ratio)
        r['seconds'] = round(time.time() - t0, 1)
        results.append(r)
        print(json.dumps(r), flush=True)
    if a.generate_only:
        return 0
    groups = sorted({g for r in results for g in r['worst_by_group']})
    print('\ncase' + ''.join(f' {g:>10}' for g in groups) + '   worst  pass')
    for r in results:
        cells = ''.join(f" {r['worst_by_group'][g]['ratio']:10.2f}" if g in r['worst_by_group'] else ' ' * 11
                        for g in groups)
        verdict = 'yes' if r['passed'] else 'NO'
        print(f"{r['case']}{cells} {r['worst_ratio']:7.2f}  {verdict}")
    passed = sum(r['passed'] for r in results)
    print(f'{passed} passed, {len(results) - passed} failed')
    return 0 if passed == len(results) else 1


if __name__ == '__main__':
    sys.exit(main())
