"""The errata appendix: listings are verbatim copies of the articles' code, every article has numbered errata, and
every link to an erratum from a chapter points at one that exists."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
ERRATA = ROOT / "chapters" / "a1_errata.ipynb"
LISTING_SOURCES = {"a000_gan.py": "000_", "a001_keras_gan.py": "001_", "a002_dcgan.py": "002_",
                   "a003_models.py": "003_", "a004_keras_data.py": "004_", "a004_keras_models.py": "004_",
                   "a004_keras_train.py": "004_", "a004_keras_show.py": "004_"}


def _labels() -> set[str]:
    text = "\n".join(c.source for c in nbformat.read(ERRATA, as_version=4).cells if c.cell_type == "markdown")
    return set(re.findall(r"^\((erratum-\d{3}-\d+)\)=", text, flags=re.M))


def test_listings_are_verbatim_copies_of_the_articles():
    if not SEEDS.is_dir():
        pytest.skip(f"the source articles are not here ({SEEDS}); the check needs the shared folder")
    for name, prefix in LISTING_SOURCES.items():
        article = next(SEEDS.glob(prefix + "*.txt")).read_text(encoding="utf-8")
        listing = (ROOT / "listings" / name).read_text(encoding="utf-8")
        assert listing.strip() and listing in article, f"listings/{name} is not a verbatim block of article {prefix}"


def test_every_article_has_numbered_errata():
    labels = _labels()
    for article in ("000", "001", "002", "003", "004"):
        numbers = sorted(int(label.rsplit("-", 1)[1]) for label in labels if label.startswith(f"erratum-{article}-"))
        assert len(numbers) >= 3, (article, numbers)
        assert numbers == list(range(1, len(numbers) + 1)), f"article {article}'s errata are not numbered 1..n"


def test_links_to_errata_resolve():
    labels = _labels()
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        for target in re.findall(r"<(erratum-\d{3}-\d+)>", text):
            assert target in labels, f"{path.name} links to {target}, which the errata appendix does not define"
