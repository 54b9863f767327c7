import pytest
import torch
from torch import nn

import gantutor as gt


def _layer_summary(module):
    out = []
    for m in module.net:
        if isinstance(m, nn.Linear):
            out.append(("Linear", m.in_features, m.out_features))
        elif isinstance(m, nn.LeakyReLU):
            out.append(("LeakyReLU", m.negative_slope))
        elif isinstance(m, nn.Dropout):
            out.append(("Dropout", m.p))
        else:
            out.append((type(m).__name__,))
    return out


def test_generator_is_article_000():
    assert _layer_summary(gt.MLPGenerator()) == [
        ("Linear", 100, 256), ("LeakyReLU", 0.2), ("Linear", 256, 512), ("LeakyReLU", 0.2),
        ("Linear", 512, 1024), ("LeakyReLU", 0.2), ("Linear", 1024, 784), ("Tanh",)]


def test_discriminator_is_article_000_without_sigmoid():
    assert _layer_summary(gt.MLPDiscriminator()) == [
        ("Linear", 784, 1024), ("LeakyReLU", 0.2), ("Dropout", 0.3), ("Linear", 1024, 512), ("LeakyReLU", 0.2),
        ("Dropout", 0.3), ("Linear", 512, 256), ("LeakyReLU", 0.2), ("Dropout", 0.3), ("Linear", 256, 1)]


def test_parameter_counts_by_hand():
    g = 100 * 256 + 256 + 256 * 512 + 512 + 512 * 1024 + 1024 + 1024 * 784 + 784
    d = 784 * 1024 + 1024 + 1024 * 512 + 512 + 512 * 256 + 256 + 256 + 1
    assert gt.count_parameters(gt.MLPGenerator()) == g == 1_486_352
    assert gt.count_parameters(gt.MLPDiscriminator()) == d == 1_460_225


def test_shapes_and_ranges():
    torch.manual_seed(0)
    G, D = gt.MLPGenerator(), gt.MLPDiscriminator()
    x = G(torch.randn(5, 100))
    assert x.shape == (5, 1, 28, 28) and x.abs().max() <= 1
    assert D(x).shape == (5,)
    assert D(x.view(5, 784)).shape == (5,)
    # logits, not probabilities: scaling the last layer pushes them outside [0, 1]
    with torch.no_grad():
        D.net[-1].weight.mul_(1000)
    D.eval()
    assert (D(x).abs() > 1).any()


def test_bad_shapes_explain_themselves():
    with pytest.raises(ValueError, match=r"noise of shape \(N, 100\).*latent_dim=64 to match"):
        gt.MLPGenerator()(torch.randn(3, 64))
    with pytest.raises(ValueError, match=r"expects 784 values per image.*convert colour images to grey"):
        gt.MLPDiscriminator()(torch.randn(3, 3, 28, 28))
    with pytest.raises(ValueError, match="expects 784 values per image"):
        gt.MLPDiscriminator()(torch.randn(3, 1, 32, 32))
