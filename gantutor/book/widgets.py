"""Interactive explorers (ipywidgets) that also draw a static figure, so a rendered page without a live kernel still
shows a sensible state (chapter: *The GAN objective*, section "Explore")."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from .. import theory

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


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def latent_explorer(render, latent_dim: int, *, num_classes: int | None = None, class_names=None,
                    start=None, dims: int = 6, limit: float = 3.0):
    """Sliders for the first ``dims`` latent coordinates (and a class menu for a conditional model); the decoded
    image follows them.

    ``render(z, label)`` maps a latent vector ``z`` of shape ``(1, latent_dim)`` and a class index (``None`` for an
    unconditional model) to one image ``(H, W)`` or ``(1, H, W)`` with values in [0, 1]. Coordinates beyond ``dims``
    stay at ``start`` (default 0, the prior's mean). Returns the displayed ``ipywidgets.VBox``; the image is drawn
    before display, so the rendered book shows the starting state.
    """
    import ipywidgets as w
    from IPython.display import display

    if not isinstance(latent_dim, int) or latent_dim <= 0:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}.")
    z0 = torch.zeros(1, latent_dim) if start is None else torch.as_tensor(start, dtype=torch.float32).reshape(1, -1)
    if z0.shape[1] != latent_dim:
        raise ValueError(f"start has {z0.shape[1]} coordinates; the model's latent space has {latent_dim}.")
    style = {"description_width": "initial"}
    sliders = [w.FloatSlider(value=float(z0[0, i]), min=-limit, max=limit, step=0.05, description=f"z{i + 1}",
                             style=style, continuous_update=False) for i in range(min(dims, latent_dim))]
    controls = list(sliders)
    menu = None
    if num_classes is not None:
        names = list(class_names) if class_names is not None else [str(c) for c in range(num_classes)]
        menu = w.Dropdown(options=[(n, i) for i, n in enumerate(names)], value=0, description="class", style=style)
        controls.append(menu)
    image = w.Image(format="png", layout=w.Layout(width="260px"))

    def redraw(*_):
        z = z0.clone()
        for i, s in enumerate(sliders):
            z[0, i] = s.value
        with torch.no_grad():
            img = torch.as_tensor(render(z, None if menu is None else menu.value)).detach().cpu().squeeze()
        fig, ax = plt.subplots(figsize=(2.6, 2.6))
        ax.imshow(img.numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
        ax.set_title("z = (" + ", ".join(f"{v:.1f}" for v in z[0, :len(sliders)].tolist())
                     + (", …" if latent_dim > len(sliders) else "") + ")"
                     + ("" if menu is None else f"\nclass {menu.label}"), fontsize=9)
        image.value = _png(fig)

    for c in controls:
        c.observe(redraw, names="value")
    redraw()
    box = w.HBox([w.VBox(controls), image])
    display(box)
    return box


class TrainingDashboard:
    """A live view of training: a metric's curve and the current samples, redrawn at every snapshot.

    Pass ``dashboard.on_snapshot`` as ``on_snapshot=`` to :func:`gantutor.train_gan` or
    :func:`gantutor.vae.train_vae`; ``metric(model)`` returns a number (e.g. the negative ELBO of a held-out batch)
    and ``samples(model)`` a batch of images in [0, 1] for the grid. The dashboard is an ``ipywidgets`` box that
    updates while the cell runs; after the run it keeps its last state, which is what the rendered book shows.
    """

    def __init__(self, metric, samples, *, metric_name: str = "metric", nrow: int = 8):
        import ipywidgets as w

        self.metric, self.samples, self.metric_name, self.nrow = metric, samples, metric_name, nrow
        self.steps: list[int] = []
        self.values: list[float] = []
        self.status = w.HTML("waiting for the first snapshot …")
        self.image = w.Image(format="png", layout=w.Layout(width="720px"))
        self.widget = w.VBox([self.status, self.image])

    def display(self):
        from IPython.display import display

        display(self.widget)
        return self

    def on_snapshot(self, step: int, model) -> float:
        from torchvision.utils import make_grid

        value = float(self.metric(model))
        self.steps.append(step)
        self.values.append(value)
        grid = make_grid(torch.as_tensor(self.samples(model)).detach().cpu().clamp(0, 1), nrow=self.nrow, padding=1)
        fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [1.3, 1]})
        a.plot(self.steps, self.values, "o-")
        a.set_xlabel("training step")
        a.set_ylabel(self.metric_name)
        b.imshow(grid.permute(1, 2, 0).numpy(), cmap="gray")
        b.set_axis_off()
        b.set_title(f"samples at step {step}", fontsize=9)
        fig.tight_layout()
        self.image.value = _png(fig)
        self.status.value = f"step {step}: {self.metric_name} = {value:.2f}"
        return value
