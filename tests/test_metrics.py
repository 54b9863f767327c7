"""The evaluation metrics on synthetic features, where the right answer is known without any network."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gantutor as gt
from gantutor import metrics as M
from gantutor import theory as th


def _gauss(n, d, seed, mean=0.0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return mean + scale * torch.randn(n, d, generator=g, dtype=torch.float64)


def test_fid_of_a_set_with_itself_is_zero():
    x = _gauss(500, 8, 0)
    assert M.fid_from_features(x, x) == pytest.approx(0.0, abs=1e-6)


def test_fid_in_one_dimension_is_the_closed_form():
    # For 1-D features FID = (m1 - m2)^2 + (s1 - s2)^2, with the sample mean and unbiased sample std.
    a, b = _gauss(400, 1, 1, mean=0.5, scale=2.0), _gauss(300, 1, 2, mean=-1.0, scale=0.7)
    expected = (a.mean() - b.mean()) ** 2 + (a.std() - b.std()) ** 2
    assert M.fid_from_features(a, b) == pytest.approx(float(expected), rel=1e-6)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-3, 3))
def test_fid_is_symmetric_and_invariant_to_a_shared_rotation_and_shift(seed, shift):
    a, b = _gauss(300, 4, seed), _gauss(300, 4, seed + 1, mean=0.3, scale=1.5)
    q, _ = torch.linalg.qr(_gauss(4, 4, seed + 2))
    base = M.fid_from_features(a, b)
    assert M.fid_from_features(b, a) == pytest.approx(base, rel=1e-6, abs=1e-9)
    assert M.fid_from_features(a @ q + shift, b @ q + shift) == pytest.approx(base, rel=1e-5, abs=1e-8)


def test_fid_and_kid_grow_with_a_shift_of_the_fake_set():
    real = _gauss(1000, 6, 3)
    fids, kids = [], []
    for shift in (0.0, 0.25, 0.5, 1.0):
        fake = _gauss(1000, 6, 4, mean=shift)
        fids.append(M.fid_from_features(real, fake))
        kids.append(M.kid_from_features(real, fake, subset_size=500, subsets=20)[0])
    assert fids == sorted(fids) and kids == sorted(kids)
    assert fids[-1] == pytest.approx(6 * 1.0 ** 2, rel=0.1)   # ||mu_r - mu_g||^2 = 6 when every mean moves by 1
    assert abs(kids[0]) < 0.01 < kids[-1]


def _clusters(n_per, classes, seed, d=6):
    g = torch.Generator().manual_seed(seed)
    centres = 10.0 * torch.eye(10, d) if d >= 10 else 10.0 * torch.randn(10, d, generator=torch.Generator().manual_seed(99))
    pts = [centres[c] + 0.5 * torch.randn(n_per, d, generator=g) for c in classes]
    return torch.cat(pts).double()


def test_precision_recall_separate_quality_from_diversity():
    real = _clusters(100, range(10), 0)
    # A second draw from the same distribution: k-NN balls from 100 points per cluster miss the tails a little.
    same = M.precision_recall(real, _clusters(100, range(10), 1))
    assert same["precision"] > 0.8 and same["recall"] > 0.8
    half = M.precision_recall(real, _clusters(200, range(5), 2))      # only 5 of 10 modes, each sample good
    assert half["precision"] > 0.8 and half["recall"] == pytest.approx(0.5 * same["recall"], abs=0.05)
    far = M.precision_recall(real, _clusters(100, range(10), 3) + 100.0)   # all samples off the data
    assert far["precision"] == 0.0 and far["recall"] == 0.0
    assert M.precision_recall(real, real) == {"precision": 1.0, "recall": 1.0, "k": 3}


def test_kth_neighbour_radius_excludes_the_point_itself():
    x = torch.tensor([[0.0], [1.0], [3.0], [6.0]], dtype=torch.float64)
    assert M._kth_neighbour_radii(x, 1).tolist() == [1.0, 1.0, 2.0, 3.0]
    assert M._kth_neighbour_radii(x, 3).tolist() == [6.0, 5.0, 3.0, 6.0]


def test_classifier_score_ranges_from_one_to_the_number_of_classes():
    confident_balanced = 20.0 * torch.eye(10).repeat(50, 1)
    assert M.classifier_score(confident_balanced, splits=1)[0] == pytest.approx(10.0, rel=1e-3)
    one_class = 20.0 * torch.eye(10)[torch.zeros(500, dtype=torch.long)]
    assert M.classifier_score(one_class, splits=5)[0] == pytest.approx(1.0, abs=1e-3)
    unsure = torch.zeros(500, 10)
    assert M.classifier_score(unsure, splits=5)[0] == pytest.approx(1.0, abs=1e-6)


def test_class_coverage_counts_predicted_classes():
    logits = torch.eye(10)[torch.tensor([0] * 50 + [1] * 30 + [2] * 20)]
    cov = M.class_coverage(logits)
    assert cov["covered"] == 3 and cov["classes"] == 10
    assert cov["fractions"][:3].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert cov["tv"] == pytest.approx(0.5 * (0.4 + 0.2 + 0.1 + 7 * 0.1))
    assert M.class_coverage(torch.eye(10))["tv"] == pytest.approx(0.0, abs=1e-12)


def test_importance_sampling_recovers_an_exact_log_likelihood():
    g = torch.Generator().manual_seed(0)
    model = th.LinearGaussianModel(torch.randn(5, 2, generator=g), torch.randn(5, generator=g), 0.8)
    x = torch.randn(7, 5, generator=g, dtype=torch.float64)
    exact = model.log_marginal(x)
    mean, cov = model.posterior(x)
    chol = torch.linalg.cholesky(cov)

    def posterior_proposal(x, s):
        z = mean + torch.randn(s, *mean.shape, dtype=torch.float64) @ chol.T
        return z, torch.distributions.MultivariateNormal(mean, scale_tril=chol).log_prob(z)

    # With the exact posterior as proposal every weight equals p(x): one sample is enough.
    est = M.importance_sampled_log_likelihood(x, model.log_joint, posterior_proposal, k=3)
    assert torch.allclose(est, exact, atol=1e-8)

    def prior_proposal(x, s):   # a poor proposal: the estimate is below log p(x) and closes in as k grows
        z = torch.randn(s, x.shape[0], 2, dtype=torch.float64)
        return z, th.diag_gaussian_log_prob(z, torch.zeros_like(z), torch.zeros_like(z))

    torch.manual_seed(1)
    gaps = [float((exact - M.importance_sampled_log_likelihood(x, model.log_joint, prior_proposal, k=k)).mean())
            for k in (1, 50, 5000)]
    assert gaps[0] > gaps[1] > gaps[2] > -0.02 and gaps[2] < 0.1


@pytest.mark.parametrize("call, message", [
    (lambda: M.fid_from_features(torch.randn(10), torch.randn(10, 3)), "feature matrix (N, D)"),
    (lambda: M.fid_from_features(torch.randn(10, 3), torch.randn(10, 4)), "differ in width"),
    (lambda: M.fid_from_features(torch.randn(1, 3), torch.randn(10, 3)), "at least 2 samples"),
    (lambda: M.fid_from_features(torch.full((5, 3), float("nan")), torch.randn(10, 3)), "NaN"),
    (lambda: M.precision_recall(torch.randn(10, 3), torch.randn(10, 3), k=0), "k must be a positive integer"),
    (lambda: M.importance_sampled_log_likelihood(torch.zeros(2, 2), None, None, k=0), "k must be a positive"),
])
def test_metric_errors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_confident_rate_and_largest_class_share():
    sure = torch.full((4, 10), -20.0)
    sure[torch.arange(4), torch.tensor([1, 1, 1, 7])] = 20.0              # four confident votes, three of them "1"
    unsure = torch.zeros(6, 10)                                             # uniform: top probability 0.1
    logits = torch.cat([sure, unsure])
    assert M.confident_rate(logits) == pytest.approx(4 / 10)
    assert M.confident_rate(logits, threshold=0.05) == 1.0
    assert M.max_class_share(sure) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="probability in"):
        M.confident_rate(logits, threshold=90)
    with pytest.raises(ValueError, match="feature matrix"):
        M.max_class_share(torch.zeros(10))


def test_headline_scores_of_real_images_against_themselves(mnist_root):
    from gantutor import features

    test = gt.load_mnist(train=False)
    real = features.classifier_outputs(test.images[:600])[0]
    scores = M.headline_scores(test.images[:600], real, floor=2.0)
    assert scores["fid_over_floor"] == pytest.approx(0.0, abs=1e-3)
    assert scores["confident_rate"] > 0.9 and 0.1 <= scores["max_class_share"] < 0.2


def test_describe_scores_reads_as_a_sentence_and_names_what_is_missing():
    line = M.describe_scores({"fid_over_floor": 20.94, "confident_rate": 0.931, "max_class_share": 0.1124})
    assert line == "FID 20.9 times the floor | confident 93.1% | largest class 11.2%"
    with pytest.raises(ValueError, match="missing confident_rate, max_class_share"):
        M.describe_scores({"fid_over_floor": 2.0})
