"""The one training engine: EMA of the sampler, exact resume including the EMA, schedules, clear errors."""

import pytest
import torch

import gantutor as gt
from gantutor import engine


def _toy(seed=0):
    torch.manual_seed(seed)
    g, d = gt.ToyGenerator(hidden=16, depth=2), gt.ToyDiscriminator(hidden=16, depth=2)
    data = gt.sample_ring(512, generator=torch.Generator().manual_seed(1))
    return g, d, gt.TensorBatches(data, batch_size=32, seed=2)


def test_ema_leaves_training_unchanged_and_averages_the_weights():
    g, d, b = _toy()
    plain = gt.train_gan(g, d, b, steps=12, seed=3, progress="off")
    g2, d2, b2 = _toy()
    averaged = gt.train_gan(g2, d2, b2, steps=12, seed=3, progress="off", ema=0.5)
    assert torch.equal(plain.d_loss, averaged.d_loss) and torch.equal(plain.g_loss, averaged.g_loss)
    assert isinstance(averaged.ema, torch.optim.swa_utils.AveragedModel)
    ema_w, last_w = averaged.ema.module.net[0].weight, g2.net[0].weight
    assert not torch.equal(ema_w, last_w)
    x = gt.sample(averaged.ema.module, 8, seed=0)
    assert x.shape == (8, 2) and torch.isfinite(x).all()


def test_resume_restores_the_ema_exactly(tmp_path):
    g, d, b = _toy()
    full = gt.train_gan(g, d, b, steps=10, seed=3, progress="off", ema=0.9)
    g4, d4, b4 = _toy()                       # stopped after step 4 (as Ctrl-C does), then resumed to 10
    cut = tmp_path / "cut.pt"
    original = engine.Engine.after_step

    def stop_at_4(self, step, *rest):
        original(self, step, *rest)
        if step == 4:
            raise KeyboardInterrupt

    engine.Engine.after_step = stop_at_4
    try:
        gt.train_gan(g4, d4, b4, steps=10, seed=3, progress="off", ema=0.9, checkpoint=cut)
    finally:
        engine.Engine.after_step = original
    resumed = gt.train_gan(g4, d4, b4, steps=10, seed=3, progress="off", ema=0.9, checkpoint=cut, resume=True)
    assert torch.equal(resumed.d_loss, full.d_loss)
    for a, b in zip(full.ema.parameters(), resumed.ema.parameters()):
        assert torch.equal(a, b)


def test_schedules_are_functions_of_the_step():
    lin = engine.linear_decay(1.0, 4)
    assert [lin(s, None) for s in (1, 2, 3, 4)] == [1.0, 0.75, 0.5, 0.25]
    rel = engine.relative_linear_decay(4)
    lr, rates = 3.0, []
    for step in (1, 2, 3, 4):
        lr = rel(step, lr)
        rates.append(lr)
    assert rates == pytest.approx([3.0, 2.25, 1.5, 0.75], rel=1e-12)   # 3 × the linear schedule, from any start
    exp = engine.exponential_decay(0.01, 2)
    lr = 1.0
    for step in (1, 2, 3):
        lr = exp(step, lr)
    assert lr == pytest.approx(0.01)


def test_bad_options_say_what_to_do():
    g, d, b = _toy()
    with pytest.raises(ValueError, match="ema is the EMA's decay"):
        gt.train_gan(g, d, b, steps=2, progress="off", ema=1.5)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        engine.check_options(0, None, 0, False, "stop")
    with pytest.raises(ValueError, match="need checkpoint=<file>"):
        engine.check_options(3, None, 0, True, "stop")


def test_a_new_family_plugs_in_as_one_step():
    """A minimal family (fit a mean) trains, snapshots and logs through the engine with nothing else written."""

    class MeanStep(engine.Step):
        kind, columns, watched = "mean", ("loss",), ("loss",)

        def __init__(self):
            self.model = torch.nn.Linear(1, 1, bias=False)
            self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
            self.modules, self.optimizers, self.batches, self.sampler = {"m": self.model}, {"o": self.opt}, {}, self.model

        def step(self):
            loss = (self.model.weight - 3.0).pow(2).sum()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            return loss.detach().reshape(1)

        def render(self, model):
            return model.weight.detach().clone()

    run = engine.fit(MeanStep(), steps=50, snapshots=2, progress="off")
    assert run.record.shape == (50, 1) and run.record[-1, 0] < 1e-6
    assert run.snapshot_steps == [0, 50] and float(run.snapshots[-1]) == pytest.approx(3.0, abs=1e-3)


def _toy_run(seed):
    gt.seed_everything(seed)
    G, D = gt.ToyGenerator(latent_dim=2, hidden=16, depth=2), gt.ToyDiscriminator(hidden=16, depth=2)
    data = gt.sample_ring(512, generator=torch.Generator().manual_seed(seed))
    hist = gt.train_gan(G, D, gt.TensorBatches(data, batch_size=64, seed=seed), steps=15, seed=seed, progress="off")
    return G, hist


def test_parallel_map_returns_the_serial_results_in_order():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)          # the workers' setting, so the serial reference rounds the same way
    try:
        serial = [_toy_run(seed) for seed in range(3)]
    finally:
        torch.set_num_threads(threads)
    parallel = gt.parallel_map(_toy_run, range(3), workers=2)
    assert len(parallel) == 3
    for (g_s, h_s), (g_p, h_p) in zip(serial, parallel):
        assert torch.equal(h_s.d_loss, h_p.d_loss) and torch.equal(h_s.g_loss, h_p.g_loss)
        for a, b in zip(g_s.state_dict().values(), g_p.state_dict().values()):
            assert torch.equal(a, b)
    assert len({float(h.d_loss[0]) for _, h in parallel}) == 3     # the seeds differ


def _fails_on_one(x):
    if x == 1:
        raise ValueError(f"item {x} is bad")
    return x


def test_parallel_map_raises_the_workers_error_and_checks_its_options():
    # one failing item: with several, which worker's error arrives first depends on timing
    with pytest.raises(ValueError, match="item 1 is bad"):
        gt.parallel_map(_fails_on_one, [2, 1, 3], workers=2)
    with pytest.raises(ValueError, match="positive integer"):
        gt.parallel_map(abs, [1], workers=0)
    assert gt.parallel_map(abs, [-1, -2], workers=1) == [1, 2]
    assert gt.parallel_map(abs, []) == []
