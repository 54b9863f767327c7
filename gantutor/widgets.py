"""Interactive explorers (ipywidgets) that also draw a static figure, so a rendered page without a live kernel still
shows a sensible state (chapter: *The GAN objective*, section "Explore")."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from . import theory

#: The data distribution of the GAN-objective chapter: an equal mixture of N(-2, 0.6^2) and N(2, 0.6^2).
DATA_MIXTURE = {"weights": [0.5, 0.5], "means": [-2.0, 2.0], "stds": [0.6, 0.6]}
GRID = torch.linspace(-8, 8, 4001, dtype=torch.float64)


def objective_state(mean: float, std: float, weight_right: float = 0.5) -> dict:
    """Densities, optimal discriminator, value and JSD for one generator.

    ``p_g`` is a mixture of ``N(-mean, std^2)`` and ``N(mean, std^2)`` with weight ``weight_right`` on the right
    component, or the single Gaussian ``N(mean, std^2)`` when ``weight_right`` is ``None``.
    """
    x = GRID
    p_data = theory.mixture_pdf(x, **DATA_MIXTURE)
    if weight_right is None:
        p_g = theory.gaussian_pdf(x, mean, std)
    else:
        p_g = theory.mixture_pdf(x, [1 - weight_right, weight_right], [-mean, mean], [std, std])
    d_star = theory.optimal_discriminator(p_data, p_g)
    return {"x": x, "p_data": p_data, "p_g": p_g, "d_star": d_star,
            "value": float(theory.value_function(d_star, p_data, p_g, x)),
            "jsd": float(theory.js_divergence(p_data, p_g, x))}


def plot_objective(mean: float = 1.0, std: float = 1.0, weight_right: float | None = 0.5, ax=None):
    """Draw ``p_data``, ``p_g`` and the optimal discriminator ``D*`` for one generator; returns the axes."""
    s = objective_state(mean, std, weight_right)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.4))
    x = s["x"].numpy()
    ax.plot(x, s["p_data"].numpy(), label="$p_{data}$", color="C0")
    ax.plot(x, s["p_g"].numpy(), label="$p_g$", color="C1")
    ax.plot(x, s["d_star"].numpy(), label="$D^*(x)$", color="C2", ls="--")
    ax.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("x")
    ax.set_title(f"V(D*, G) = {s['value']:.4f}   JSD = {s['jsd']:.4f} nats   (−log 4 = {-theory.LOG4:.4f})",
                 fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    return ax


def objective_explorer(mean: float = 1.0, std: float = 1.0, weight_right: float = 0.5):
    """Sliders for the generator's distribution; the plot of ``p_data``, ``p_g``, ``D*``, V and JSD follows them.

    Returns the displayed ``ipywidgets.VBox``; the plot is an ``Image`` widget drawn before display, so executing
    the cell headless (nbval, the book's stored widget state) leaves the figure behind.
    """
    import ipywidgets as w
    from IPython.display import display

    style = {"description_width": "initial"}
    sliders = {
        "mean": w.FloatSlider(value=mean, min=0.0, max=5.0, step=0.1, description="mode position", style=style),
        "std": w.FloatSlider(value=std, min=0.2, max=3.0, step=0.05, description="mode width", style=style),
        "weight_right": w.FloatSlider(value=weight_right, min=0.0, max=1.0, step=0.05, description="right weight",
                                      style=style),
    }
    image = w.Image(format="png", layout=w.Layout(width="760px"))

    def redraw(*_):
        # drawn to PNG bytes in an Image widget (no output capture): works the same live, headless and in the
        # stored widget state that the rendered book shows
        import io

        ax = plot_objective(**{k: s.value for k, s in sliders.items()})
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        plt.close(ax.figure)
        image.value = buf.getvalue()

    for s in sliders.values():
        s.observe(redraw, names="value")
    redraw()
    box = w.VBox([w.HBox(list(sliders.values())[:2]), list(sliders.values())[2], image])
    display(box)
    return box
