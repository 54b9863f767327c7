"""The book's machinery, apart from the library a reader studies: what runs, checks and publishes the chapters.

* :mod:`~gantutor.book.notebooks` — re-executes notebooks in a profile and records the run (``make notebooks``);
* :mod:`~gantutor.book.exercises` — the checkers behind the chapters' exercises;
* :mod:`~gantutor.book.assignments` — releases the graded assignments (nbgrader format);
* :mod:`~gantutor.book.widgets` — the interactive explorers;
* :mod:`~gantutor.book.bench` — the speed benchmark (``python -m gantutor.bench``);
* :mod:`~gantutor.book.cli` — the command line (``python -m gantutor train|sample|evaluate``);
* here: :class:`Text` and :func:`find_results`, small helpers for glue and for the committed run records.

The Sphinx extensions that draw the status page and the launch buttons are in ``tools/``.
"""

from __future__ import annotations

from pathlib import Path


class Text(str):
    """A string that myst-nb ``glue`` inserts without quotes (its plain-text form is the string itself).

    ``glue("device", Text("cpu"))`` renders as ``cpu`` in ``{glue:text}`device``, where a plain ``str`` would
    render as ``'cpu'``.
    """

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def __repr__(self):
        return str(self)


def find_results(name: str, start: Path | None = None) -> Path:
    """The committed record ``results/<name>`` (a file or folder) in ``start`` (default: the working directory)
    or the nearest folder above it — notebooks run from ``chapters/``, the records live at the repository root."""
    start = Path.cwd() if start is None else Path(start)
    for folder in (start, *start.parents):
        if (folder / "results" / name).exists():
            return folder / "results" / name
    raise FileNotFoundError(f"results/{name} is not in {start} or any folder above it: run this notebook from the "
                            f"gantutor repository, where the records are committed.")


def stored_notebook(chapter: str, start: Path | None = None) -> dict:
    """The stored ``chapters/<chapter>.ipynb`` (as JSON), found from ``start`` (default: the working directory) or a
    folder above it — another chapter's run, read rather than re-run."""
    import json

    start = Path.cwd() if start is None else Path(start)
    for folder in (start, *start.parents):
        for path in (folder / f"{chapter}.ipynb", folder / "chapters" / f"{chapter}.ipynb"):
            if path.is_file():
                return json.loads(path.read_text())
    raise FileNotFoundError(f"chapters/{chapter}.ipynb is not in {start} or any folder above it.")


def stored_metrics(chapter: str, start: Path | None = None) -> dict:
    """The headline numbers another chapter's stored run recorded (``metadata.gantutor.metrics``), with the run's
    profile, device and seconds under ``"_run"``. A chapter that has not been run with the runner gives
    ``{"_run": {}}``."""
    meta = stored_notebook(chapter, start)["metadata"].get("gantutor", {})
    return {**meta.get("metrics", {}), "_run": {k: meta[k] for k in ("profile", "device", "seconds") if k in meta}}


def stored_glue(chapter: str, name: str, start: Path | None = None):
    """A value another chapter's stored run glued under ``name`` (a number when it reads as one, else the text)."""
    for cell in stored_notebook(chapter, start)["cells"]:
        for out in cell.get("outputs", []):
            if out.get("metadata", {}).get("scrapbook", {}).get("name") == name:
                text = out["data"]["application/papermill.record/text/plain"]
                try:
                    return float(text)
                except ValueError:
                    return text.strip("'")
    raise KeyError(f"chapters/{chapter}.ipynb has no glued value {name!r}: run it first.")


#: The models and measures of the book's headline numbers (``metadata.gantutor.metrics`` of each notebook).
METRIC_MODELS = ("mlpgan", "dcgan", "cdcgan", "vae", "cvae", "ddpm", "flow")
METRIC_NAMES = ("fid_over_floor", "confident_rate", "max_class_share", "nll_nats", "cas", "cas_means", "precision",
                "recall", "guided_fid_over_floor", "train_minutes", "sample_ms")
METRIC_PREFIX = "metric__"
#: How the book names each model in tables of headline numbers (``<model>_reference`` adds ", reference run").
MODEL_LABELS = {"mlpgan": "MLP GAN", "dcgan": "DCGAN", "cdcgan": "conditional DCGAN", "vae": "VAE",
                "cvae": "conditional VAE", "ddpm": "DDPM", "flow": "flow matching"}


def book_scores(notebooks) -> dict:
    """``name -> (value, notebook path)`` for every headline number the stored runs of ``notebooks`` recorded
    (``metadata.gantutor.metrics``). A number has one source: two notebooks recording the same name is an error."""
    import json

    scores: dict = {}
    for path in notebooks:
        metrics = json.loads(Path(path).read_text()).get("metadata", {}).get("gantutor", {}).get("metrics", {})
        for name, value in metrics.items():
            if name in scores:
                raise ValueError(f"{name} is recorded by both {scores[name][1]} and {path}: record each headline "
                                 f"number in one notebook and read it elsewhere.")
            scores[name] = (value, Path(path))
    return scores


def format_score(name: str, value: float, spec: str | None = None) -> str:
    """A headline number as the book prints it: rates and shares as percentages, FID ratios with one decimal."""
    measure = name.partition(".")[2]
    if spec is None:
        spec = {"fid_over_floor": ".1f", "guided_fid_over_floor": ".1f", "nll_nats": ".2f", "train_minutes": ".1f",
                "sample_ms": ".3g", "precision": ".3f", "recall": ".3f"}.get(measure, ".1%")
    return format(value, spec)


def metric(name: str, value: float) -> str:
    """Glue a headline number (hidden) and mark it for the run record: ``metric("dcgan.fid_over_floor", 12.3)``.

    ``name`` is ``<model>[_reference].<measure>`` with a model of :data:`METRIC_MODELS` and a measure of
    :data:`METRIC_NAMES`; rates, shares and CAS are fractions in [0, 1], NLL is in nats. The notebook runner
    (``make notebooks``) copies every such number into ``metadata.gantutor.metrics``. Returns the glue key, for
    ``{glue:text}`` in the prose."""
    from myst_nb import glue

    model, _, measure = name.partition(".")
    if model.removesuffix("_reference") not in METRIC_MODELS or measure not in METRIC_NAMES:
        raise ValueError(f"{name!r} is not a headline metric: use <model>[_reference].<measure> with a model from "
                         f"{', '.join(METRIC_MODELS)} and a measure from {', '.join(METRIC_NAMES)}.")
    value = float(value)
    if measure in {"confident_rate", "max_class_share", "cas", "cas_means", "precision", "recall"} and not 0 <= value <= 1:
        raise ValueError(f"{name} is a fraction in [0, 1], got {value}; pass 0.93, not 93.")
    key = f"{METRIC_PREFIX}{model}__{measure}"
    glue(key, value, display=False)
    return key


#: The glue key by which a page says it trains nothing and only reads stored records.
RECORDS_ONLY_KEY = "run__reads_records"


def reads_records() -> None:
    """Mark this page as one that trains nothing and only reads stored records (made on the devices they name), so
    that its run record, and the status table built from it, say so beside the device the page itself ran on."""
    from myst_nb import glue

    glue(RECORDS_ONLY_KEY, True, display=False)


def metric_name(key: str) -> str:
    """``metric__dcgan__fid_over_floor`` → ``dcgan.fid_over_floor``."""
    model, measure = key.removeprefix(METRIC_PREFIX).split("__")
    return f"{model}.{measure}"
