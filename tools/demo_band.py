#!/usr/bin/python3
"""The demo's expected curves: a band over seeds of the per-epoch mean training loss, and of the
probe's top-1, read from the TensorBoard scalars (every step) and log_result.txt of demo run folders.

  /usr/bin/python3 tools/demo_band.py --out band.json [--png band.png] [--command TEXT] RUN_DIR... [--early RUN_DIR...]
  /usr/bin/python3 tools/demo_band.py --update band.json --out band.json --early RUN_DIR...

Each RUN_DIR is one seed's run folder (runs/demo_fashion_mnist_000 of `tools/scrl demo --seed=S`).
The JSON is what DemoBandTest checks a short run against; the picture is README "Demo"'s band.
Reads the event files with a few lines of protobuf decoding, so it needs neither TensorFlow nor
tensorboard: Event{1: wall_time double, 2: step int64, 5: Summary{1: Value{1: tag, 2: simple_value}}}.
"""
import argparse
import glob
import json
import math
import os
import re
import struct


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf):
    """(field number, wire type, value) of one protobuf message; value is bytes for wire type 2."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, v


def records(path):
    """TFRecord framing: length u64, crc u32, data, crc u32 (CRCs not checked: our own files)."""
    with open(path, 'rb') as f:
        data = f.read()
    i = 0
    while i + 12 <= len(data):
        (n,) = struct.unpack('<Q', data[i:i + 8])
        yield data[i + 12:i + 12 + n]
        i += 12 + n + 4


def scalars(run_dir, tag):
    """{step: value} of one tag over every event file of the folder (a resumed run has several)."""
    out = {}
    for path in sorted(glob.glob(os.path.join(run_dir, 'events.out.tfevents.*'))):
        for rec in records(path):
            step, values = 0, []
            for num, _, v in fields(rec):
                if num == 2:
                    step = v
                elif num == 5:
                    for snum, _, sv in fields(v):
                        if snum == 1:
                            t, x = None, None
                            for vnum, _, vv in fields(sv):
                                if vnum == 1:
                                    t = vv.decode()
                                elif vnum == 2:
                                    (x,) = struct.unpack('<f', vv)
                            if t == tag and x is not None:
                                values.append(x)
            for x in values:
                out[step] = x
    return out


def steps_per_epoch(run_dir):
    """From the run's log: 'epoch 1/30 ... N/N' progress lines end with the epoch's step count."""
    with open(os.path.join(run_dir, 'log.txt')) as f:
        for line in f:
            m = re.search(r'epoch 1/\d+\S*\s+(\d+)/(\d+)', line)
            if m and m.group(1) == m.group(2):
                return int(m.group(2))
    raise SystemExit("%s/log.txt: no finished 'epoch 1/...' progress line to read steps per epoch from" % run_dir)


def probe_top1(run_dir):
    path = os.path.join(run_dir, 'log_result.txt')
    if not os.path.exists(path):
        return None
    with open(path) as f:
        found = re.findall(r'\[linear evaluation\].*top-1 last ([0-9.]+) %', f.read())
    return float(found[-1]) if found else None


def epoch_means(run_dir, spe):
    loss = scalars(run_dir, 'train/loss')
    if not loss:
        raise SystemExit("%s: no train/loss scalars in its event files" % run_dir)
    per = {}
    for step, x in loss.items():
        per.setdefault((step - 1) // spe + 1, []).append(x)
    return {e: sum(v) / len(v) for e, v in sorted(per.items()) if len(v) == spe}


# Student's t, two-sided 99 %: T99[df] for df = 1..30 (standard tables)
T99 = [None, 63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169, 3.106, 3.055, 3.012,
       2.977, 2.947, 2.921, 2.898, 2.878, 2.861, 2.845, 2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771,
       2.763, 2.756, 2.750]


def stats(xs):
    """Mean, sd, range, and the 99 % prediction interval of one more run: mean +- t(0.995, n-1) sd
    sqrt(1 + 1/n), which accounts for the sd being estimated from n runs (mean +- 3 sd does not:
    with 4 runs a new run falls outside it about one time in seven)."""
    n = len(xs)
    mean = sum(xs) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else 0.0
    out = {'mean': mean, 'sd': sd, 'min': min(xs), 'max': max(xs), 'n': n}
    if 1 < n <= len(T99):
        half = T99[n - 1] * sd * math.sqrt(1 + 1 / n)
        out['predict99'] = [mean - half, mean + half]
    return out


def early_band(band, early_runs):
    """Adds early_epoch_mean_loss to band: for each epoch the --early runs reached, the full runs'
    values and theirs (runs of the same config stopped early with train/stop_at_epoch)."""
    spe = band['steps_per_epoch']
    samples = {}
    for values in band['per_run_epoch_mean_loss']:
        for i, x in enumerate(values):
            samples.setdefault(i + 1, []).append(x)
    added = set()
    curves = []
    for r in early_runs:
        got = steps_per_epoch(r)
        if got != spe:
            raise SystemExit("%s has %d steps per epoch, the band %d: not the same config" % (r, got, spe))
        curves.append(epoch_means(r, spe))
        for e, x in curves[-1].items():
            samples.setdefault(e, []).append(x)
            added.add(e)
    band['early_epoch_mean_loss'] = {str(e): stats(samples[e]) for e in sorted(added)}
    band['early_runs'] = band.get('early_runs', []) + [os.path.abspath(r) for r in early_runs]
    band['per_early_run_epoch_mean_loss'] = band.get('per_early_run_epoch_mean_loss', []) + [
        [c[e] for e in sorted(c)] for c in curves]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('runs', nargs='*', help='full runs of the config, one per seed')
    ap.add_argument('--out', required=True)
    ap.add_argument('--png')
    ap.add_argument('--command', help='how the runs were made (machine, date), kept in the JSON')
    ap.add_argument('--update', help='a band.json to extend with --early runs instead of full runs')
    ap.add_argument('--early', nargs='*', default=[],
                    help='runs of the same config stopped early (train/stop_at_epoch=2): more samples'
                         ' for the early epochs (early_epoch_mean_loss, what DemoBandTest checks)')
    a = ap.parse_args()
    if a.update:
        with open(a.update) as f:
            band = json.load(f)
        early_band(band, a.early)
        with open(a.out, 'w') as f:
            json.dump(band, f, indent=1)
            f.write('\n')
        print(json.dumps(band['early_epoch_mean_loss']))
        return
    if not a.runs:
        raise SystemExit('give full runs, or --update BAND.json with --early runs')
    spe = {steps_per_epoch(r) for r in a.runs}
    if len(spe) != 1:
        raise SystemExit("the runs have different steps per epoch %s: not one config" % sorted(spe))
    spe = spe.pop()
    curves = [epoch_means(r, spe) for r in a.runs]
    epochs = sorted(set.intersection(*[set(c) for c in curves]))
    band = {
        'steps_per_epoch': spe,
        'seeds': len(a.runs),
        'runs': [os.path.abspath(r) for r in a.runs],
        'epoch_mean_loss': {str(e): stats([c[e] for c in curves]) for e in epochs},
        'per_run_epoch_mean_loss': [[c[e] for e in epochs] for c in curves],
    }
    if a.command:
        band['command'] = a.command
    if a.early:
        early_band(band, a.early)
    tops = [probe_top1(r) for r in a.runs]
    if all(t is not None for t in tops):
        band['probe_top1'] = stats(tops)
        band['per_run_probe_top1'] = tops
    with open(a.out, 'w') as f:
        json.dump(band, f, indent=1)
        f.write('\n')
    if a.png:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 4))
        for c, r in zip(curves, a.runs):
            ax.plot(epochs, [c[e] for e in epochs], lw=0.8, alpha=0.7)
        lo = [band['epoch_mean_loss'][str(e)]['min'] for e in epochs]
        hi = [band['epoch_mean_loss'][str(e)]['max'] for e in epochs]
        ax.fill_between(epochs, lo, hi, alpha=0.2, color='grey', label='min-max over %d seeds' % len(a.runs))
        ax.set_xlabel('epoch')
        ax.set_ylabel('epoch-mean training loss')
        title = 'demo config: loss band over seeds'
        if 'probe_top1' in band:
            p = band['probe_top1']
            title += '; probe top-1 %.2f-%.2f %%' % (p['min'], p['max'])
        ax.set_title(title)
        ax.legend()
        fig.tight_layout()
        fig.savefig(a.png, dpi=100)
    print(json.dumps({k: band[k] for k in ('steps_per_epoch', 'seeds')}))


if __name__ == '__main__':
    main()
