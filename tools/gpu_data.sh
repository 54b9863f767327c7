#!/usr/bin/env bash
# The datasets for the lent GPU machine, compressed, in .gpudata/ (git-ignored; the data root ../shared/data does
# not travel with the repository). Usage: bash tools/gpu_data.sh [DATASET ...]   (default: MNIST)
# tools/gpu_session.py unpacks them there. The carried tree is limited to 64 MiB: MNIST (11 MB) fits beside the
# repository and the wheels; Fashion-MNIST (30 MB) needs a call of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qxF '/.gpudata/' .git/info/exclude 2>/dev/null || echo '/.gpudata/' >> .git/info/exclude
SRC=${GANTUTOR_DATA:-../shared/data}
rm -rf .gpudata
for name in "${@:-MNIST}"; do
  mkdir -p ".gpudata/$name/raw"
  cp "$SRC/$name/raw/"*.gz ".gpudata/$name/raw/"
done
du -sh .gpudata
