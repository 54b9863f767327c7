"""Fetch the JavaScript the rendered book needs (MathJax, mermaid, the ipywidgets manager) from the npm registry into
``_vendor/`` (copied into the built book's ``_static/``), so pages render maths and diagrams with no CDN. Run by ``make book`` and ``make test``.

Each package is a pinned tarball verified against its registry integrity hash; only the files the book loads are
extracted. Already-fetched assets are kept (a stamp file records what is there).
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "_vendor"
CACHE = ROOT / ".cache" / "npm"
REGISTRY = "https://registry.npmjs.org"

# name, version, sha512 integrity (from the registry's dist.integrity), files to keep (prefix under package/)
PACKAGES = [
    ("mathjax", "3.2.2",
     "Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
     ("es5/tex-mml-chtml.js", "es5/output/chtml/fonts/woff-v2/")),
    ("mermaid", "11.12.1",
     "UlIZrRariB11TY1RtTgUWp65tphtBv4CSq7vyS2ZZ2TgoMjs2nloq+wFqxiwcxlhHUvs7DPGgMjs2aeQxz5h9g==",
     ("dist/mermaid.esm.min.mjs", "dist/chunks/mermaid.esm.min/")),
    ("requirejs", "2.3.7",
     "DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
     ("require.js",)),
    ("@jupyter-widgets/html-manager", "1.0.6",
     "+Mn+Ra8wyIHrYaUpfmf9A3dsLkt/NuwzPQN8sthdxBD35VV5cOJbpmgMhNR27n/rmP3mKyEe0PWCJrtZrXTXDQ==",
     ("dist/",)),
]


def tarball(name: str, version: str, integrity: str) -> bytes:
    CACHE.mkdir(parents=True, exist_ok=True)
    base = name.split("/")[-1]
    path = CACHE / f"{base}-{version}.tgz"
    if path.is_file():
        data = path.read_bytes()
    else:
        url = f"{REGISTRY}/{name}/-/{base}-{version}.tgz"
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                data = response.read()
        except OSError as err:
            sys.exit(f"Could not download {url} ({err}).\nThe book serves MathJax and mermaid itself; it needs the npm "
                     f"registry once to fetch them. Connect to the internet, or put {path.name} into {CACHE}/ "
                     f"(e.g. `npm pack {name}@{version}`), then run `make book` again.")
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        sys.exit(f"{base}-{version}.tgz does not match its registry hash (got sha512-{digest}); delete "
                 f"{path} and run again.")
    path.write_bytes(data)
    return data


def fetch() -> None:
    for name, version, integrity, keep in PACKAGES:
        stamp = DEST / name / ".version"
        if stamp.is_file() and stamp.read_text().strip() == version:
            continue
        data = tarball(name, version, integrity)
        target = DEST / name
        count = 0
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = member.name.removeprefix("package/")
                if not member.isfile() or rel.endswith(".map") or not rel.startswith(keep):
                    continue
                out = target / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(member).read())
                count += 1
        stamp.write_text(version)
        print(f"fetched {name} {version}: {count} files into {target.relative_to(ROOT)}")


if __name__ == "__main__":
    fetch()
