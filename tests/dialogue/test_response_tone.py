"""The domain's tone variants, chosen by Rasa itself for the hub's frustration_level.

render_responses.py runs in the Rasa environment and renders every response with Rasa's
TemplatedNaturalLanguageGenerator for each level; these tests check what it chose.
"""
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = Path(__file__).with_name("render_responses.py")
DOMAIN = PROJECT_ROOT / "domain.yml"

# What a frustrated customer is most likely to see (issue 4).
TONED = (
    "utter_default", "utter_ask_rephrase", "utter_no_problem", "utter_complaint", "utter_out_of_scope",
    "utter_kb_not_helped", "utter_kb_unavailable", "utter_technical_issue", "utter_crm_unavailable",
    "utter_form_stopped", "utter_too_many_attempts", "utter_refund_status", "utter_warranty_claim",
    "utter_offer_callback",
    # issue 20: the apology before a form, and the CRM being down right after one
    "utter_sorry_late", "utter_sorry_missing", "utter_sorry_damaged", "utter_sorry_wrong_item",
    "utter_sorry_double_charge", "utter_crm_unavailable_after_apology",
)
# Sent before the form when the customer reports a failure (data/rules/forms.yml), at every level.
APOLOGIES = ("utter_sorry_late", "utter_sorry_missing", "utter_sorry_damaged", "utter_sorry_wrong_item",
             "utter_sorry_double_charge")
# These must carry the button even when the calm variant doesn't.
PERSON_BUTTON_REQUIRED = ("utter_default", "utter_ask_rephrase", "utter_kb_not_helped", "utter_complaint",
                          "utter_out_of_scope")
PERSON = {"title": "Talk to a person", "payload": "/request_human"}
FRUSTRATED = ("annoyed", "angry")


@pytest.fixture(scope="module")
def rendered() -> dict:
    result = subprocess.run([str(RASA_PYTHON), str(SCRIPT), str(DOMAIN)], capture_output=True, text=True,
                            timeout=300, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def responses() -> dict:
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def calm_variant(variants: list[dict]) -> dict:
    (calm,) = [v for v in variants if "condition" not in v]
    return calm


def level_variant(variants: list[dict], level: str) -> dict:
    (variant,) = [v for v in variants if v.get("condition") == [
        {"type": "slot", "name": "frustration_level", "value": level}]]
    return variant


@pytest.mark.parametrize("name", TONED)
def test_rasa_picks_the_variant_of_the_level(rendered, responses, name):
    calm = calm_variant(responses[name])
    for level in ("unset", "calm"):
        assert rendered[name][level]["suitable"] == [calm], (name, level)
        assert rendered[name][level]["generated"]["text"] == calm["text"]
    for level in FRUSTRATED:
        wanted = level_variant(responses[name], level)
        assert rendered[name][level]["suitable"] == [wanted], (name, level)
        assert rendered[name][level]["generated"]["text"] == wanted["text"]


@pytest.mark.parametrize("name", TONED)
def test_frustrated_variants_are_shorter_and_offer_a_person(responses, name):
    calm = calm_variant(responses[name])
    for level in FRUSTRATED:
        variant = level_variant(responses[name], level)
        assert len(variant["text"]) < len(calm["text"]), (name, level)
        assert PERSON in variant.get("buttons", []), (name, level)
    assert len(level_variant(responses[name], "angry")["text"]) < len(calm["text"])


@pytest.mark.parametrize("name", PERSON_BUTTON_REQUIRED)
def test_person_button_where_the_customer_is_stuck(rendered, name):
    for level in FRUSTRATED:
        assert PERSON in rendered[name][level]["generated"]["buttons"], (name, level)


def test_frustrated_wording_is_varied_not_one_stock_phrase(responses):
    texts = [level_variant(responses[name], level)["text"] for name in TONED for level in FRUSTRATED]
    assert len(set(texts)) == len(texts)
    assert not any("understand your frustration" in text.lower() for text in texts)
    same_opening = [t for t in texts if t.lower().startswith(("sorry", "i'm sorry"))]
    assert len(same_opening) < len(texts) / 2, same_opening
    assert sum("frustrat" in t.lower() for t in texts) <= len(texts) / 4


def test_only_frustration_level_conditions_and_known_levels(responses):
    for name, variants in responses.items():
        for variant in variants:
            for condition in variant.get("condition", []):
                assert condition["type"] == "slot" and condition["name"] == "frustration_level", name
                assert condition["value"] in FRUSTRATED, name
            assert len(variants) == 1 or any("condition" not in v for v in variants), name


def test_untoned_responses_are_the_same_at_every_level(rendered, responses):
    for name, variants in responses.items():
        if name in TONED:
            continue
        levels = rendered[name]
        assert levels["angry"]["suitable"] == levels["calm"]["suitable"] == variants, name


@pytest.mark.parametrize("name", APOLOGIES)
def test_apologies_apologise_at_every_level_and_ask_nothing(rendered, name):
    from actions.common import apologises

    for level in ("unset", "calm", *FRUSTRATED):
        text = rendered[name][level]["generated"]["text"]
        assert apologises(text), (name, level)
        assert "?" not in text, (name, level)  # the form's question follows it


def test_the_crm_message_after_an_apology_does_not_apologise(rendered):
    from actions.common import apologises

    for level in ("unset", "calm", *FRUSTRATED):
        text = rendered["utter_crm_unavailable_after_apology"][level]["generated"]["text"]
        assert text and not apologises(text), level
