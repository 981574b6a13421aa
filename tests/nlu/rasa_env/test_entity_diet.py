"""EntityDIETClassifier (bot/nlu/entity_diet.py): DIET trained for entities only."""
import asyncio
import contextlib
import sys

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entity_diet import entity_training_subset

NLU = """version: "3.1"
nlu:
- intent: order_status
  examples: |
    - where is order [A1042](order_id)
    - status of [B2231](order_id) please
    - has [C9912](order_id) shipped
    - track my order [D5521](order_id)
    - any news on [E7781](order_id)
    - where is my parcel
    - has my order shipped yet
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
- intent: refund
  examples: |
    - I want my money back
    - refund please
    - can I get a refund
"""

CONFIG = """recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: bot.nlu.entity_diet.EntityDIETClassifier
    epochs: 60
    random_seed: 1
"""


def msg(text, intent, entities=None):
    return Message(data={TEXT: text, INTENT: intent, **({ENTITIES: entities} if entities else {})})


def test_subset_keeps_annotated_examples_and_a_seeded_sample_of_the_rest():
    annotated = [msg(f"order A{i}", "order_status", [{"entity": "order_id", "start": 6, "end": 8, "value": f"A{i}"}])
                 for i in range(3)]
    plain = [msg(f"hello {i}", "greet") for i in range(10)]
    subset = entity_training_subset(TrainingData(annotated + plain), negatives_per_positive=1.0, seed=7)
    assert subset.training_examples[:3] == annotated
    assert len(subset.training_examples) == 6
    again = entity_training_subset(TrainingData(annotated + plain), negatives_per_positive=1.0, seed=7)
    assert [m.get(TEXT) for m in again.training_examples] == [m.get(TEXT) for m in subset.training_examples]
    assert entity_training_subset(TrainingData(plain), 1.0, 7).training_examples == []


def train_and_parse(tmp_path, nlu_text, texts):
    import rasa.model_training
    from rasa.core.agent import Agent

    (tmp_path / "nlu.yml").write_text(nlu_text)
    (tmp_path / "config.yml").write_text(CONFIG)
    intents = [line.split(":")[1].strip() for line in nlu_text.splitlines() if line.startswith("- intent:")]
    (tmp_path / "domain.yml").write_text('version: "3.1"\nintents:\n' + "".join(f"  - {i}\n" for i in intents)
                                         + 'entities:\n  - order_id\n')
    with contextlib.redirect_stdout(sys.stderr):
        model = rasa.model_training.train_nlu(str(tmp_path / "config.yml"), str(tmp_path / "nlu.yml"),
                                              str(tmp_path / "models"), domain=str(tmp_path / "domain.yml"))
    agent = Agent.load(model)
    return [asyncio.run(agent.parse_message(t)) for t in texts]


@pytest.mark.filterwarnings("ignore")
def test_extracts_entities_and_leaves_the_intent_alone(tmp_path):
    found, plain = train_and_parse(tmp_path, NLU, ["where is order C9912", "hello"])
    assert [(e["entity"], e["value"], e["extractor"]) for e in found["entities"]] == \
        [("order_id", "C9912", "EntityDIETClassifier")], found["entities"]
    assert plain["entities"] == []
    assert found["intent"]["name"] is None, "no intent classifier in this pipeline: DIET must not set one"


@pytest.mark.filterwarnings("ignore")
def test_without_any_entity_it_trains_nothing_and_parses_nothing(tmp_path):
    no_entities = NLU.replace("[A1042](order_id)", "A1042").replace("[B2231](order_id)", "B2231") \
        .replace("[C9912](order_id)", "C9912").replace("[D5521](order_id)", "D5521").replace("[E7781](order_id)", "E7781")
    (parsed,) = train_and_parse(tmp_path, no_entities, ["where is order A1042"])
    assert parsed["entities"] == []
