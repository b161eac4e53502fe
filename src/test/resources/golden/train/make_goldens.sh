#!/bin/sh
# Regenerates the committed goldens of org.scrl4j.optim / org.scrl4j.method tests with the shared
# torchvision harness (/work/shared/reference). Outputs are trimmed to the keys the tests read.
set -e
R=${REFERENCE:-/work/shared/reference}
T=${TMPDIR:-/tmp}/scrl4j-train-goldens
OUT=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$T"
PY=/usr/bin/python3
$PY $R/make_case.py "$OUT/r18w8_case.npz" --arch resnet18 --width 8 --size 64 --hidden 64 --mode scrl --separate-target
$PY $R/make_case.py "$OUT/r50w4_case.npz" --arch resnet50 --width 4 --size 64 --hidden 32 --mode scrl --separate-target
$PY $R/golden.py "$OUT/r18w8_case.npz" "$T/r18w8_reference.npz" --lars-lr 0.45 --wd 1e-6 --ema-m 0.97 --quirks reference
# the deeper bottleneck net: fp32 torch and fp32 TF differ by 1.5e-4 in the heads, so the golden is
# computed in float64 (stored as float32) and measures our fp32 error alone
$PY $R/golden.py "$OUT/r50w4_case.npz" "$T/r50w4_reference.npz" --float64 --lars-lr 0.45 --wd 1e-6 --ema-m 0.97 --quirks reference
$PY $R/golden.py "$OUT/r18w8_case.npz" "$T/r18w8_clean.npz" --lars-lr 0.45 --wd 1e-6 --ema-m 0.97 --quirks clean
$PY $R/golden.py "$OUT/r18w8_case.npz" "$T/r18w8_byol.npz" --mode byol --lars-lr 0.45 --wd 1e-6 --ema-m 0.97
$PY - "$T" "$OUT" <<'PY'
import sys, numpy as np
t, out = sys.argv[1], sys.argv[2]
def trim(src, dst, keep):
    z = np.load(f'{t}/{src}')
    f32 = lambda a: a.astype(np.float32) if a.dtype == np.float64 else a
    np.savez(f'{out}/{dst}', **{k: f32(z[k]) for k in z.files if keep(k)})
drop = ('dloss/', 'online/layer4')       # layer4 is kept in its NHWC form
trim('r18w8_reference.npz', 'r18w8_reference.npz', lambda k: not k.startswith(drop) or k == 'online/layer4_nhwc')
trim('r50w4_reference.npz', 'r50w4_reference.npz', lambda k: not k.startswith(drop) or k == 'online/layer4_nhwc')
# quirks change only the LARS step: keep after_step/* (after_ema follows from it)
trim('r18w8_clean.npz', 'r18w8_clean.npz', lambda k: k.startswith(('after_step/', 'info_json')))
# byol: the loss path and the gradients of the heads and the first two stages
trim('r18w8_byol.npz', 'r18w8_byol.npz', lambda k: k in ('loss', 'online/pooled', 'online/proj', 'online/pred', 'target/pooled', 'target/proj', 'info_json') or k.startswith(('grad/projector', 'grad/predictor', 'grad/conv1', 'grad/bn1', 'grad/layer1', 'grad/layer2')))
PY
# torch autocast's bfloat16 distance to these goldens: the yardstick of MixedPrecisionStepTest
R18=$T/r18w8_autocast.npz; R50=$T/r50w4_autocast.npz; TOOLS=$(cd "$OUT/../../../../../tools" && pwd)
$PY $TOOLS/torch_autocast_step.py "$OUT/r18w8_case.npz" "$R18" --reference $R --threads 2
$PY $TOOLS/torch_autocast_step.py "$OUT/r50w4_case.npz" "$R50" --reference $R --threads 2
{ $PY $TOOLS/precision_distance.py "$OUT/r18w8_reference.npz" r18w8="$R18"
  $PY $TOOLS/precision_distance.py "$OUT/r50w4_reference.npz" r50w4="$R50"; } > "$OUT/autocast_bf16.jsonl"
ls -la "$OUT"
