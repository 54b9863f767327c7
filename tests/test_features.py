"""The shipped feature classifiers: integrity (sha256), accuracy on the real test sets, and what the image metrics
built on them do to real images under controlled damage."""

import shutil

import pytest
import torch

import gantutor as gt
from gantutor import features as F
from gantutor import metrics as M

from conftest import _has_raw


def test_shipped_files_match_their_recorded_sha256():
    for name, entry in F.CLASSIFIERS.items():
        assert F.sha256_file(F.WEIGHTS_DIR / entry["file"]) == entry["sha256"], name


def test_a_corrupted_weight_file_is_refused(tmp_path):
    bad = tmp_path / "mnist_classifier.pt"
    shutil.copy(F.WEIGHTS_DIR / F.CLASSIFIERS["mnist"]["file"], bad)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF              # flip one byte in the middle of the weights
    bad.write_bytes(bytes(data))
    with pytest.raises(F.ChecksumError, match="do not match their recorded sha256") as err:
        F.load_classifier("mnist", path=bad, sha256=F.CLASSIFIERS["mnist"]["sha256"])
    assert str(bad) in str(err.value) and "never retrains silently" in str(err.value)


def test_missing_weights_and_unknown_datasets_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m gantutor.features train mnist"):
        F.load_classifier("mnist", path=tmp_path / "nope.pt", sha256="0" * 64)
    with pytest.raises(ValueError, match="gantutor ships one for: mnist, fashion-mnist"):
        F.load_classifier("cifar10")
    mine = tmp_path / "mine.pt"                          # someone's own weights, no hash given
    own = gt.models.ImageClassifier()
    own.classes = [str(i) for i in range(10)]
    F.save_classifier(own, mine, "mnist")
    with pytest.raises(F.ChecksumError, match="pass path= and sha256="):
        F.load_classifier("mnist", path=mine)
    assert F.load_classifier("mnist", path=mine, sha256=F.sha256_file(mine)).num_features == 128


@pytest.mark.parametrize("images, message", [
    (torch.zeros(4, 784), r"shaped \(N, 1, 28, 28\)"),
    (torch.zeros(4, 3, 28, 28), r"shaped \(N, 1, 28, 28\)"),
    (torch.full((4, 1, 28, 28), 255.0), r"x / 127.5 - 1"),
    (torch.zeros(0, 1, 28, 28), "at least one image"),
])
def test_classifier_outputs_reject_bad_images(images, message):
    with pytest.raises(ValueError, match=message):
        F.classifier_outputs(images)


def test_features_and_logits_have_the_documented_shapes():
    feats, logits = F.classifier_outputs(torch.zeros(3, 1, 28, 28))
    assert feats.shape == (3, 128) and logits.shape == (3, 10) and (feats >= 0).all()


@pytest.mark.parametrize("name, folder, floor", [("mnist", "MNIST", 0.990), ("fashion-mnist", "FashionMNIST", 0.900)])
def test_shipped_classifiers_reach_their_accuracy_on_the_real_test_sets(name, folder, floor):
    if not _has_raw(gt.data_root(), folder):
        pytest.skip(f"{folder} raw files not found under {gt.data_root()}")
    test = gt.load_images(name, train=False)
    acc = F.evaluate_accuracy(F.load_classifier(name), test.images, test.labels)
    assert acc >= floor, f"{name}: {acc:.4f}"


# ---------------------------------------------------------------- metrics on real MNIST, under controlled damage
N = 2000


@pytest.fixture(scope="module")
def real_sets(mnist_root):
    train = gt.load_images("mnist", train=True, subset=N, seed=1)
    test = gt.load_images("mnist", train=False, subset=N, seed=2)
    return train, test, F.classifier_outputs(test.images)


def test_fid_of_a_set_with_itself_is_zero_and_train_vs_test_is_small(real_sets):
    train, test, (tf, _) = real_sets
    assert M.fid_from_features(tf, tf) == pytest.approx(0.0, abs=1e-6)
    floor = M.fid_from_features(F.classifier_outputs(train.images)[0], tf)
    noisy = (train.images + 0.3 * torch.randn(train.images.shape, generator=torch.Generator().manual_seed(0)))
    damaged = M.fid_from_features(F.classifier_outputs(noisy.clamp(-1, 1))[0], tf)
    assert 0 < floor < damaged / 10


def test_fid_grows_monotonically_with_added_noise(real_sets):
    train, _, (tf, _) = real_sets
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(train.images.shape, generator=g)
    fids = [M.fid_from_features(F.classifier_outputs((train.images + s * noise).clamp(-1, 1))[0], tf)
            for s in (0.0, 0.1, 0.2, 0.4, 0.8)]
    assert fids == sorted(fids), fids


def test_recall_drops_when_classes_are_removed_while_precision_stays_high(real_sets):
    train, _, (tf, _) = real_sets
    full = M.precision_recall(tf, F.classifier_outputs(train.images)[0])
    keep = train.labels < 5
    half = M.precision_recall(tf, F.classifier_outputs(train.images[keep])[0])
    one = M.precision_recall(tf, F.classifier_outputs(train.images[train.labels == 3])[0])
    assert full["recall"] > half["recall"] + 0.3 > one["recall"] + 0.3
    # precision stays where real-vs-real puts it (k = 3 balls from 2,000 points miss some real images too)
    assert full["precision"] > 0.8
    for pr in (half, one):
        assert pr["precision"] > full["precision"] - 0.05
    cov = M.class_coverage(F.classifier_outputs(train.images[keep])[1])
    assert cov["covered"] == 5
