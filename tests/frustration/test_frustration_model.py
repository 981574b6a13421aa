"""The committed model, the scorer on top of it, the vendored data and a quick training run."""
import json

import numpy as np
import pytest

from bot.frustration.goemotions import FRUSTRATED_LABELS, label_names, load_split, parse_lines
from bot.frustration.policy import BotTurn, CustomerProfile, CustomerTurn
from bot.frustration.scorer import FrustrationScorer
from bot.frustration.text_model import DEFAULT_MODEL, ModelUnavailable, TextModel
from bot.frustration.training import TrainOptions, train

ANGRY = [
    "This is the THIRD time my order is wrong. Absolutely ridiculous!!!",
    "Your useless machine broke after two weeks and nobody answers my emails. I'm furious.",
    "I'm so fed up with this company",
]
CALM = [
    "Thanks so much, that fixed it!",
    "How do I pause my Coffee Club for a month?",
    "Where is my order A1042?",
]


@pytest.fixture(scope="module")
def model():
    return TextModel.load()


@pytest.fixture(scope="module")
def scorer(model):
    return FrustrationScorer(model)


def test_committed_model_is_small_and_records_its_dev_metrics(model):
    assert DEFAULT_MODEL.stat().st_size < 5_000_000
    meta = model.meta
    assert meta["train_rows"] > 40_000 and meta["dev_rows"] > 5_000
    assert 0.5 < meta["dev"]["f1"] <= 1.0
    assert 0.0 <= meta["word_weight"] <= 1.0 and 0.0 < meta["threshold"] < 1.0


def test_angry_messages_score_above_calm_ones(model):
    p = model.probability(ANGRY + CALM)
    angry, calm = p[: len(ANGRY)], p[len(ANGRY):]
    assert angry.min() > calm.max()
    assert (angry > 0.5).all() and (calm < 0.5).all()


def test_batch_and_single_scores_agree(model):
    batch = model.margin(ANGRY + CALM)
    single = np.array([model.margin([t])[0] for t in ANGRY + CALM])
    assert np.allclose(batch, single, atol=1e-4)


def test_signals_raise_the_score_of_the_same_words(scorer):
    plain = scorer.score("why have you charged me twice")
    loud = scorer.score("WHY HAVE YOU CHARGED ME TWICE???")
    assert "shouting" in loud.signal_names and "repeated_punctuation" in loud.signal_names
    assert loud.score > plain.score
    assert scorer.score("").score == 0.0 and scorer.score("").signals == ()


def test_assess_escalates_an_angry_conversation_and_not_a_calm_one(scorer):
    angry = [CustomerTurn("where is my order A1042", 0), BotTurn("It shipped Monday with UPS."),
             CustomerTurn("That's what you said last week. This is ridiculous, I want a refund NOW!!!", 0)]
    calm = [CustomerTurn("where is my order A1042", 0), BotTurn("It shipped Monday with UPS."),
            CustomerTurn("great, thank you", 0)]
    a = scorer.assess(angry)
    assert a.decision.escalate and a.decision.level in ("annoyed", "angry") and a.decision.reasons
    assert len(a.scores) == 2 and a.to_dict()["trajectory"][1] > a.to_dict()["trajectory"][0]
    b = scorer.assess(calm, CustomerProfile(tier="vip"))
    assert not b.decision.escalate and b.decision.level == "calm"


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="carebot frustration train"):
        TextModel.load(tmp_path / "nope.npz")


def test_vendored_goemotions_is_grouped():
    names = label_names()
    assert len(names) == 28
    assert [names[i] for i in FRUSTRATED_LABELS] == ["anger", "annoyance", "disappointment", "disapproval", "disgust"]
    dev = load_split("dev")
    assert len(dev.texts) == 5426 and dev.labels.shape == (5426, 28)
    assert 0.15 < dev.frustrated.mean() < 0.20
    split = parse_lines(["so annoying\t3\tx1\n", "nice\t0,27\tx2\n", "gross\t11,2\tx3\n"])
    assert split.frustrated.tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="out of range"):
        parse_lines(["bad\t28\tx\n"])


def test_quick_training_run_writes_a_model_that_loads(tmp_path):
    options = TrainOptions(limit=160, epochs=1.0, threads=1, evals_per_epoch=1, blend_grid=(0.0, 0.5, 1.0))
    messages = []
    first = train(options, tmp_path / "a.npz", log=messages.append)
    second = train(options, tmp_path / "b.npz", log=messages.append)
    assert first["train_rows"] == 160 and first["dev_rows"] == 50
    assert any("wrote" in m for m in messages)
    with np.load(tmp_path / "a.npz") as a, np.load(tmp_path / "b.npz") as b:
        assert set(a.files) == set(b.files)
        for key in a.files:  # same seed, same threads: same weights
            assert np.array_equal(a[key], b[key]), key
        assert json.loads(str(a["meta"]))["options"]["limit"] == 160
    small = TextModel.load(tmp_path / "a.npz")
    assert small.probability(["this is awful", "thanks"]).shape == (2,)
