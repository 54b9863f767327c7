"""Whole-step CUDA graphs (gantutor.graphs, the engine's ``graph=True``).

On the CPU the engine's side is checked with a stand-in for the CUDA graph that re-runs the step's Python on every
replay: the batches reach the recorded step through the fixed buffers, in the same order as without a graph, the
learning-rate schedule reaches the optimisers through their tensors, and checkpoints come out as plain as an eager
run's. On a CUDA machine the real graph is checked against eager training over 1,000 steps.
"""

import pytest
import torch

import gantutor as gt
from gantutor import graphs
from gantutor import vae as V
from gantutor.data import TensorBatches
from gantutor.diffusion import train_diffusion
from gantutor.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gantutor.models.unet import ToyDenoiser

CUDA = torch.cuda.is_available()


class Rerun:
    """A CPU stand-in for :class:`gantutor.graphs.CudaGraphs`: "recording" keeps the step, and each replay re-runs
    its Python and puts the numbers into the tensor the recording returned, as a replayed graph writes its static
    output."""

    capturable = False

    def __init__(self):
        self.recorded = self.replays = 0

    def warm_up(self, fn):
        return fn()

    def capture(self, fn, generators):
        self.fn, self.out, self.recorded = fn, torch.empty(0), self.recorded + 1
        return self.out

    def replay(self):
        self.replays += 1
        self.out.set_(self.fn())


@pytest.fixture
def rerun(monkeypatch):
    backend = Rerun()
    monkeypatch.setattr(graphs, "backend_for", lambda device: backend)
    monkeypatch.setattr(gt.engine, "backend_for", lambda device: backend)
    return backend


def _images(n=256, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def _dcgan_run(graph, *, steps=12, loss="non-saturating", ema=None, lr_decay=False, checkpoint=None,
               checkpoint_every=0):
    torch.manual_seed(0)
    g, d = DCGANGenerator(width=8), DCGANDiscriminator(width=8)
    batches = TensorBatches(_images(), batch_size=16, seed=0)
    h = gt.train_gan(g, d, batches, steps=steps, loss=loss, seed=0, ema=ema, lr_decay=lr_decay, graph=graph,
                     progress="off", check_every=4, checkpoint=checkpoint, checkpoint_every=checkpoint_every)
    return h, g, batches


def test_graph_needs_cuda():
    g, d = gt.ToyGenerator(), gt.ToyDiscriminator()
    with pytest.raises(ValueError, match="needs a CUDA device.*compile=True"):
        gt.train_gan(g, d, iter(lambda: gt.sample_ring(32), None), steps=1, graph=True)


def test_graph_and_a_compile_mode_with_graphs_of_its_own_are_refused_together(rerun):
    g, d = gt.ToyGenerator(), gt.ToyDiscriminator()
    with pytest.raises(ValueError, match="records CUDA graphs of its own"):
        gt.train_gan(g, d, iter(lambda: gt.sample_ring(32), None), steps=1, fast=["fused_adam"],
                     compile="reduce-overhead", graph=True)


def test_a_step_that_cannot_be_replayed_is_refused_with_its_reason():
    model = V.MLPVAE(latent_dim=4, hidden=(16,))
    with pytest.raises(ValueError, match="cannot replay this step: the KL warm-up"):
        V.train_vae(model, TensorBatches(_images(64), batch_size=16), steps=2, warmup_steps=10, graph=True,
                    progress="off")


def test_static_batches_hand_out_buffers_filled_in_the_sources_order():
    data = torch.arange(12.0).reshape(6, 2)
    source, twin = TensorBatches(data, batch_size=2, seed=3), TensorBatches(data, batch_size=2, seed=3)
    static = graphs.StaticBatches(source)
    assert torch.equal(next(static), next(twin)) and torch.equal(next(static), next(twin))  # eager: passes through
    assert static.begin_step() == 2
    static.allocate()
    buffers = [next(static), next(static)]                 # what a recording reads: fixed tensors
    static.begin_step()
    static.fill()
    assert torch.equal(buffers[0], next(twin)) and torch.equal(buffers[1], next(twin))
    assert [b.data_ptr() for b in (next(static), next(static))] == [b.data_ptr() for b in buffers]
    assert static.state_dict()["pos"] == twin.state_dict()["pos"]      # the source's own state, for checkpoints
    with pytest.raises(RuntimeError, match="more batches than its warm-up steps"):
        next(static)


@pytest.mark.parametrize("options", [{}, {"loss": "wgan-gp", "ema": 0.9, "lr_decay": True}],
                         ids=["non-saturating", "wgan-gp-ema-decay"])
def test_a_replayed_gan_step_trains_like_the_eager_one(rerun, options):
    """Through the graph's plumbing (warm-up steps, then one recording and replays reading fixed buffers), the
    GAN — also with 5 critic steps, a gradient penalty, EMA and a decaying learning rate — takes the same batches
    and reaches the same losses and weights as eager training."""
    (eager, g_eager, b_eager), (replayed, g_replayed, b_replayed) = _dcgan_run(False, **options), \
        _dcgan_run(True, **options)
    assert rerun.recorded == 1 and rerun.replays == 12 - graphs.WARMUP_STEPS
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        torch.testing.assert_close(getattr(replayed, name), getattr(eager, name), rtol=1e-6, atol=1e-6)
    for a, b in zip(g_replayed.parameters(), g_eager.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)
    assert b_replayed.state_dict()["pos"] == b_eager.state_dict()["pos"]
    if options.get("ema"):
        for a, b in zip(replayed.ema.parameters(), eager.ema.parameters()):
            torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def test_a_graphed_runs_checkpoint_is_plain_and_resumes_without_a_graph(rerun, tmp_path):
    """The learning rates the recorded step reads are tensors during the run; the checkpoint holds numbers, so it
    resumes anywhere, and the optimisers are as they were once training ends."""
    ckpt = tmp_path / "run.pt"
    _dcgan_run(True, steps=8, lr_decay=True, checkpoint=ckpt, checkpoint_every=4)
    saved = torch.load(ckpt, weights_only=True)
    for opt in saved["optimizers"].values():
        assert all(isinstance(group["lr"], float) and group["capturable"] is False for group in opt["param_groups"])
    resumed, _, _ = _dcgan_run(False, steps=12, lr_decay=True, checkpoint=ckpt, checkpoint_every=4)
    straight, _, _ = _dcgan_run(False, steps=12, lr_decay=True)
    torch.testing.assert_close(resumed.g_loss, straight.g_loss, rtol=1e-6, atol=1e-6)


def test_replayed_vae_and_diffusion_steps_train_like_eager_ones(rerun):
    def vae(graph):
        torch.manual_seed(0)
        model = V.MLPVAE(latent_dim=4, hidden=(16,))
        return V.train_vae(model, TensorBatches(_images(), batch_size=16), steps=8, seed=0, lr_decay=0.5,
                           graph=graph, progress="off").loss

    def ddpm(graph):
        torch.manual_seed(0)
        model = ToyDenoiser(hidden=16, depth=2)
        points = torch.randn(512, 2, generator=torch.Generator().manual_seed(0))
        return train_diffusion(model, TensorBatches(points, batch_size=64), steps=8, seed=0, graph=graph,
                               progress="off").loss

    torch.testing.assert_close(vae(True), vae(False), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(ddpm(True), ddpm(False), rtol=1e-6, atol=1e-6)


def test_the_engines_ema_update_equals_pytorchs_bit_for_bit():
    """The engine updates the EMA without PyTorch's per-step copy of the update count to the device (on CUDA a wait
    for the GPU at every step); the update is the same, bit for bit, as ``update_parameters``, with a batch-norm
    network (integer and float buffers)."""
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    from gantutor.engine import update_ema

    torch.manual_seed(0)
    model = DCGANGenerator(width=4)
    ours, theirs = (AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True) for _ in "ab")
    for _ in range(5):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p))
        model(torch.randn(8, model.latent_dim))            # training mode: batch norm's buffers move too
        update_ema(ours, model)
        theirs.update_parameters(model)
    for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()):
        assert torch.equal(a, b)


# ------------------------------------------------------------------------------------------------- on a GPU
def _cuda_run(family, graph, steps=1000):
    torch.manual_seed(0)
    images, labels = _images(2048).cuda(), (torch.arange(2048) % 10).cuda()
    common = dict(steps=steps, seed=0, graph=graph, progress="off",
                  fast=None if family.endswith("-default-fast") else False)   # None: fused Adam on CUDA
    if family.startswith("gan"):
        g, d = DCGANGenerator(width=16).cuda(), DCGANDiscriminator(width=16).cuda()
        options = {"loss": "wgan-gp", "ema": 0.999} if family == "gan-wgan-gp-ema" else {}
        h = gt.train_gan(g, d, TensorBatches(images, batch_size=64, seed=0), **common, **options)
        return {"d_loss": h.d_loss, "g_loss": h.g_loss}
    if family == "vae":
        h = V.train_vae(V.MLPVAE().cuda(), TensorBatches(images, batch_size=64, seed=0), lr_decay=0.5, **common)
        return {"loss": h.loss}
    from gantutor.models.unet import UNet
    if family == "flow-conditional":
        model = UNet(channels=(16, 32, 32), num_classes=10).cuda()
        h = train_diffusion(model, TensorBatches(images, labels, batch_size=64, seed=0), objective="flow",
                            p_uncond=0.1, **common)
        return {"loss": h.loss}
    h = train_diffusion(UNet(channels=(16, 32, 32)).cuda(), TensorBatches(images, batch_size=64, seed=0),
                        objective=family, ema=0.999, **common)
    return {"loss": h.loss}


@pytest.mark.skipif(not CUDA, reason="a CUDA graph needs a CUDA device")
@pytest.mark.parametrize("family", ["gan", "gan-default-fast", "gan-wgan-gp-ema", "vae", "ddpm", "flow",
                                    "flow-conditional"])
def test_cuda_graph_losses_match_eager_over_1000_steps(family):
    """The recorded and replayed step (a CUDA graph) trains like eager CUDA training over 1,000 steps: the DCGAN
    (also with CUDA's default fused Adam, and the WGAN-GP with 5 critic updates, a gradient penalty and EMA), the
    Burda VAE with a decaying learning rate, and the U-Net with the DDPM and the flow-matching losses (also
    class-conditional, with labels dropped for guidance). The two runs' kernels can differ in summation
    order, so their losses agree to float tolerance step by step in the first 50 steps and on average over the
    second half."""
    eager, replayed = _cuda_run(family, False), _cuda_run(family, True)
    for name, b in eager.items():
        a = replayed[name]
        torch.testing.assert_close(a[:50], b[:50], rtol=1e-3, atol=1e-3)
        torch.testing.assert_close(a[500:].mean(), b[500:].mean(), rtol=0.05, atol=0.02)
