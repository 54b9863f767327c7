"""The command line: train / sample / evaluate, interruption (SIGINT, SIGKILL) and exact resume, clear errors."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

import gantutor as gt
from gantutor.book.cli import main

ENV = {**os.environ, "GANTUTOR_PROGRESS": "off", "MPLBACKEND": "Agg"}


def _train_cmd(out, steps):
    return [sys.executable, "-m", "gantutor", "train", "toy-gan", "--data", "ring", "--steps", str(steps),
            "--checkpoint-every", "25", "--snapshots", "0", "--progress", "off", "--out", str(out)]


def _kill_midway(out, steps, sig):
    proc = subprocess.Popen(_train_cmd(out, steps), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ckpt = out / "checkpoint.pt"
    deadline = time.time() + 120
    while time.time() < deadline:
        if ckpt.exists():
            try:
                if gt.load_checkpoint(ckpt)["step"] >= 50:
                    break
            except ValueError:  # being replaced right now
                pass
        time.sleep(0.05)
    proc.send_signal(sig)
    stdout, _ = proc.communicate(timeout=60)
    return proc, stdout, gt.load_checkpoint(ckpt)["step"]


STEPS = 800


@pytest.fixture(scope="module")
def uninterrupted_run(tmp_path_factory):
    """One uninterrupted run, the reference both interrupted runs must reproduce."""
    full = tmp_path_factory.mktemp("full")
    subprocess.run(_train_cmd(full, STEPS), env=ENV, check=True, capture_output=True)
    return full


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path, sig, uninterrupted_run):
    steps, full = STEPS, uninterrupted_run
    cut = tmp_path / "cut"
    proc, stdout, at = _kill_midway(cut, steps, sig)
    assert 0 < at < steps, "the run finished before it could be interrupted; raise `steps`"
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and b"--resume" in stdout
    subprocess.run([sys.executable, "-m", "gantutor", "train", "--resume", "--out", str(cut), "--progress", "off"],
                   env=ENV, check=True, capture_output=True)
    a, b = gt.load_checkpoint(full / "checkpoint.pt"), gt.load_checkpoint(cut / "checkpoint.pt")
    assert a["step"] == b["step"] == steps
    assert torch.equal(a["record"], b["record"])  # every loss, bit for bit
    for k in a["modules"]["generator"]:
        assert torch.equal(a["modules"]["generator"][k], b["modules"]["generator"][k])
    assert not [p for p in cut.iterdir() if p.suffix == ".tmp"]


def test_sample_and_evaluate_a_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "toy-gan", "--data", "ring", "--steps", "60", "--out", str(out), "--progress", "off"]) == 0
    assert {"config.json", "checkpoint.pt", "history.csv", "curves.png"} <= {p.name for p in out.iterdir()}
    assert len((out / "history.csv").read_text().splitlines()) == 61
    assert main(["sample", str(out), "--n", "32", "--seed", "3"]) == 0
    assert (out / "samples_seed3.png").is_file()
    assert main(["evaluate", str(out), "--n", "128"]) == 0
    report = json.loads((out / "evaluation.json").read_text())
    assert report["modes"] == 8 and 0 <= report["modes_covered"] <= 8 and report["step"] == 60


def test_memorisation_check_on_images(tmp_path, mnist_root):
    out = tmp_path / "mnist"
    assert main(["train", "mlp-gan", "--data", "mnist", "--steps", "5", "--subset", "256", "--batch-size", "32",
                 "--out", str(out), "--progress", "off"]) == 0
    assert main(["evaluate", str(out), "--n", "16"]) == 0
    report = json.loads((out / "evaluation.json").read_text())
    assert report["nn_distance_train"] > 0 and report["nn_distance_test"] > 0
    assert report["fid_over_floor"] == pytest.approx(report["fid"] / report["fid_floor"], rel=1e-4)
    assert 0 <= report["confident_rate"] <= 1 and 0.1 <= report["max_class_share"] <= 1
    assert report["n_real"] == report["n_fake"] == 16 and report["fid"] > 0 and 0 <= report["recall"] <= 1
    assert (out / "samples.png").is_file()


@pytest.mark.parametrize("argv, message", [
    (["train", "stylegan", "--data", "mnist"], "Unknown model 'stylegan'. Choose one of: mlp-gan, toy-gan, dcgan"),
    (["train", "vae", "--data", "mnist", "--loss", "hinge"], "--loss chooses a GAN loss; 'vae' is a VAE"),
    (["train", "toy-gan", "--data", "cifar"], "Unknown dataset 'cifar'. Choose one of: mnist, fashion-mnist"),
    (["train", "mlp-gan", "--data", "ring"], "trains on image data; --data 'ring' does not fit. Use one of: mnist"),
    (["train", "toy-gan", "--data", "ring", "--steps", "0"], "--steps must be a positive integer"),
    (["train", "toy-gan", "--data", "ring", "--batch-size", "-4"], "--batch-size must be a positive integer"),
    (["train", "toy-gan", "--data", "ring", "--lr", "0"], "--lr must be positive"),
    (["train", "toy-gan", "--data", "ring", "--checkpoint-every", "-1"], "--checkpoint-every must be a non-negative"),
    (["train", "toy-gan", "--data", "ring", "--steps", "2", "--loss", "wasserstein"],
     "Unknown GAN loss 'wasserstein'. Known losses: minimax, non-saturating"),
    (["train", "--data", "ring"], "train needs a model and --data"),
    (["train", "--resume"], "--resume needs a run folder with config.json"),
    (["sample", "NOWHERE"], "is not a run folder (no config.json)"),
    (["evaluate", "NOWHERE"], "is not a run folder (no config.json)"),
    (["train", "toy-gan", "--data", "ring", "--device", "gpu0"], "Cannot use device 'gpu0'"),
])
def test_bad_input_says_what_to_do(tmp_path, capsys, argv, message):
    argv = [a.replace("NOWHERE", str(tmp_path / "nothing")) for a in argv]
    if argv[0] == "train" and "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as exit_:
        main(argv + (["--progress", "off"] if argv[0] == "train" else []))
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_existing_run_is_not_overwritten_silently(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "toy-gan", "--data", "ring", "--steps", "3", "--out", str(out), "--progress", "off"]) == 0
    with pytest.raises(SystemExit):
        main(["train", "toy-gan", "--data", "ring", "--steps", "3", "--out", str(out), "--progress", "off"])
    assert "already holds a run. Continue it with --resume" in capsys.readouterr().err
    assert main(["train", "toy-gan", "--data", "ring", "--steps", "3", "--out", str(out), "--progress", "off",
                 "--overwrite"]) == 0


def test_missing_dataset_offline_is_a_clear_cli_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GANTUTOR_DATA", str(tmp_path / "empty"))
    with pytest.raises(SystemExit):
        main(["train", "mlp-gan", "--data", "mnist", "--steps", "2", "--out", str(tmp_path / "r"),
              "--progress", "off"])
    err = capsys.readouterr().err
    assert "MNIST files are missing" in err and "GANTUTOR_DATA" in err


@pytest.mark.parametrize("model", ["dcgan", "cdcgan", "vae", "cvae", "cyclegan"])
def test_every_book_model_trains_resumes_and_evaluates(tmp_path, mnist_root, model, monkeypatch):
    """Each model is stopped after step 4 of 6 (as Ctrl-C does), resumes to exactly the uninterrupted run, and is
    evaluated with the book's metrics."""
    small = ["--data", "mnist", "--subset", "256", "--batch-size", "16", "--snapshots", "2", "--progress", "off",
             "--profile", "smoke"]
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert main(["train", model, "--steps", "6", "--out", str(full), *small]) == 0
    after_step = gt.engine.Engine.after_step

    def ctrl_c_after_step_4(self, step, *rest):
        after_step(self, step, *rest)
        if step == 4:
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(gt.engine.Engine, "after_step", ctrl_c_after_step_4)
        assert main(["train", model, "--steps", "6", "--out", str(cut), *small]) == 130
    assert gt.load_checkpoint(cut / "checkpoint.pt", kind=a_kind(model))["step"] == 4
    assert main(["train", "--resume", "--out", str(cut), "--progress", "off"]) == 0
    a, b = gt.load_checkpoint(full / "checkpoint.pt", kind=a_kind(model)), \
        gt.load_checkpoint(cut / "checkpoint.pt", kind=a_kind(model))
    assert a["step"] == b["step"] == 6 and torch.equal(a["record"], b["record"])
    assert main(["evaluate", str(full), "--n", "32", "--nll-k", "4", "--nll-images", "8"]) == 0
    report = json.loads((full / "evaluation.json").read_text())
    assert report["model"] == model and report["samples"] == 32 and report["fid"] > 0
    assert ("nll_nats" in report) == model.endswith("vae")
    assert main(["sample", str(full), "--n", "16"]) == 0 and (full / "samples_seed0.png").is_file()


def a_kind(model):
    return {"vae": "vae", "cvae": "vae", "cyclegan": "cyclegan"}.get(model, "gan")


def test_reference_run_writes_a_record_whose_weights_load_and_reproduce_it(tmp_path, mnist_root, monkeypatch):
    from gantutor.book import reference

    monkeypatch.setattr(reference, "MAX_STEPS", 4)
    monkeypatch.setattr(reference, "CHECK_EVERY", 2)
    monkeypatch.setattr(reference, "EVAL_SAMPLES", 300)
    monkeypatch.setattr(reference, "CAS_SAMPLES", 256)
    monkeypatch.setattr(reference, "CAS_EPOCHS", 1)
    monkeypatch.setitem(reference.RECIPES, "cdcgan", {**reference.RECIPES["cdcgan"], "width": 4})
    out = tmp_path / "reference_cdcgan.json"
    assert main(["reference", "cdcgan", "--seconds", "1", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["steps"] in (2, 4) and set(record["metrics"]) == {
        "cdcgan_reference.fid_over_floor", "cdcgan_reference.confident_rate", "cdcgan_reference.max_class_share",
        "cdcgan_reference.cas", "cdcgan_reference.sample_ms"}
    G, again = reference.load_reference(out)
    assert again == record and G.num_classes == 10
    assert reference.score(G, "cdcgan", torch.device("cpu"))["cdcgan_reference.fid_over_floor"] == pytest.approx(
        record["metrics"]["cdcgan_reference.fid_over_floor"], rel=1e-6)
    (tmp_path / "reference_cdcgan.pt").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="does not match its record"):
        reference.load_reference(out)
    with pytest.raises(SystemExit):
        main(["reference", "stylegan", "--seconds", "1", "--out", str(out)])


def test_vae_reference_run_records_the_likelihood_of_all_test_images(tmp_path, mnist_root, monkeypatch):
    from gantutor.book import reference

    monkeypatch.setattr(reference, "NLL_K", 2)
    monkeypatch.setattr(reference, "EVAL_SAMPLES", 300)
    monkeypatch.setitem(reference.RECIPES, "vae", {**reference.RECIPES["vae"], "steps": 4})
    out = tmp_path / "reference_vae.json"
    assert main(["reference", "vae", "--seconds", "60", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    metrics = record["metrics"]
    assert record["steps"] == 4 and metrics["vae_reference.test_images"] == 10_000
    assert metrics["vae_reference.nll_k"] == 2
    assert 0 < metrics["vae_reference.nll_nats"] <= metrics["vae_reference.test_elbo_nats"] + 1.0
    assert {"vae_reference.fid_over_floor", "vae_reference.confident_rate", "vae_reference.sample_ms"} <= set(metrics)
    model, _ = reference.load_reference(out)
    again = reference.score_likelihood(model, torch.device("cpu"))
    assert again["nll_nats"] == pytest.approx(metrics["vae_reference.nll_nats"], rel=1e-9)


def test_vae_reference_trains_on_the_bound_its_recipe_names(tmp_path, mnist_root, monkeypatch):
    from gantutor import vae
    from gantutor.book import reference

    used, train_vae = [], vae.train_vae
    monkeypatch.setattr(vae, "train_vae", lambda *a, **kw: used.append(kw["k"]) or train_vae(*a, **kw))
    for k in (1, 3):
        recipe = {**reference.RECIPES["vae"], "steps": 2, "k": k}
        reference.train_vae_recipe(reference.build_generator(recipe), recipe, gt.load_mnist(subset=256), 60, print)
    recipe = {key: v for key, v in reference.RECIPES["vae"].items() if key != "k"}
    reference.train_vae_recipe(reference.build_generator(recipe), {**recipe, "steps": 2}, gt.load_mnist(subset=256),
                               60, print)
    assert used == [1, 3, 1]         # a record written before recipes named k trained on the ELBO
    assert reference.RECIPES["vae"]["k"] == 5


def test_cvae_reference_run_scores_samples_and_means_and_loads_as_a_conditional_conv_vae(tmp_path, mnist_root,
                                                                                         monkeypatch):
    from gantutor.book import reference

    monkeypatch.setattr(reference, "EVAL_SAMPLES", 300)
    monkeypatch.setattr(reference, "CAS_SAMPLES", 256)
    monkeypatch.setattr(reference, "CAS_EPOCHS", 1)
    monkeypatch.setitem(reference.RECIPES, "cvae", {**reference.RECIPES["cvae"], "steps": 4, "width": 4})
    out = tmp_path / "reference_cvae.json"
    assert main(["reference", "cvae", "--seconds", "60", "--out", str(out)]) == 0
    metrics = json.loads(out.read_text())["metrics"]
    assert set(metrics) == {f"cvae_reference.{k}" for k in (
        "fid_over_floor", "confident_rate", "max_class_share", "sample_ms", "cas", "cas_means")}
    model, record = reference.load_reference(out)
    assert isinstance(model, gt.vae.ConvVAE) and model.num_classes == 10 and record["steps"] == 4
    samples = reference.draw(model, record["recipe"], 20, seed=3, labels=torch.arange(20) % 10, bernoulli=True)
    assert set(samples.unique().tolist()) <= {-1.0, 1.0}                  # binary images on the [-1, 1] scale
    means = reference.draw(model, record["recipe"], 20, seed=3, labels=torch.arange(20) % 10)
    assert not set(means.unique().tolist()) <= {-1.0, 1.0}


def test_augmentation_record_holds_every_classifier_and_reproduces_one_cell(tmp_path, mnist_root, monkeypatch):
    from gantutor.book import augment

    monkeypatch.setattr(augment, "RATIOS", (1, 2))
    monkeypatch.setattr(augment, "TEST_IMAGES", 500)
    tiny = {"gan_steps": 2, "vae_steps": 2, "clf_steps": 2}
    out = tmp_path / "augmentation.json"
    record = augment.run(2, out, "cpu", sizes=(100,), log=lambda *_: None, **tiny)
    assert json.loads(out.read_text()) == record and record["steps"] == {"gan": 2, "vae": 2, "classifier": 2}
    assert len(record["runs"]) == 2 * (1 + 2 * 2)          # seeds x (real only + 2 sources x 2 ratios)
    accs = [r["accuracy"] for r in record["runs"] if r["source"] == "VAE" and r["ratio"] == 2]
    mean, sd = record["summary"]["100"]["VAE"]["2"]
    assert mean == pytest.approx(sum(accs) / 2) and sd == pytest.approx(torch.tensor(accs, dtype=torch.float64).std().item())
    pool, test = gt.load_images("mnist"), gt.load_images("mnist", train=False)
    again = augment.one_cell(pool, (test.images[:500], test.labels[:500]), 100, 1, **tiny)
    assert again == [r for r in record["runs"] if r["seed"] == 1]          # the chapter re-runs one cell exactly
    assert augment.verdict(record["summary"], 100, "GAN", 1) in ("helped", "hurt", "made no clear difference")
    with pytest.raises(ValueError, match="multiple of 10"):
        augment.balanced_subset(pool.labels, 15, seed=0)
    with pytest.raises(SystemExit):
        main(["augment", "--seeds", "0", "--out", str(out)])


def test_balanced_subsets_have_equal_classes_and_differ_by_seed():
    from gantutor.book import augment

    labels = torch.arange(1000) % 10
    a, b = augment.balanced_subset(labels, 30, seed=0), augment.balanced_subset(labels, 30, seed=1)
    assert torch.bincount(labels[a], minlength=10).tolist() == [3] * 10 and len(set(a.tolist())) == 30
    assert not torch.equal(a, b)


def test_recipe_comparison_records_every_run_and_the_mean_over_seeds(tmp_path, mnist_root, monkeypatch):
    from gantutor.book import recipes

    monkeypatch.setattr(recipes, "EVAL_SAMPLES", 200)
    monkeypatch.setitem(recipes.COMPARISONS, "dcgan", {**recipes.COMPARISONS["dcgan"],
                                                       "shared": {**recipes.COMPARISONS["dcgan"]["shared"], "width": 4}})
    out = tmp_path / "recipes_dcgan.json"
    assert main(["recipes", "dcgan", "--seeds", "2", "--steps", "2", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert len(record["runs"]) == 2 * 2 * 2 and record["command"].startswith("python -m gantutor recipes dcgan")
    fids = [r["fid_over_floor"] for r in record["runs"] if r["variant"] == "resize" and r["weights"] == "ema"]
    mean, sd = record["summary"]["resize"]["ema"]["fid_over_floor"]
    assert mean == pytest.approx(sum(fids) / 2) and sd == pytest.approx(torch.tensor(fids, dtype=torch.float64).std().item())
    assert record["runs"][0]["seed"] == 0 and record["runs"][2]["seed"] == 1        # seeds differ, so runs do
    assert record["runs"][0]["fid_over_floor"] != record["runs"][2]["fid_over_floor"]
    with pytest.raises(SystemExit):
        main(["recipes", "stylegan", "--out", str(out)])
    with pytest.raises(SystemExit):
        main(["recipes", "dcgan", "--seeds", "0", "--out", str(out)])


def test_recipe_variants_change_rates_batch_and_steps(tmp_path, mnist_root, monkeypatch):
    """A variant's step_scale multiplies the steps (smaller batches, more updates); lr_d reaches the discriminator's
    optimiser; --variants is kept in the recorded command."""
    from gantutor.book import recipes

    monkeypatch.setattr(recipes, "EVAL_SAMPLES", 200)
    seen = []
    real_train_gan = gt.train_gan
    monkeypatch.setattr("gantutor.gan.train_gan", lambda *a, **kw: seen.append(kw) or real_train_gan(*a, **kw))
    for name in ("dcgan-rates", "dcgan-small-batch"):
        monkeypatch.setitem(recipes.COMPARISONS, name, {**recipes.COMPARISONS[name], "shared": {
            **recipes.COMPARISONS[name]["shared"], "width": 4}})
    out = tmp_path / "r.json"
    assert main(["recipes", "dcgan-small-batch", "--variants", "batch16", "--seeds", "1", "--first-seed", "2",
                 "--steps", "1", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert [r["steps"] for r in record["runs"]] == [8, 8] and "--variants batch16" in record["command"]
    assert [r["seed"] for r in record["runs"]] == [2, 2] and "--first-seed 2" in record["command"]
    assert seen[-1]["steps"] == 8 and seen[-1]["lr_d"] is None
    assert main(["recipes", "dcgan-rates", "--variants", "ttur", "--seeds", "1", "--steps", "2",
                 "--out", str(out)]) == 0
    assert (seen[-1]["lr"], seen[-1]["lr_d"]) == (1e-4, 4e-4)
    assert json.loads(out.read_text())["variants"] == {"ttur": {"lr": 1e-4, "lr_d": 4e-4}}


def test_mlpgan_comparison_trains_chapter_2s_networks_at_each_batch_size(monkeypatch):
    """The mlpgan recipes build the fully connected pair of chapter 2 and scale the steps with the batch."""
    from gantutor.book import recipes

    seen = []
    real_train_gan = gt.train_gan
    monkeypatch.setattr("gantutor.gan.train_gan", lambda *a, **kw: seen.append((a, kw)) or real_train_gan(*a, **kw))
    spec = recipes.COMPARISONS["mlpgan"]
    for variant, batch in (("batch128", 128), ("batch32", 32)):
        hist, G = recipes.train_one(spec["shared"], spec["variants"][variant], 1, 0, torch.zeros(256, 1, 28, 28) - 1,
                                    "cpu")
        (G_arg, D_arg, batches), kw = seen[-1]
        assert isinstance(G, gt.MLPGenerator) and isinstance(D_arg, gt.MLPDiscriminator) and G_arg is G
        assert batches.batch_size == batch and kw["steps"] == 128 // batch and kw["ema"] == 0.999
        assert len(hist.d_loss) == 128 // batch


def test_flow_reference_run_scores_the_unconditional_and_the_guided_model(tmp_path, mnist_root, monkeypatch):
    from gantutor.book import reference

    monkeypatch.setattr(reference, "FLOW_DECAY_STEPS", 4)
    monkeypatch.setattr(reference, "CHECK_EVERY", 2)
    monkeypatch.setattr(reference, "EVAL_SAMPLES", 200)
    monkeypatch.setattr(reference, "FLOW_CAS", {"samples": 256, "epochs": 1})
    monkeypatch.setitem(reference.RECIPES, "flow", {**reference.RECIPES["flow"], "channels": [4, 4, 4],
                                                    "sampler_steps": 1})
    out = tmp_path / "reference_flow.json"
    assert main(["reference", "flow", "--seconds", "1", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert set(record["metrics"]) == {f"flow_reference.{k}" for k in (
        "fid_over_floor", "confident_rate", "max_class_share", "sample_ms", "guided_fid_over_floor", "cas")}
    G, _ = reference.load_reference(out)
    assert G.channels == (4, 4, 4) and G.num_classes == 10
    again = reference.score(G, "flow", torch.device("cpu"))
    assert again["flow_reference.fid_over_floor"] == pytest.approx(record["metrics"]["flow_reference.fid_over_floor"],
                                                                   rel=1e-6)


def test_toy_diffusion_record_holds_every_run_and_matches_a_run_in_this_process(tmp_path, capsys):
    from gantutor.book import toys

    out = tmp_path / "toy.json"
    assert main(["toy-diffusion", "--steps", "6", "--hidden", "8", "--depth", "1", "--seeds", "2",
                 "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["command"].startswith("python -m gantutor toy-diffusion --steps 6")
    assert len(record["runs"]) == 2 * 2 * 2 and {r["objective"] for r in record["runs"]} == {"ddpm", "flow"}
    rows = [r for r in record["runs"] if (r["objective"], r["dist"]) == ("flow", "grid")]
    mean, sd = record["summary"]["flow"]["grid"]["high_quality"]
    assert mean == pytest.approx(sum(r["high_quality"] for r in rows) / 2)
    assert all(r["modes"] == 25 for r in rows) and all(0 <= r["high_quality"] <= 1 for r in rows)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                     # the workers' setting
    try:
        again = toys.train_one(("ddpm", "ring", 1, 6, 8, 1))
    finally:
        torch.set_num_threads(threads)
    stored = next(r for r in record["runs"] if (r["objective"], r["dist"], r["seed"]) == ("ddpm", "ring", 1))
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in stored.items() if k != "seconds"}
    with pytest.raises(SystemExit):
        main(["toy-diffusion", "--steps", "0", "--out", str(out)])
    assert "--steps must be a positive integer" in capsys.readouterr().err
    with pytest.raises(ValueError, match="No toy distribution"):
        toys.toy("spiral")
    with pytest.raises(ValueError, match="No toy objective named 'gan'"):
        toys.train_net(("gan", "ring", 0, 2, 8, 1))
    net, scale, _ = toys.train_net(("flow", "grid", 0, 4, 8, 1))     # what the chapters sample from
    assert not net.training and scale == pytest.approx(float(gt.sample_grid(
        toys.POINTS, generator=torch.Generator().manual_seed(0)).std()))
    cell = lambda modes, hq: {"covered": [modes, 0.0], "high_quality": [hq, 0.0]}
    assert toys.verdict({"flow": {"ring": cell(8, 0.96), "grid": cell(25, 0.91)}}, "flow").startswith("both toys clear the bar: every mode")
    short = toys.verdict({"ddpm": {"ring": cell(8, 0.96), "grid": cell(24.7, 0.8)}}, "ddpm")
    assert short.startswith("short of the bar (every mode") and "book" not in short
    assert "the grid misses (24.7 of 25 modes and 80.0 % high-quality against 90 %)" in short and "ring misses" not in short
    with pytest.raises(ValueError, match="no 'flow' runs"):
        toys.verdict({"ddpm": {}}, "flow")


def test_spectral_norm_recipe_builds_the_discriminator_it_names(monkeypatch):
    """The ``dcgan-sn`` comparison's variants train the chapter's generator against a discriminator with spectral
    normalisation in place of batch norm, with the loss each variant names."""
    import gantutor.gan as gan_module
    from gantutor.book import recipes

    seen, real_train_gan = {}, gan_module.train_gan

    def spy(G, D, batches, **kw):
        seen.update(loss=kw["loss"], modules={type(m).__name__ for m in D.modules()},
                    normalised=any(hasattr(m, "parametrizations") for m in D.modules()))
        return real_train_gan(G, D, batches, **kw)

    monkeypatch.setattr(gan_module, "train_gan", spy)
    spec = recipes.COMPARISONS["dcgan-sn"]
    images = torch.rand(64, 1, 28, 28) * 2 - 1
    shared = {**spec["shared"], "width": 4, "batch_size": 16}
    hist, G = recipes.train_one(shared, spec["variants"]["sn-hinge"], 2, 0, images, torch.device("cpu"))
    assert seen["loss"] == "hinge" and seen["normalised"] and "BatchNorm2d" not in seen["modules"]
    assert G.upsample == "resize" and len(hist.d_loss) == 2


def test_recipe_variants_can_be_chosen_and_unknown_ones_are_named(tmp_path, capsys):
    from gantutor.book import recipes

    with pytest.raises(ValueError, match="dcgan-sn has no variant sn-lsgan; choose from sn, sn-hinge"):
        recipes.run("dcgan-sn", 1, 1, tmp_path / "r.json", variants=["sn-lsgan"])
    with pytest.raises(SystemExit):
        main(["recipes", "dcgan-sn", "--variants", "sn-lsgan", "--out", str(tmp_path / "r.json")])
    assert "choose from sn, sn-hinge" in capsys.readouterr().err


def _recipe_record(path, runs, comparison="dcgan"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"comparison": comparison, "runs": runs}))


def _run(variant, seed, weights, fid, seconds=10.0):
    return {"variant": variant, "seed": seed, "weights": weights, "seconds": seconds, "fid_over_floor": fid,
            "confident_rate": 0.5, "max_class_share": 0.2}


def test_recipe_table_combines_records_and_gives_mean_and_sd_over_seeds(tmp_path, monkeypatch):
    from gantutor.book import recipes

    monkeypatch.chdir(tmp_path)
    _recipe_record(tmp_path / "results/cpu/a.json", [_run("b32", 0, "ema", 40.0, 10.0), _run("b128", 0, "ema", 80.0)])
    _recipe_record(tmp_path / "results/cpu/b.json",
                   [_run("b32", 1, "ema", 44.0, 30.0), _run("b32", 2, "ema", 48.0, 20.0)], comparison="other")
    runs, records = recipes.load_runs("cpu/a.json", "cpu/b.json")
    assert len(runs) == 4 and len(records) == 2
    table = recipes.summary_table(runs, {"b128": "batch 128", "b32": "batch 32"}).splitlines()
    assert table[2] == "| batch 128 | average (EMA) | 1 | 80.0 | 50.0% | 20.0% | 10 |"
    assert table[3] == "| batch 32 | average (EMA) | 3 | 44.0 ± 4.0 | 50.0% ± 0.0% | 20.0% ± 0.0% | 20 |"


def test_recipe_table_refuses_a_run_twice_and_a_variant_without_a_label(tmp_path, monkeypatch):
    from gantutor.book import recipes

    monkeypatch.chdir(tmp_path)
    _recipe_record(tmp_path / "results/cpu/a.json", [_run("b32", 0, "ema", 40.0)])
    with pytest.raises(ValueError, match=r"\('b32', 0, 'ema'\) is in both cpu/a.json and cpu/a.json"):
        recipes.load_runs("cpu/a.json", "cpu/a.json")
    runs, _ = recipes.load_runs("cpu/a.json")
    with pytest.raises(ValueError, match="No label for the variants b32; pass one for each in labels"):
        recipes.summary_table(runs, {"b128": "batch 128"})


def test_time_to_quality_scores_against_the_evaluation_chapters_floor(mnist_root):
    from gantutor.book import bench, reference

    result = bench.time_to_quality(device="cpu", max_seconds=0.5, eval_every=5, n_eval=200, log=lambda *_: None)
    assert result["floor_fid"] == pytest.approx(reference.real_features_and_floor(200)[1])
    assert result["trajectory"] and result["trajectory"][-1]["train_seconds"] >= 0.5
