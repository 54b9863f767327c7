import pytest
import torch

import gantutor as gt
from gantutor.profile import PROFILE_ENV


def test_profiles_exist_and_grow():
    smoke, cpu, gpu = (gt.PROFILES[n] for n in ("smoke", "cpu", "gpu"))
    assert smoke.gan_steps < cpu.gan_steps < gpu.gan_steps
    assert smoke.eval_samples < cpu.eval_samples <= gpu.eval_samples
    assert smoke.train_subset is not None and smoke.train_subset < 60000


def test_env_selects_profile(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "smoke")
    assert gt.get_profile().name == "smoke"
    monkeypatch.setenv(PROFILE_ENV, " CPU ")
    assert gt.get_profile().name == "cpu"


def test_default_follows_cuda(monkeypatch):
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    expected = "gpu" if torch.cuda.is_available() else "cpu"
    assert gt.get_profile().name == expected
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert gt.get_profile().name == "gpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gt.get_profile().name == "cpu"


def test_unknown_profile_names_choices_and_source(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "fast")
    with pytest.raises(ValueError) as err:
        gt.get_profile()
    msg = str(err.value)
    assert "'fast'" in msg and PROFILE_ENV in msg and "smoke, cpu, gpu" in msg


def test_with_overrides():
    p = gt.with_overrides(gt.PROFILES["cpu"], gan_steps=7)
    assert p.gan_steps == 7 and p.name == "cpu" and gt.PROFILES["cpu"].gan_steps != 7
    with pytest.raises(ValueError, match="no budget named epochs"):
        gt.with_overrides(p, epochs=3)


def test_device_errors(monkeypatch):
    assert gt.get_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="Cannot use device 'gpu0'"):
        gt.get_device("gpu0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        gt.get_device("cuda")


def test_seed_everything_repeats_draws():
    gt.seed_everything(3)
    a = torch.randn(5)
    gen = gt.seed_everything(3)
    assert torch.equal(a, torch.randn(5))
    assert torch.equal(torch.randn(2, generator=gen), torch.randn(2, generator=torch.Generator().manual_seed(3)))
    with pytest.raises(ValueError):
        gt.seed_everything(-1)


def test_describe_environment_line():
    line = gt.describe_environment(gt.PROFILES["smoke"], torch.device("cpu"))
    assert line.startswith("profile=smoke | device=cpu | gantutor ")
    assert torch.__version__ in line


def test_records_name_the_cpu_vector_instructions():
    """Reference, recipe and bench records say which vector instructions the CPU kernels use (AVX2, AVX512, ...)."""
    from gantutor.book import bench, reference

    capability = gt.profile.cpu_capability()
    assert capability and capability == torch.backends.cpu.get_cpu_capability()
    assert reference.machine(torch.device("cpu"))["cpu_capability"] == capability
    assert bench.environment(torch.device("cpu"))["cpu_capability"] == capability


def test_text_glues_without_quotes():
    from IPython.core.formatters import format_display_data
    bundle, _ = format_display_data(gt.Text("cpu"))
    assert bundle["text/plain"] == "cpu"
    assert gt.Text("cpu") == "cpu"


def test_thread_setting_from_the_environment(monkeypatch):
    import torch

    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("GANTUTOR_THREADS", "1")
        gt.get_device("cpu")
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("GANTUTOR_THREADS", "two")
        with pytest.raises(ValueError, match="GANTUTOR_THREADS must be a positive integer"):
            gt.get_device("cpu")
    finally:
        torch.set_num_threads(before)


def test_the_applications_chapter_re_runs_its_augmentation_cell_as_the_record_was_made():
    from gantutor.book import augment

    for name in ("cpu", "gpu"):
        profile = gt.get_profile(name)
        assert profile.augment_clf_steps == augment.CLF_STEPS
        assert profile.augment_test_images in (None, augment.TEST_IMAGES)
    assert gt.get_profile("smoke").augment_clf_steps < augment.CLF_STEPS


def test_chapters_read_budgets_from_profile_fields_not_from_the_profile_name():
    """A notebook that branches on ``P.name`` hides a budget from the profile table; every such choice is a field."""
    import re
    from pathlib import Path

    chapters = sorted(Path(__file__).resolve().parents[1].joinpath("chapters").glob("*.py"))
    assert chapters
    offenders = [f"{p.name}:{i}" for p in chapters for i, line in enumerate(p.read_text().splitlines(), 1)
                 if re.search(r"\bP\.name\s*[!=]=", line)]
    assert not offenders, f"profile-name branches (add a Profile field instead): {offenders}"
