#!/usr/bin/env bash
# Wheels of the notebook runner's packages for the lent GPU machine's Python 3.12. Its image has torch,
# torchvision, matplotlib, torchmetrics, tqdm and many common packages, but no Jupyter kernel or notebook client.
# The wheels are nbclient, nbformat, ipykernel and ipywidgets with everything they need that the image lacks, and
# myst-nb alone (the notebooks import its glue()), at this environment's versions (.venv), so the notebooks run
# there with what they run with here. Writes .whl/ (git-ignored); tools/gpu_session.py says how they are used.
# Usage: bash tools/gpu_wheels.sh
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qxF '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
PINS=$(.venv/bin/python - <<'PY'
import re
from importlib.metadata import distribution, PackageNotFoundError

# Already on the GPU machine's image (its package list, /work/.library/device/KINDS.md): not carried.
ON_IMAGE = {"attrs", "packaging", "psutil", "pygments", "python-dateutil", "six", "typing-extensions", "pyyaml",
            "jinja2", "markupsafe", "tqdm", "numpy", "matplotlib", "pillow", "platformdirs"}
# Needed only interactively (the debugger, completion, the browser side of widgets): left out to keep the carried
# tree small (ipykernel and IPython import them only when present).
ON_IMAGE |= {"debugpy", "jedi", "parso", "widgetsnbextension"}
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
todo, pins = ["nbclient", "nbformat", "ipykernel", "ipywidgets"], {}
while todo:
    name = norm(todo.pop())
    if name in pins or name in ON_IMAGE:
        continue
    try:
        dist = distribution(name)
    except PackageNotFoundError:
        continue                      # an optional need this environment does not have either
    pins[name] = f"{dist.metadata['Name']}=={dist.version}"
    for req in dist.requires or []:
        if "extra ==" in req:
            continue
        if ";" in req and "python_version" in req and "3.1" in req.split(";")[1] and "<" in req.split(";")[1]:
            continue                  # a back-port for older Pythons
        todo.append(re.split(r"[ ;<>=!~\[(]", req.strip(), maxsplit=1)[0])
pins["myst-nb"] = f"myst-nb=={distribution('myst-nb').version}"
print("\n".join(sorted(pins.values())))
PY
)
rm -rf .whl && mkdir -p .whl
for pin in $PINS; do
  .venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "$pin" 2>&1 | grep -v "^WARNING: Location" || true
done
echo "$(ls .whl | wc -l) wheels: $(du -sh .whl | cut -f1)"
