"""gantutor.allocator: glibc's settings for large CPU tensors, and the benchmark that compares them."""

import json
import os
import subprocess
import sys

import pytest

from gantutor import allocator
from gantutor.book import bench

needs_glibc = pytest.mark.skipif(allocator.glibc() is None, reason="glibc's allocator only (Linux)")


def _state_after_import(env_value):
    env = {k: v for k, v in os.environ.items() if k != "GANTUTOR_MALLOC"}
    if env_value is not None:
        env["GANTUTOR_MALLOC"] = env_value
    return subprocess.run([sys.executable, "-c", "import gantutor; print(gantutor.allocator.state)"],
                          capture_output=True, text=True, env=env)


@needs_glibc
def test_import_keeps_freed_memory_on_glibc_unless_told_system():
    assert _state_after_import(None).stdout.strip() == "keep"
    assert _state_after_import("system").stdout.strip() == "system"


def test_an_unknown_setting_stops_the_import_and_names_the_choices():
    done = _state_after_import("fast")
    assert done.returncode != 0
    assert "GANTUTOR_MALLOC must be one of keep, system" in done.stderr


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="keep_mib must be a positive number of MiB"):
        allocator.keep_freed_memory(keep_mib=0)
    with pytest.raises(ValueError, match="pad_mib must be a positive number of MiB"):
        allocator.keep_freed_memory(pad_mib=1.5)


def test_without_glibc_keep_is_refused_and_the_default_is_the_system_allocator(monkeypatch):
    monkeypatch.setattr(allocator, "glibc", lambda: None)
    monkeypatch.setattr(allocator, "state", "system")
    monkeypatch.delenv("GANTUTOR_MALLOC", raising=False)
    with pytest.raises(RuntimeError, match="needs GNU libc.*GANTUTOR_MALLOC=system"):
        allocator.configure("keep")
    assert allocator.configure() == "system"


def test_allocator_bench_alternates_fresh_processes_and_flags_noise(monkeypatch):
    """The scheduling and the noise flag, with a fake clock: the second 'keep' block is three times slower."""
    calls, fake_seconds = [], iter([1.0, 2.0, 3.0, 2.0])
    monkeypatch.setattr(bench, "_allocator_child", lambda choice, work, images, steps: (
        calls.append(choice) or {"seconds": next(fake_seconds), "allocator": choice, "checksum": 1.0}))
    result = bench.allocators(["flow-sampling"], images=10, repeats=2, log=lambda line: None)
    assert calls == ["keep", "system", "keep", "system"]
    entry = result["work"]["flow-sampling"]
    assert entry["allocators"]["keep"]["images_per_s"] == 10.0 and entry["allocators"]["keep"]["noisy"]
    assert entry["speedup_keep_vs_system"] == pytest.approx(2.0) and entry["same_numbers"] and entry["noisy"]


@needs_glibc
def test_both_settings_compute_the_same_numbers():
    """Each piece of the benchmark's work in this process (allocator "keep") and in one started with "system"."""
    sizes = {"flow-sampling": (16, 1), "classifier-features": (16, 1), "dcgan-training": (8, 2)}
    here = [bench.allocator_block(w, *sizes[w]) for w in bench.ALLOCATOR_WORK]
    code = ("import json; from gantutor.book.bench import allocator_block as block; "
            f"print(json.dumps([block(w, *s) for w, s in {sizes!r}.items()]))")
    env = {**os.environ, "GANTUTOR_MALLOC": "system"}
    there = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                      check=True).stdout.strip().splitlines()[-1])
    assert {b["allocator"] for b in here} == {"keep"} and {b["allocator"] for b in there} == {"system"}
    assert [b["checksum"] for b in here] == [b["checksum"] for b in there]


def test_unknown_work_is_refused():
    with pytest.raises(ValueError, match="Unknown work 'resnet'"):
        bench.allocator_block("resnet", 4, 1)
