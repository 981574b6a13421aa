"""The `surveys:` section of the client file: which questions follow CSAT, their texts and labels, the comment."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping



class SurveyConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    scale: tuple[int, int]
    labels: dict[str, str]


CSAT = Question("csat", "How satisfied are you with the help you got today?", (1, 5),
                {"1": "Very unhappy", "5": "Very happy"})
CES = Question("ces", "How easy was it to get the help you needed?", (1, 7), {"1": "Very easy", "7": "Very difficult"})
NPS = Question("nps", "How likely are you to recommend us to a friend?", (0, 10),
               {"0": "Not at all likely", "10": "Extremely likely"})
QUESTIONS = {q.kind: q for q in (CSAT, CES, NPS)}
COMMENT_TEXT = "Anything you'd like to add? Just type it here, or choose Skip."


@dataclass(frozen=True)
class SurveyConfig:
    questions: tuple[Question, ...] = (CSAT, CES, NPS)  # CSAT first, then the follow-ups, in order
    comment: bool = True
    comment_text: str = COMMENT_TEXT
    comment_window_minutes: float = 10.0  # the next free text within this is the comment

    def question(self, kind: str) -> Question | None:
        return next((q for q in self.questions if q.kind == kind), None)

    def after(self, kind: str) -> Question | None:
        kinds = [q.kind for q in self.questions]
        index = kinds.index(kind) + 1 if kind in kinds else len(kinds)
        return self.questions[index] if index < len(kinds) else None


def survey_config_from_dict(section: Mapping[str, Any] | None) -> SurveyConfig:
    section = section or {}
    follow_up = section.get("follow_up", ["ces", "nps"])
    if not isinstance(follow_up, list) or any(kind not in ("ces", "nps") for kind in follow_up):
        raise SurveyConfigError("surveys.follow_up must be a list of: ces, nps")
    texts = section.get("questions") or {}
    questions = []
    for kind in ["csat", *dict.fromkeys(follow_up)]:
        question = QUESTIONS[kind]
        spec = texts.get(kind) or {}
        if spec.get("text"):
            question = replace(question, text=str(spec["text"]))
        if spec.get("labels"):
            question = replace(question, labels={str(k): str(v) for k, v in spec["labels"].items()})
        questions.append(question)
    comment = section.get("comment") or {}
    return SurveyConfig(questions=tuple(questions), comment=bool(comment.get("enabled", True)),
                        comment_text=str(comment.get("text") or COMMENT_TEXT),
                        comment_window_minutes=float(comment.get("window_minutes", 10)))


def load_survey_config(path: str | Path) -> SurveyConfig:
    from bot.client_file import read_client_file

    return survey_config_from_dict(read_client_file(path, SurveyConfigError).get("surveys"))
