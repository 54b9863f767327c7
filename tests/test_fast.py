"""The fast path (gantutor.fast), early stopping, and the benchmark's loops (gantutor.bench).

Speed itself is never asserted here (that is the benchmark's job); these tests check that the fast path trains the
same model to the same losses, restores everything it patches, and that the benchmark's tutorial loop is the same
algorithm as gantutor's loop.
"""

import json

import pytest
import torch

import gantutor as gt
from gantutor.book import bench
from gantutor import vae as V
from gantutor.fast import TECHNIQUES, resolve_fast, speedups
from gantutor.models.dcgan import DCGANDiscriminator, DCGANGenerator

CPU = torch.device("cpu")


def test_resolve_fast_defaults_and_choices():
    assert resolve_fast(None, CPU) == frozenset()
    assert resolve_fast(None, torch.device("cuda")) == frozenset({"fused_adam"})
    assert resolve_fast(True, torch.device("cuda")) == frozenset(TECHNIQUES)
    assert resolve_fast(True, CPU) == frozenset({"bf16", "fused_adam"})   # the CPU bundle the appendix measured
    assert resolve_fast(False, CPU) == frozenset()
    assert resolve_fast(["bf16"], CPU) == {"bf16"}
    assert resolve_fast("fused_adam", CPU) == {"fused_adam"}
    with pytest.raises(ValueError, match="techniques from bf16, fused_adam"):
        resolve_fast(["fp8"], CPU)
    with pytest.raises(ValueError, match="fast must be"):
        resolve_fast(3, CPU)


def test_compile_without_fast_is_refused():
    g, d = gt.ToyGenerator(), gt.ToyDiscriminator()
    with pytest.raises(ValueError, match="compile=True needs the fast path"):
        gt.train_gan(g, d, iter(lambda: gt.sample_ring(32), None), steps=1, fast=False, compile=True)


def test_speedups_patch_and_restore():
    g = DCGANGenerator(width=8)
    own = g.forward
    with speedups(CPU, [(g, "forward")], enabled=frozenset(["bf16"])):
        assert "forward" in vars(g)
        out = g(torch.randn(4, g.latent_dim))
        assert out.dtype == torch.float32            # outputs are cast back to float32
        inner = {}
        g.net.register_forward_hook(lambda m, i, o: inner.setdefault("dtype", o.dtype))
        g(torch.randn(4, g.latent_dim))
        assert inner["dtype"] == torch.bfloat16      # ... while the network ran in bf16
    assert "forward" not in vars(g) and g.forward == own


def _ring_run(fast, steps=300):
    gt.seed_everything(0)
    g, d = gt.ToyGenerator(), gt.ToyDiscriminator()
    gen = torch.Generator().manual_seed(1)
    batches = iter(lambda: gt.sample_ring(128, generator=gen), None)
    h = gt.train_gan(g, d, batches, steps=steps, seed=0, fast=fast)
    return h, g


def test_compiled_networks_train_like_eager_ones_on_the_cpu():
    """``compile=True`` (torch.compile, inductor, of both networks' forward passes) changes how the networks run,
    not what the step computes. Over 1,000 steps of the WGAN (5 critic updates per generator update, weight
    clipping) with an EMA of the generator, and the same fast-path techniques and seed, the losses agree with the
    eager run's to float tolerance step by step for the first 50 steps and on average over the second half (the
    compiled kernels sum in another order, so the two runs drift apart slowly), the EMAs' samples of the same noise
    differ by well under 15 % (relative norm; 4.6 % where this test was written), and the compiled
    forwards are removed afterwards."""
    def run(compile):
        gt.seed_everything(0)
        g, d = gt.ToyGenerator(), gt.ToyDiscriminator()
        gen = torch.Generator().manual_seed(1)
        batches = iter(lambda: gt.sample_ring(64, generator=gen), None)
        h = gt.train_gan(g, d, batches, steps=1000, loss="wgan", seed=0, ema=0.99, fast=["fused_adam"],
                         compile=compile, check_every=100, progress="off")
        return h, g

    (eager, _), (compiled, g) = run(False), run(True)
    assert "forward" not in vars(g)
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        a, b = getattr(compiled, name), getattr(eager, name)
        torch.testing.assert_close(a[:50], b[:50], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(a[500:].mean(), b[500:].mean(), rtol=0.05, atol=0.02)
    z = torch.randn(256, 2, generator=torch.Generator().manual_seed(2))
    a, b = compiled.ema(z), eager.ema(z)
    drift = float((a - b).norm() / b.norm())
    assert drift < 0.15, drift


def test_compile_with_a_gradient_penalty_is_refused():
    """torch.compile's autograd cannot differentiate a compiled network twice, which the gradient penalty needs:
    the error says so before any compilation, and names what works instead."""
    g, d = gt.ToyGenerator(), gt.ToyDiscriminator()
    with pytest.raises(ValueError, match="gradient penalty.*double backward"):
        gt.train_gan(g, d, iter(lambda: gt.sample_ring(32), None), steps=1, loss="wgan-gp", fast=["fused_adam"],
                     compile=True)


def test_channels_last_on_the_cpu_changes_the_layout_not_the_step():
    """Named explicitly, channels_last applies on the CPU too (oneDNN's convolutions in NHWC): the step still computes
    the same float32 losses, to float tolerance (only the order of summation in the convolutions differs)."""
    from gantutor.models.dcgan import DCGANDiscriminator, DCGANGenerator

    def run(fast):
        gt.seed_everything(0)
        g, d = DCGANGenerator(latent_dim=16, width=8), DCGANDiscriminator(width=8)
        images = torch.rand(256, 1, 28, 28, generator=torch.Generator().manual_seed(1)) * 2 - 1
        h = gt.train_gan(g, d, gt.TensorBatches(images, batch_size=32, seed=0), steps=12, seed=0,
                         fast=fast, check_every=4)
        return h, g

    (plain, _), (nhwc, g) = run(False), run(["channels_last"])
    conv = next(m for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        torch.testing.assert_close(getattr(nhwc, name), getattr(plain, name), rtol=1e-3, atol=1e-4)


def test_fast_path_trains_like_the_float32_path():
    plain, g_plain = _ring_run(False)
    fast, g_fast = _ring_run(True)
    assert "forward" not in vars(g_fast)
    assert torch.isfinite(fast.d_loss).all() and torch.isfinite(fast.g_loss).all()
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        a, b = plain.tail_means(0.3)[name], fast.tail_means(0.3)[name]
        assert abs(a - b) < 0.05 + 0.05 * abs(a), (name, a, b)
    # bf16 rounding makes the runs differ, but not the weights' scale
    wp = torch.cat([p.flatten() for p in g_plain.parameters()])
    wf = torch.cat([p.flatten() for p in g_fast.parameters()])
    assert not torch.equal(wp, wf)
    assert abs(wp.norm() - wf.norm()) / wp.norm() < 0.05


def test_fast_path_vae_on_random_binary_images():
    x = (torch.rand(512, 1, 28, 28) > 0.7).float() * 2 - 1
    losses = {}
    for fast in (False, True):
        gt.seed_everything(0)
        model = V.ConvVAE(latent_dim=4, width=8)
        h = V.train_vae(model, gt.TensorBatches(x, batch_size=64, seed=0), steps=60, seed=0, fast=fast)
        losses[fast] = float(h.loss[-20:].mean())
        assert "_encode" not in vars(model) and "_decode" not in vars(model)
    assert abs(losses[True] - losses[False]) < 0.02 * losses[False], losses


def test_stop_training_from_on_snapshot():
    gt.seed_everything(0)
    g, d = gt.ToyGenerator(), gt.ToyDiscriminator()

    def stop_at_20(step, generator):
        if step >= 20:
            raise gt.StopTraining(f"done at {step}")
        return step

    h = gt.train_gan(g, d, iter(lambda: gt.sample_ring(32), None), steps=100, snapshots=11, on_snapshot=stop_at_20)
    assert h.steps == 20 and h.stopped_at == 20
    assert h.evaluations[-1] == (20, "done at 20")
    assert h.snapshot_steps == [0, 10, 20] and len(h.snapshots) == 3


def test_tutorial_loop_is_the_same_algorithm_as_gantutors():
    """Same weights, batches and noise: the tutorial's step and train_gan's step give the same losses."""
    x = torch.rand(1024, 1, 28, 28) * 2 - 1
    runs = []
    for loop in ("tutorial", "gantutor"):
        torch.manual_seed(0)
        g, d = DCGANGenerator(width=8), DCGANDiscriminator(width=8)
        batches = gt.TensorBatches(x, batch_size=64, seed=0)
        torch.manual_seed(1)
        if loop == "tutorial":
            opts = [torch.optim.Adam(n.parameters(), lr=2e-4, betas=(0.5, 0.999)) for n in (g, d)]
            runs.append(bench.tutorial_gan_steps(g, d, *opts, batches, 5, CPU))
        else:
            h = gt.train_gan(g, d, batches, steps=5, fixed_noise=torch.zeros(4, g.latent_dim))
            runs.append({"d_loss": h.d_loss.tolist(), "g_loss": h.g_loss.tolist()})
    for name in ("d_loss", "g_loss"):
        assert runs[0][name] == pytest.approx(runs[1][name], abs=1e-4), name


def test_bench_throughput_writes_json(mnist_root, tmp_path):
    out = tmp_path / "bench.json"
    rc = bench.main(["--models", "mlp-gan", "--loops", "tutorial,gantutor,gantutor[bf16]", "--steps", "2",
                     "--warmup", "0", "--repeats", "1", "--workers", "0", "--agree-steps", "4",
                     "--out", str(out)])
    assert rc == 0
    result = json.loads(out.read_text())
    entry = result["models"]["mlp-gan"]
    assert set(entry["loops"]) == {"tutorial", "gantutor", "gantutor[bf16]"}
    for e in entry["loops"].values():
        assert e["images_per_s"] > 0 and e["speedup_vs_tutorial"] > 0
    assert set(entry["agreement"]) == {"tutorial", "gantutor"}
    best = entry["best_gantutor_loop"]
    assert best in {"gantutor", "gantutor[bf16]"}
    assert entry["best_speedup_vs_tutorial"] == entry["loops"][best]["speedup_vs_tutorial"]
    assert result["environment"]["device"] == "cpu" and result["settings"]["batch_size"] == 128


def test_op_profile_splits_the_step_into_operator_families(mnist_root, tmp_path, capsys):
    """bf16 autocast adds casts around every layer; the profile must show them, and account for all the time."""
    out = tmp_path / "ops.json"
    assert bench.main(["--op-profile", "--models", "dcgan", "--batch-size", "8", "--steps", "2", "--warmup", "1",
                       "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    plain, bf16 = result["loops"]["gantutor"], result["loops"]["gantutor[bf16]"]
    for entry in (plain, bf16):
        assert sum(entry["families_ms_per_step"].values()) == pytest.approx(entry["ms_per_step"])
        assert entry["families_ms_per_step"]["convolutions"] > 0 and entry["top_ops"]
    assert bf16["casts_per_step"] > plain["casts_per_step"] and bf16["families_ms_per_step"]["casts and copies"] > 0
    assert "cast and copy calls" in capsys.readouterr().out
    assert bench.main(["--op-profile", "--loops", "tutorial,gantutor"]) == 2
    assert "not the tutorial loop" in capsys.readouterr().err


def test_bench_rejects_unknown_names(capsys):
    assert bench.main(["--models", "resnet"]) == 2
    assert "Unknown model 'resnet'" in capsys.readouterr().err
    assert bench.main(["--loops", "gantutor[fp8]"]) == 2
    assert "gantutor[t1+t2]" in capsys.readouterr().err


def test_bench_loop_names_carry_the_engine_options():
    """``gantutor[...]`` names techniques of the fast path and, beside them, the engine's whole-step CUDA graph or
    torch.compile's reduce-overhead mode, so the bench can put the three side by side."""
    assert bench.loop_options("gantutor[fused_adam+graph]") == {"fast": ["fused_adam"], "graph": True,
                                                                 "compile": False}
    assert bench.loop_options("gantutor[graph]") == {"fast": False, "graph": True, "compile": False}
    assert bench.loop_options("gantutor[fused_adam+reduce-overhead]") == {
        "fast": ["fused_adam"], "graph": False, "compile": "reduce-overhead"}
    assert bench.loop_options("gantutor-fast")["fast"] is True
    for bad in ("gantutor[graph+graph]", "gantutor[warp]", "gantutor[]", "gantutor[fused_adam+graph+reduce-overhead]"):
        with pytest.raises(ValueError, match="engine options from graph, reduce-overhead"):
            bench.loop_options(bad)


def test_compile_modes_are_checked():
    g, d = gt.ToyGenerator(), gt.ToyDiscriminator()
    with pytest.raises(ValueError, match="torch.compile mode from default, reduce-overhead"):
        gt.train_gan(g, d, iter(lambda: gt.sample_ring(32), None), steps=1, fast=["fused_adam"], compile="fastest")


class _FakeLoop:
    """A benchmark loop on a fake clock: each block 'takes' the next of the given seconds; calls are logged."""

    def __init__(self, name, seconds, log):
        self.name, self.seconds, self.log = name, list(seconds), log

    def run(self, steps):
        self.log.append(self.name)
        return self.seconds.pop(0), {"loss": 1.0}


def test_bench_runs_loops_round_robin_within_each_repeat():
    log = []
    runners = {n: _FakeLoop(n, [1.0, 1.0, 1.0], log) for n in ("A", "B", "C")}
    seconds, _ = bench.timed_blocks(runners, repeats=3, steps=10)
    assert log == ["A", "B", "C"] * 3
    assert seconds == {n: [1.0, 1.0, 1.0] for n in "ABC"}


def test_bench_reports_best_block_median_and_flags_noise():
    steady = bench.block_summary([2.0, 2.1, 1.9], steps=10, batch_size=100)     # 1,000 images per block
    assert steady["images_per_s"] == pytest.approx(1000 / 1.9) and not steady["noisy"]
    assert steady["images_per_s_median"] == pytest.approx(1000 / 2.0)
    loaded = bench.block_summary([1.0, 1.1, 2.5], steps=10, batch_size=100)     # load arrived in the last block
    assert loaded["noisy"] and loaded["spread"] == pytest.approx(2.5)
    assert loaded["images_per_s"] == pytest.approx(1000.0)                       # the best block, not the median


def test_bench_ratio_comes_from_best_blocks_so_a_passing_load_does_not_decide_it():
    # the 2,825 / 2,821 / 232 img/s pattern of a shared machine: one block of each loop hit by another job
    tutorial = bench.block_summary([1.0, 1.0, 12.0], steps=10, batch_size=100)
    ours = bench.block_summary([0.5, 6.0, 0.5], steps=10, batch_size=100)
    assert ours["images_per_s"] / tutorial["images_per_s"] == pytest.approx(2.0)
    assert tutorial["noisy"] and ours["noisy"]
