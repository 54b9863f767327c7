import math

import pytest
import torch

from gantutor.book import widgets


def test_objective_state_at_the_data_is_the_equilibrium():
    s = widgets.objective_state(mean=2.0, std=0.6, weight_right=0.5)  # p_g == p_data
    assert s["jsd"] == pytest.approx(0.0, abs=1e-9)
    assert s["value"] == pytest.approx(-math.log(4), rel=1e-6)
    assert s["d_star"].sub(0.5).abs().max().item() < 1e-9


def test_objective_state_dropping_a_mode_raises_the_discriminator_there():
    s = widgets.objective_state(mean=2.0, std=0.6, weight_right=1.0)
    left = s["x"].sub(-2.0).abs().argmin()
    assert s["d_star"][left].item() > 0.99
    assert 0 < s["jsd"] < math.log(2)
    single = widgets.objective_state(mean=0.0, std=1.0, weight_right=None)
    assert single["value"] > -math.log(4)


def test_explorer_builds_headless_and_redraws_on_slider_change(monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    calls, real = [], widgets.plot_objective
    monkeypatch.setattr(widgets, "plot_objective", lambda **kw: calls.append(kw) or real(**kw))
    box = widgets.objective_explorer(mean=1.0, std=1.0, weight_right=0.5)
    image = box.children[2]
    first = image.value
    assert len(calls) == 1 and first[:4] == b"\x89PNG"
    slider = box.children[0].children[0]
    slider.value = 2.5
    assert len(calls) == 2 and calls[-1]["mean"] == 2.5 and image.value != first


def test_plot_objective_titles_value_and_jsd():
    import matplotlib
    matplotlib.use("Agg")
    ax = widgets.plot_objective(mean=2.0, std=0.6, weight_right=0.5)
    assert "V(D*, G) = -1.3863" in ax.get_title() and "JSD = 0.0000" in ax.get_title()


def test_latent_explorer_follows_its_sliders_and_class():
    seen = []

    def render(z, label):
        seen.append((z.clone(), label))
        return torch.full((28, 28), float(label) / 10)

    box = widgets.latent_explorer(render, 4, num_classes=10, start=[0.5, 0, 0, 0], dims=2)
    controls, image = box.children
    sliders, menu = controls.children[:2], controls.children[2]
    first = image.value
    assert first[:4] == b"\x89PNG" and seen[-1][0][0, 0] == 0.5 and seen[-1][1] == 0
    sliders[1].value = -2.0
    assert seen[-1][0][0, 1] == -2.0 and seen[-1][0].shape == (1, 4)
    menu.value = 7
    assert seen[-1][1] == 7 and image.value != first


def test_latent_explorer_rejects_a_wrong_start():
    with pytest.raises(ValueError, match="start has 3 coordinates; the model's latent space has 2"):
        widgets.latent_explorer(lambda z, c: torch.zeros(28, 28), 2, start=[0, 0, 0])
    with pytest.raises(ValueError, match="latent_dim must be a positive integer"):
        widgets.latent_explorer(lambda z, c: torch.zeros(28, 28), 0)


def test_training_dashboard_redraws_at_each_snapshot():
    import gantutor as gt

    values = iter([3.0, 2.0, 1.0])
    dash = widgets.TrainingDashboard(metric=lambda m: next(values), samples=lambda m: torch.rand(4, 1, 28, 28),
                                     metric_name="loss")
    gt.seed_everything(0)
    g, d = gt.ToyGenerator(), gt.ToyDiscriminator()
    h = gt.train_gan(g, d, iter(lambda: gt.sample_ring(32), None), steps=10, snapshots=3,
                     on_snapshot=dash.on_snapshot)
    assert dash.steps == [0, 5, 10] and dash.values == [3.0, 2.0, 1.0]
    assert [v for _, v in h.evaluations] == [3.0, 2.0, 1.0]
    assert dash.image.value[:4] == b"\x89PNG" and dash.status.value == "step 10: loss = 1.00"
