import math

import pytest

from gantutor import widgets


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
