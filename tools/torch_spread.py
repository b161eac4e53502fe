#!/usr/bin/python3
"""Torch's own float32 distance from a float64 golden, per forward key, over several runs.

    tools/torch_spread.py CASE.npz GOLDEN_F64.npz OUT.json [--runs 2] [--threads 1,2]

For each forward key, d = max|torch_f32 - golden_f64| / max|golden_f64| (max_relative), and for
each gradient d = ||torch_f32 - golden_f64|| / ||golden_f64|| (grad_norm_relative): the distances
the golden tests use. OUT.json holds the largest d over the runs and thread counts, i.e. the width
of the reference's own float32 spread. Tests judge scrl4j's float32 against a multiple of it, the rule
tools/verify_sweep.py applies (see --max-ratio there).
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np

KEYS = ['online/layer4_nhwc', 'online/pooled', 'online/proj', 'online/pred',
        'target/proj', 'target/pooled', 'loss']
REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'reference')

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('case'); ap.add_argument('golden'); ap.add_argument('out')
    ap.add_argument('--runs', type=int, default=2)
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--reference', default=os.environ.get('SCRL_REFERENCE', REFERENCE))
    a = ap.parse_args()
    gold = np.load(a.golden)
    worst = {k: 0.0 for k in KEYS}
    grads = {k: 0.0 for k in gold.files if k.startswith('grad/')}
    with tempfile.TemporaryDirectory() as tmp:
        for t in a.threads.split(','):
            for r in range(a.runs):
                out = os.path.join(tmp, f'f32_t{t}_{r}.npz')
                env = dict(os.environ, OMP_NUM_THREADS=t, MKL_NUM_THREADS=t)
                subprocess.run(['/usr/bin/python3', os.path.join(a.reference, 'golden.py'), a.case, out],
                               check=True, env=env, stdout=subprocess.DEVNULL)
                f32 = np.load(out)
                for k in KEYS:
                    want = gold[k].astype(np.float64)
                    d = np.abs(f32[k].astype(np.float64) - want).max() / np.abs(want).max()
                    worst[k] = max(worst[k], float(d))
                for k in grads:
                    want = gold[k].astype(np.float64)
                    d = np.linalg.norm(f32[k].astype(np.float64) - want) / max(np.linalg.norm(want), 1e-30)
                    grads[k] = max(grads[k], float(d))
    with open(a.out, 'w') as f:
        json.dump(dict(case=os.path.basename(a.case), golden=os.path.basename(a.golden),
                       threads=a.threads, runs=a.runs, max_relative=worst,
                       grad_norm_relative=grads), f, indent=1)
    print(json.dumps(worst))

if __name__ == '__main__':
    sys.exit(main())
