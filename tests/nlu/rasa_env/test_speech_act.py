"""SpeechActClassifier (bot/nlu/speech_act.py): trained on the project's examples, it marks policy
questions with the `question` entity, leaves requests alone, survives a save and load, and
refuses a broken examples file with a clear error."""
import uuid

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.speech_act import SPEECH_ACT, ExamplesError, SpeechActClassifier, choose_threshold
from conftest import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "data" / "speech_acts.yml"
# Not in data/speech_acts.yml (the test would prove nothing if they were).
QUESTIONS = ["is it ok to send back a kettle I already used once?", "do refunds go back to the original card?"]
REQUESTS = ["please refund the mug set from order A1043, it cracked", "I'd like to send back my toaster"]


@pytest.fixture
def trained(tmp_path):
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage.create(tmp_path / "storage")
    resource = Resource(f"sa-{uuid.uuid4().hex[:6]}")
    context = ExecutionContext(GraphSchema({}), "sa")
    config = {**SpeechActClassifier.get_default_config(), "examples": str(EXAMPLES)}
    component = SpeechActClassifier.create(config, storage, resource, context)
    component.train(TrainingData())
    return config, storage, resource, context, component


def marked(component, texts):
    messages = [Message(data={TEXT: t, ENTITIES: []}) for t in texts]
    component.process(messages)
    return [[e["entity"] for e in m.get(ENTITIES)] for m in messages], [m.get(SPEECH_ACT) for m in messages]


def test_questions_get_the_entity_and_requests_do_not(trained):
    *_, component = trained
    entities, acts = marked(component, QUESTIONS + REQUESTS)
    assert entities == [["question"]] * len(QUESTIONS) + [[]] * len(REQUESTS), acts
    assert [a["name"] for a in acts] == ["question"] * len(QUESTIONS) + ["request"] * len(REQUESTS)
    assert marked(component, [""])[0] == [[]]  # an empty text is never a question


def test_the_saved_model_gives_the_same_answers(trained):
    config, storage, resource, context, component = trained
    loaded = SpeechActClassifier.load(config, storage, resource, context)
    assert loaded.threshold == component.threshold
    assert marked(loaded, QUESTIONS + REQUESTS) == marked(component, QUESTIONS + REQUESTS)


def test_threshold_weighs_a_missed_question_more_than_a_missed_request():
    probabilities = np.array([0.9, 0.45, 0.4, 0.35, 0.1])
    labels = np.array([1, 1, 0, 0, 0])
    assert choose_threshold(probabilities, labels, 1.0) > 0.4  # equal costs: miss the 0.45 question or not
    assert choose_threshold(probabilities, labels, 3.0) <= 0.45  # a missed question costs more: catch it


def test_a_broken_examples_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "speech_acts.yml"
    bad.write_text("question: [only one]\nrequest: []\n", encoding="utf-8")
    config = {**SpeechActClassifier.get_default_config(), "examples": str(bad)}
    (tmp_path / "s").mkdir()
    component = SpeechActClassifier.create(config, LocalModelStorage.create(tmp_path / "s"), Resource("x"),
                                           ExecutionContext(GraphSchema({}), "sa"))
    with pytest.raises(ExamplesError, match="at least 5"):
        component.train(TrainingData())
