"""The survey form: a score 1–5 for every question (Arabic-Indic digits welcome) and an optional comment."""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, post_load, pre_load

from core.arabic import normalise
from core.beneficiaries.fields import FormSchema, text

CHOOSE_SCORE = _l("Choose a rating from 1 to 5.")


class SurveySchema(FormSchema):
    comment = text(max_length=2000)

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)

    @pre_load
    def _scores(self, data, **kwargs):
        scores, errors = {}, {}
        for code in self.questions:
            value = normalise(str(data.get(code) or ""))
            if value not in {"1", "2", "3", "4", "5"}:
                errors[code] = [str(CHOOSE_SCORE)]
            else:
                scores[code] = int(value)
        if errors:
            raise ValidationError(errors)
        self._loaded_scores = scores
        return {k: v for k, v in data.items() if k == "comment"}

    @post_load
    def _attach(self, data, **kwargs):
        data["scores"] = self._loaded_scores
        return data
