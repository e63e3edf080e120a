#!/usr/bin/env bash
# How docs/bench/device_cpu2 (and device_cpu14) were produced on the lent H100 machine.
# That machine reaches no package registry, and TensorFlow's CUDA build (~2-3 GB with its CUDA 12
# libraries) cannot be carried there (64 MiB per call), so TensorFlow ran there on CPU only:
# tensorflow-cpu 2.21.0 (274 MB, cp312) was downloaded here with `pip download`, split into 52 MiB
# pieces under bench_out/p0..p4 (git-ignored), carried one piece per call to /tmp/w on the warm
# machine, and joined and installed by this script. PyTorch 2.11 (cu130) is part of that machine's image.
set -u
cd "$(dirname "$0")/../.."
cp bench_out/p4/* /tmp/w/
cat /tmp/w/tfpart_0* > /tmp/w/tensorflow_cpu-2.21.0-cp312-cp312-manylinux_2_27_x86_64.whl
sha256sum /tmp/w/tensorflow_cpu-*.whl | cut -c1-16
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site /tmp/w/*.whl 2>&1 | tail -2
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
python3 -c "import tensorflow as tf, tf_keras, keras; print('TF', tf.__version__, 'keras', keras.__version__)" 2>&1 | tail -2
OUT=${OUT:-bench_out}
mkdir -p "$OUT/device_cpu2" "$OUT/device_cpu14"
CUDA_VISIBLE_DEVICES= timeout 330 taskset -c 0,1 python3 -m r2rt_rnn bench --steps 10 --repeats 2 \
  --out "$OUT/device_cpu2" 2>&1 | tee "$OUT/device_cpu2/log.txt"
CUDA_VISIBLE_DEVICES= timeout 220 taskset -c 2-15 python3 -m r2rt_rnn bench --steps 10 --repeats 2 \
  --out "$OUT/device_cpu14" 2>&1 | tee "$OUT/device_cpu14/log.txt"
