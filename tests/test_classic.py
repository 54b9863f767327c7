import pytest
import torch

import gantutor as gt


def test_pca_is_exact_with_all_components_and_orthonormal():
    torch.manual_seed(0)
    x = torch.randn(50, 3, 4)
    pca = gt.PCA(12).fit(x)
    assert torch.allclose(pca.decode(pca.encode(x)), x, atol=1e-4)
    w = pca.components
    assert torch.allclose(w.T @ w, torch.eye(12), atol=1e-5)
    assert pca.explained_variance_ratio.sum() == pytest.approx(1.0, abs=1e-5)


def test_pca_finds_the_direction_of_largest_variance():
    torch.manual_seed(0)
    x = torch.randn(2000, 2) * torch.tensor([5.0, 0.5])
    pca = gt.PCA(1).fit(x)
    assert abs(pca.components[0, 0].item()) > 0.99
    with pytest.raises(RuntimeError, match="not fitted"):
        gt.PCA(1).encode(x)
    with pytest.raises(ValueError, match="exceeds"):
        gt.PCA(3).fit(x)


def test_gaussian_class_model_recovers_means_classifies_and_samples():
    g = torch.Generator().manual_seed(0)
    means = torch.tensor([[0.0, 0.0], [6.0, 0.0]])
    y = torch.tensor([0] * 300 + [1] * 100)
    z = means[y] + torch.randn(400, 2, generator=g)
    model = gt.GaussianClassModel().fit(z, y)
    assert torch.allclose(model.dists[1].loc.float(), means[1], atol=0.3)
    assert model.log_prior.exp().tolist() == pytest.approx([0.75, 0.25])
    assert gt.accuracy(model.predict(z), y) > 0.98
    s = model.sample(500, label=1, generator=g)
    assert s.shape == (500, 2) and torch.allclose(s.mean(0), means[1], atol=0.2)
    with pytest.raises(ValueError, match="not one of the fitted classes"):
        model.sample(2, label=7)


def test_logistic_regression_separates_and_has_no_sampler():
    g = torch.Generator().manual_seed(1)
    y = torch.randint(0, 2, (300,), generator=g)
    z = torch.stack([y * 4.0, torch.zeros(300)], 1) + torch.randn(300, 2, generator=g) * 0.5
    clf = gt.fit_logistic_regression(z, y, num_classes=2, steps=50)
    assert gt.accuracy(clf(z).argmax(1), y) > 0.98
    assert not hasattr(clf, "sample")


def test_mode_coverage_counts_modes_and_off_mode_samples():
    centers = gt.ring_centers()
    pts = torch.cat([centers[:3].repeat_interleave(10, 0), torch.zeros(10, 2)])
    cov = gt.mode_coverage(pts, centers, std=0.02)
    assert cov["covered"] == 3 and cov["modes"] == 8
    assert cov["high_quality"] == pytest.approx(30 / 40)
    assert cov["counts"].tolist() == [10, 10, 10, 0, 0, 0, 0, 0]
    full = gt.mode_coverage(gt.sample_ring(4000, generator=torch.Generator().manual_seed(0)), centers, 0.02)
    assert full["covered"] == 8 and full["high_quality"] > 0.98
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        gt.mode_coverage(torch.zeros(3), centers, 0.02)
