from pathlib import Path

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


# ------------------------------------------------------------------------------------------------ DCGAN & co.
def test_dcgan_shapes_and_range():
    G, D = gt.models.DCGANGenerator(latent_dim=16, width=8), gt.models.DCGANDiscriminator(width=8)
    x = G(torch.randn(5, 16))
    assert x.shape == (5, 1, 28, 28) and x.abs().max() <= 1
    assert D(x).shape == (5,)
    with pytest.raises(ValueError, match=r"noise of shape \(N, 16\)"):
        G(torch.randn(5, 100))
    with pytest.raises(ValueError, match=r"x.view\(-1, 1, 28, 28\)"):
        D(torch.randn(5, 784))


def test_resize_convolution_generator_is_deeper_and_has_no_checkerboard():
    torch.manual_seed(0)
    G = gt.models.DCGANGenerator(latent_dim=16, width=8, upsample="resize").eval()
    x = G(torch.randn(5, 16))
    assert x.shape == (5, 1, 28, 28) and x.abs().max() <= 1
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in G.modules())
    assert sum(isinstance(m, torch.nn.Conv2d) for m in G.modules()) == 4
    # A transposed convolution with kernel 4 and stride 2 gives even and odd output pixels different kernel taps:
    # on a constant input its output alternates (the checkerboard). Nearest upsampling + 3x3 conv does not.
    up = torch.nn.ConvTranspose2d(1, 1, 4, 2, 1, bias=False)
    torch.nn.init.normal_(up.weight)
    out = up(torch.ones(1, 1, 7, 7))[0, 0, 2:-2, 2:-2]
    assert (out[::2, ::2] - out[1::2, 1::2]).abs().max() > 1e-3
    conv = torch.nn.Sequential(torch.nn.Upsample(scale_factor=2), torch.nn.Conv2d(1, 1, 3, 1, 1, bias=False))
    out = conv(torch.ones(1, 1, 7, 7))[0, 0, 2:-2, 2:-2]
    assert torch.allclose(out, out[0, 0].expand_as(out))
    with pytest.raises(ValueError, match=r"upsample must be one of \('transposed', 'resize'\)"):
        gt.models.DCGANGenerator(upsample="bilinear")


def test_reference_recipes_build_their_generators():
    from gantutor.book import reference

    assert reference.build_generator(reference.RECIPES["dcgan"]).upsample == "resize"
    assert reference.build_generator(reference.RECIPES["cdcgan"]).upsample == "resize"
    older = {k: v for k, v in reference.RECIPES["cdcgan"].items() if k != "upsample"}   # a record without the key
    assert reference.build_generator(older).upsample == "transposed"
    cvae = reference.build_generator(reference.RECIPES["cvae"])
    assert isinstance(cvae, gt.vae.ConvVAE) and cvae.num_classes == 10
    assert reference.build_generator(reference.RECIPES["vae"]).num_classes is None


def test_shipped_reference_weights_match_their_records_and_stay_small():
    """Every reference run the book ships: weights that load and match the record's sha256, at most 4 MB each and
    20 MB together, and the record's metrics named after its model."""
    from gantutor.book import reference

    records = sorted((Path(__file__).parents[1] / "results").glob("*/reference_*.json"))
    assert {r.stem for r in records} >= {f"reference_{m}" for m in ("dcgan", "cdcgan", "vae", "cvae", "flow")}
    sizes = []
    for path in records:
        model, record = reference.load_reference(path)                       # raises on a sha256 mismatch
        sizes.append(path.with_name(record["weights"]).stat().st_size)
        assert sizes[-1] <= 4 * 2**20, f"{path.name}: weights over 4 MB"
        assert all(k.startswith(f"{record['model']}_reference.") for k in record["metrics"])
    assert sum(sizes) <= 20 * 2**20


def test_dcgan_initialisation_follows_radford_et_al():
    torch.manual_seed(0)
    G = gt.models.DCGANGenerator(width=64)
    convs = [m for m in G.modules() if isinstance(m, (torch.nn.ConvTranspose2d, torch.nn.Linear))]
    weights = torch.cat([m.weight.flatten() for m in convs])
    assert weights.mean().abs() < 1e-3 and weights.std().item() == pytest.approx(0.02, rel=0.02)
    bns = [m for m in G.modules() if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d))]
    bn_w = torch.cat([m.weight.flatten() for m in bns])
    assert bn_w.mean().item() == pytest.approx(1.0, abs=2e-3) and bn_w.std().item() == pytest.approx(0.02, rel=0.05)
    assert all((m.bias == 0).all() for m in bns + [m for m in convs if m.bias is not None])


def test_conditional_models_use_the_labels():
    torch.manual_seed(0)
    G = gt.models.DCGANGenerator(latent_dim=8, width=8, num_classes=10).eval()
    D = gt.models.DCGANDiscriminator(width=8, num_classes=10).eval()
    z = torch.randn(4, 8)
    a, b = G(z, torch.zeros(4, dtype=torch.long)), G(z, torch.ones(4, dtype=torch.long))
    assert not torch.allclose(a, b)                       # same noise, different class, different image
    torch.nn.init.normal_(D.embed.weight)                 # DCGAN init makes the projection tiny; enlarge it
    assert not torch.allclose(D(a, torch.zeros(4, dtype=torch.long)), D(a, torch.ones(4, dtype=torch.long)))
    with pytest.raises(ValueError, match="needs class labels"):
        G(z)
    with pytest.raises(ValueError, match=r"Expected 4 labels"):
        D(a, torch.zeros(3, dtype=torch.long))
    samples = gt.sample(G, 6, seed=0, labels=3)
    assert samples.shape == (6, 1, 28, 28)
    with pytest.raises(ValueError, match="0..9"):
        gt.sample(G, 2, labels=torch.tensor([0, 10]))
    with pytest.raises(ValueError, match="not conditional"):
        gt.sample(gt.models.DCGANGenerator(latent_dim=8, width=8), 2, labels=1)


def test_spectral_normalisation_bounds_each_layer():
    torch.manual_seed(0)
    D = gt.models.spectral_normalize(gt.ToyDiscriminator(hidden=32))
    D.train()
    for _ in range(30):                                   # power iterations run in training-mode forward passes
        D(torch.randn(8, 2))
    D.eval()
    for m in D.modules():
        if isinstance(m, torch.nn.Linear):
            assert torch.linalg.matrix_norm(m.weight, ord=2).item() == pytest.approx(1.0, abs=0.02)


def test_packing_regroups_samples_side_by_side():
    inner = gt.ToyDiscriminator(dim=2 * 3)
    D = gt.models.PackedDiscriminator(inner, pack=3)
    x = torch.arange(12.0).view(6, 2)
    assert D(x).shape == (2,)
    grouped = x.reshape(2, 3, 2).flatten(1, 2)
    assert grouped[0].tolist() == [0, 1, 2, 3, 4, 5] and torch.equal(D(x), inner(grouped))
    with pytest.raises(ValueError, match="divisible by 3"):
        D(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="positive integer"):
        gt.models.PackedDiscriminator(inner, pack=0)


def test_batchnorm_toy_generator_is_pacgans_block_and_per_sample_in_eval():
    G = gt.ToyGenerator(hidden=16, depth=2, batch_norm=True)
    assert _layer_summary(G) == [("Linear", 2, 16), ("BatchNorm1d",), ("ReLU",), ("Linear", 16, 16),
                                 ("BatchNorm1d",), ("ReLU",), ("Linear", 16, 2)]
    assert [m.bias is None for m in G.net if isinstance(m, nn.Linear)] == [True, True, False]
    torch.manual_seed(0)
    z = torch.randn(64, 2)
    G.train()
    G(z * 3 + 1)                                          # training mode: batch statistics, running averages move
    assert not torch.equal(G.net[1].running_mean, torch.zeros(16))
    with torch.no_grad():
        assert not torch.allclose(G(z)[:8], G(z[:8]))      # training mode: a sample depends on its batch
    one_by_one = torch.cat([gt.sample(G, 1, seed=s) for s in range(4)])
    together = torch.stack([torch.randn(1, 2, generator=torch.Generator().manual_seed(s))[0] for s in range(4)])
    assert G.training                                     # gt.sample gave the training mode back
    G.eval()
    with torch.no_grad():
        assert torch.allclose(one_by_one, G(together), atol=1e-6)   # eval mode (gt.sample): per sample


def test_toy_networks_reject_bad_sizes():
    with pytest.raises(ValueError, match="hidden must be a positive integer"):
        gt.ToyGenerator(hidden=0)
    with pytest.raises(TypeError, match="batch_norm must be True or False"):
        gt.ToyGenerator(batch_norm="yes")
    with pytest.raises(ValueError, match="depth must be a positive integer, got 2.5"):
        gt.ToyDiscriminator(depth=2.5)
