"""Scoring candidate priorities on a configurable matrix.

A *matrix* names its factors, the scale of each (the allowed whole numbers and what each
means), their weights, the *formula* that combines them and the *bands* that name the result.
Two matrices ship by default (see ``docs/tasking.md``):

``morile`` (formula ``morile``), in the spirit of MoRiLE:
    harm       = weighted mean of the harm factors (each 0-4)
    likelihood = weighted mean of the likelihood factors (1-5)
    risk       = harm x likelihood
    position   = weighted mean of the organisational-position factors (1 strong .. 5 weak)
    modifier   = 1 + step x (position - neutral)          (defaults: neutral 3, step 0.25)
    priority score = risk x modifier                       (0 .. 30 with the defaults)
    confidence (1 low .. 3 high) is reported beside the score, never multiplied into it.

``grid4x4`` (formula ``product``): impact (1-4) x likelihood (1-4) = 1 .. 16.

Configuration: the setting ``ILP_SCORING_MATRICES`` (a dict shaped like
:data:`DEFAULT_MATRICES`), or else the environment variable ``ILP_SCORING_FILE`` naming a JSON
file of the same shape, replaces the defaults; ``ILP_SCORING_DEFAULT`` (setting or environment
variable) names the matrix offered first. The configuration is validated when the app starts
(``TaskingConfig.ready``): a mistake stops start-up with one sentence naming the matrix and
factor at fault.

Every score keeps its inputs and a step-by-step breakdown, stored with the priority, so the
page can always show how the number was reached, even after the configuration changes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

HARM_SCALE = {
    0: gettext_noop("None"),
    1: gettext_noop("Minor"),
    2: gettext_noop("Moderate"),
    3: gettext_noop("Serious"),
    4: gettext_noop("Critical"),
}
LIKELIHOOD_SCALE = {
    1: gettext_noop("Rare"),
    2: gettext_noop("Unlikely"),
    3: gettext_noop("Possible"),
    4: gettext_noop("Likely"),
    5: gettext_noop("Almost certain"),
}
POSITION_SCALE = {
    1: gettext_noop("Strong: well able to act"),
    2: gettext_noop("Good"),
    3: gettext_noop("Adequate"),
    4: gettext_noop("Limited"),
    5: gettext_noop("Weak: little or no ability to act"),
}
CONFIDENCE_SCALE = {1: gettext_noop("Low"), 2: gettext_noop("Medium"), 3: gettext_noop("High")}
GRID_SCALE = {
    1: gettext_noop("Low"),
    2: gettext_noop("Medium"),
    3: gettext_noop("High"),
    4: gettext_noop("Very high"),
}


def _harm(key: str, label: str, weight: float) -> dict:
    return {"key": key, "label": label, "group": "harm", "weight": weight, "scale": HARM_SCALE}


DEFAULT_MATRICES: dict[str, dict] = {
    "morile": {
        "label": gettext_noop(
            "MoRiLE-style: harm, likelihood, organisational position, confidence"
        ),
        "formula": "morile",
        "factors": [
            _harm("physical", gettext_noop("Physical harm"), 2),
            _harm("psychological", gettext_noop("Psychological harm"), 1.5),
            _harm("financial", gettext_noop("Financial harm"), 1),
            _harm("community", gettext_noop("Harm to the community"), 1),
            _harm("geographic_scope", gettext_noop("Geographic scope"), 1),
            _harm("victim_vulnerability", gettext_noop("Victim vulnerability"), 1.5),
            {
                "key": "likelihood",
                "label": gettext_noop("Likelihood"),
                "group": "likelihood",
                "weight": 1,
                "scale": LIKELIHOOD_SCALE,
            },
            {
                "key": "capacity",
                "label": gettext_noop("Organisational capacity"),
                "group": "position",
                "weight": 1,
                "scale": POSITION_SCALE,
            },
            {
                "key": "capability",
                "label": gettext_noop("Organisational capability"),
                "group": "position",
                "weight": 1,
                "scale": POSITION_SCALE,
            },
            {
                "key": "confidence",
                "label": gettext_noop("Confidence in the information"),
                "group": "confidence",
                "weight": 1,
                "scale": CONFIDENCE_SCALE,
            },
        ],
        "parameters": {"position_neutral": 3, "position_step": 0.25},
        "bands": [
            [0, gettext_noop("Low")],
            [6, gettext_noop("Medium")],
            [12, gettext_noop("High")],
            [20, gettext_noop("Very high")],
        ],
    },
    "grid4x4": {
        "label": gettext_noop("4x4 impact x likelihood grid (1-16)"),
        "formula": "product",
        "factors": [
            {
                "key": "impact",
                "label": gettext_noop("Impact"),
                "group": "impact",
                "scale": GRID_SCALE,
            },
            {
                "key": "likelihood",
                "label": gettext_noop("Likelihood"),
                "group": "likelihood",
                "scale": GRID_SCALE,
            },
        ],
        "bands": [
            [1, gettext_noop("Low")],
            [4, gettext_noop("Medium")],
            [8, gettext_noop("High")],
            [12, gettext_noop("Very high")],
        ],
    },
}

FORMULAS = ("morile", "product")
# What each group of factors is called on the pages (a configured group of another name is
# shown as it is written).
GROUP_NAMES = {
    "harm": gettext_lazy("Harm"),
    "likelihood": gettext_lazy("Likelihood"),
    "position": gettext_lazy("Organisational position"),
    "confidence": gettext_lazy("Confidence"),
    "impact": gettext_lazy("Impact"),
}
_MORILE_GROUPS = {"harm", "likelihood", "position", "confidence"}
_TWO_PLACES = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def _show(value: Decimal) -> str:
    """A number as people write it: 3.0625 -> "3.06", 12.00 -> "12"."""
    text = format(_round(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- Configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    group: str
    weight: Decimal
    scale: dict[int, str]

    @property
    def low(self) -> int:
        return min(self.scale)

    @property
    def high(self) -> int:
        return max(self.scale)


@dataclass(frozen=True)
class Matrix:
    key: str
    label: str
    formula: str
    factors: tuple[Factor, ...]
    bands: tuple[tuple[Decimal, str], ...]
    parameters: dict = field(default_factory=dict)

    def factor(self, key: str) -> Factor:
        return next(f for f in self.factors if f.key == key)

    def groups(self) -> list[tuple[str, list[Factor]]]:
        order: list[str] = []
        for f in self.factors:
            if f.group not in order:
                order.append(f.group)
        return [(g, [f for f in self.factors if f.group == g]) for g in order]

    def band(self, score: Decimal) -> str:
        label = ""
        for threshold, name in self.bands:
            if score >= threshold:
                label = name
        return label


def _fail(where: str, problem: str):
    raise ImproperlyConfigured(f"Scoring configuration, {where}: {problem}")


def _number(value, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        _fail(where, f"{value!r} is not a number")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        _fail(where, f"{value!r} is not a number")


def _scale(raw, where: str) -> dict[int, str]:
    if not isinstance(raw, dict) or not raw:
        _fail(where, "the scale must map each allowed whole number to its meaning")
    scale = {}
    for value, meaning in raw.items():
        try:
            number = int(value)
        except (TypeError, ValueError):
            _fail(where, f"scale value {value!r} is not a whole number")
        if str(number) != str(value).strip():
            _fail(where, f"scale value {value!r} is not a whole number")
        scale[number] = str(meaning)
    return dict(sorted(scale.items()))


def build_matrix(key: str, raw: dict) -> Matrix:
    """Validate one matrix's configuration; raise ImproperlyConfigured naming the fault."""
    where = f"matrix {key!r}"
    if not isinstance(raw, dict):
        _fail(where, "must be a mapping with label, formula, factors and bands")
    formula = raw.get("formula")
    if formula not in FORMULAS:
        _fail(where, f"formula {formula!r} is not one of {', '.join(FORMULAS)}")
    factors = []
    seen = set()
    raw_factors = raw.get("factors")
    if not isinstance(raw_factors, list) or not raw_factors:
        _fail(where, "list at least one factor")
    for item in raw_factors:
        fkey = item.get("key") if isinstance(item, dict) else None
        if not fkey or not isinstance(fkey, str):
            _fail(where, "every factor needs a key")
        fwhere = f"{where}, factor {fkey!r}"
        if fkey in seen:
            _fail(fwhere, "the key is used twice")
        seen.add(fkey)
        weight = _number(item.get("weight", 1), fwhere)
        if weight <= 0:
            _fail(fwhere, "the weight must be greater than 0")
        group = str(item.get("group") or fkey)
        if formula == "morile" and group not in _MORILE_GROUPS:
            _fail(fwhere, f"group {group!r} is not one of {', '.join(sorted(_MORILE_GROUPS))}")
        factors.append(
            Factor(
                key=fkey,
                label=str(item.get("label") or fkey),
                group=group,
                weight=weight,
                scale=_scale(item.get("scale"), fwhere),
            )
        )
    groups = {f.group for f in factors}
    if formula == "morile":
        for needed in ("harm", "likelihood"):
            if needed not in groups:
                _fail(where, f"the morile formula needs at least one {needed!r} factor")
        if len([f for f in factors if f.group == "confidence"]) > 1:
            _fail(where, "give at most one confidence factor")
    bands = []
    for entry in raw.get("bands") or []:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            _fail(where, "each band is [lowest score, name]")
        bands.append((_number(entry[0], f"{where}, band {entry[1]!r}"), str(entry[1])))
    parameters = dict(raw.get("parameters") or {})
    if formula == "morile":
        parameters["position_neutral"] = _number(
            parameters.get("position_neutral", 3), f"{where}, parameter position_neutral"
        )
        parameters["position_step"] = _number(
            parameters.get("position_step", "0.25"), f"{where}, parameter position_step"
        )
    return Matrix(
        key=key,
        label=str(raw.get("label") or key),
        formula=formula,
        factors=tuple(factors),
        bands=tuple(sorted(bands)),
        parameters=parameters,
    )


def _configured_raw() -> tuple[dict, str]:
    from django.conf import settings

    configured = getattr(settings, "ILP_SCORING_MATRICES", None)
    if configured is not None:
        return configured, "setting ILP_SCORING_MATRICES"
    path = os.environ.get("ILP_SCORING_FILE", "").strip()
    if path:
        try:
            return json.loads(Path(path).read_text(encoding="utf-8")), f"ILP_SCORING_FILE={path}"
        except OSError as exc:
            raise ImproperlyConfigured(f"ILP_SCORING_FILE: cannot read {path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(
                f"ILP_SCORING_FILE: {path} is not valid JSON: {exc}"
            ) from exc
    return DEFAULT_MATRICES, "defaults"


_cache: dict | None = None


def load() -> tuple[dict[str, Matrix], str]:
    """All matrices and the default key, validated (cached until the setting changes)."""
    global _cache
    if _cache is None:
        from django.conf import settings

        raw, origin = _configured_raw()
        if not isinstance(raw, dict) or not raw:
            raise ImproperlyConfigured(f"Scoring configuration ({origin}): define a matrix")
        built = {key: build_matrix(key, value) for key, value in raw.items()}
        default = getattr(settings, "ILP_SCORING_DEFAULT", None) or os.environ.get(
            "ILP_SCORING_DEFAULT", ""
        )
        default = default.strip() or ("morile" if "morile" in built else next(iter(built)))
        if default not in built:
            raise ImproperlyConfigured(
                f"ILP_SCORING_DEFAULT={default!r} names no configured matrix ({', '.join(built)})"
            )
        _cache = {"matrices": built, "default": default}
    return _cache["matrices"], _cache["default"]


def reset() -> None:
    global _cache
    _cache = None


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    if setting in ("ILP_SCORING_MATRICES", "ILP_SCORING_DEFAULT"):
        reset()


def matrices() -> dict[str, Matrix]:
    return load()[0]


def default_matrix_key() -> str:
    return load()[1]


def get_matrix(key: str) -> Matrix:
    try:
        return matrices()[key]
    except KeyError:
        raise ValidationError(
            {
                "matrix": [
                    _("Unknown scoring matrix “%(matrix)s”; choose one of %(choices)s.")
                    % {"matrix": key, "choices": ", ".join(matrices())}
                ]
            }
        ) from None


def matrix_choices() -> list[tuple[str, str]]:
    """The matrices, each named in the reader's language (a configured matrix's own label is
    shown as written when the catalogue does not know it)."""
    return [(m.key, _(m.label)) for m in matrices().values()]


def group_name(group: str) -> str:
    """A group of factors as the pages name it."""
    return str(GROUP_NAMES.get(group, group))


# --- Scoring ----------------------------------------------------------------------------------


@dataclass
class ScoreResult:
    matrix: str
    inputs: dict[str, int]
    score: Decimal
    band: str
    confidence: int | None
    confidence_label: str
    factors: list[dict]
    steps: list[dict]

    def breakdown(self) -> dict:
        """What the priority stores: enough to show how the score was reached, as JSON."""
        return {
            "matrix": self.matrix,
            "score": _show(self.score),
            "band": self.band,
            "confidence": self.confidence,
            "confidence_label": self.confidence_label,
            "factors": self.factors,
            "steps": self.steps,
        }


def _as_whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def validate_inputs(matrix: Matrix, inputs: dict) -> dict[str, int]:
    """The inputs as whole numbers; a ValidationError names every missing or invalid factor."""
    errors: dict[str, list[str]] = {}
    if not isinstance(inputs, dict):
        raise ValidationError(
            {"inputs": [_("Give the factor values as a mapping of key to value.")]}
        )
    known = {f.key for f in matrix.factors}
    for key in inputs:
        if key not in known:
            errors[str(key)] = [
                _("“%(key)s” is not a factor of the %(matrix)s matrix (factors: %(factors)s).")
                % {"key": key, "matrix": _(matrix.label), "factors": ", ".join(sorted(known))}
            ]
    clean: dict[str, int] = {}
    for factor in matrix.factors:
        raw = inputs.get(factor.key)
        if raw is None or raw == "":
            errors[factor.key] = [
                _("%(factor)s (%(key)s): give a value from %(low)s to %(high)s.")
                % {
                    "factor": _(factor.label),
                    "key": factor.key,
                    "low": factor.low,
                    "high": factor.high,
                }
            ]
            continue
        number = _as_whole_number(raw)
        if number is None or number not in factor.scale:
            allowed = ", ".join(str(v) for v in factor.scale)
            errors[factor.key] = [
                _("%(factor)s (%(key)s): “%(value)s” is not on its scale (%(allowed)s).")
                % {"factor": _(factor.label), "key": factor.key, "value": raw, "allowed": allowed}
            ]
            continue
        clean[factor.key] = number
    if errors:
        raise ValidationError(errors)
    return clean


def _weighted_mean(factors: list[Factor], values: dict[str, int]) -> tuple[Decimal, str]:
    total_weight = sum((f.weight for f in factors), Decimal(0))
    weighted = sum((f.weight * values[f.key] for f in factors), Decimal(0))
    terms = " + ".join(f"{_show(f.weight)}×{values[f.key]}" for f in factors)
    mean = weighted / total_weight
    return mean, f"({terms}) / {_show(total_weight)} = {_show(weighted)} / {_show(total_weight)}"


def score(matrix_key: str, inputs: dict) -> ScoreResult:
    """Score ``inputs`` (factor key -> value) on the named matrix, with the working shown."""
    matrix = get_matrix(matrix_key)
    values = validate_inputs(matrix, inputs)
    factor_rows = [
        {
            "key": f.key,
            "label": f.label,
            "group": f.group,
            "value": values[f.key],
            "meaning": f.scale[values[f.key]],
            "weight": _show(f.weight),
            "scale": f"{f.low}-{f.high}",
        }
        for f in matrix.factors
    ]
    confidence_factor = next((f for f in matrix.factors if f.group == "confidence"), None)
    confidence = values[confidence_factor.key] if confidence_factor else None
    confidence_label = confidence_factor.scale[confidence] if confidence_factor else ""
    if matrix.formula == "morile":
        total, steps = _morile(matrix, values)
    else:
        total, steps = _product(matrix, values)
    total = _round(total)
    band = matrix.band(total)
    if band:
        steps.append({"name": "band", "label": gettext_noop("Band"), "working": "", "value": band})
    return ScoreResult(
        matrix=matrix.key,
        inputs=values,
        score=total,
        band=band,
        confidence=confidence,
        confidence_label=confidence_label,
        factors=factor_rows,
        steps=steps,
    )


def _morile(matrix: Matrix, values: dict[str, int]) -> tuple[Decimal, list[dict]]:
    grouped = dict(matrix.groups())
    steps = []
    harm, working = _weighted_mean(grouped["harm"], values)
    steps.append(
        {
            "name": "harm",
            "label": gettext_noop("Harm (weighted mean)"),
            "working": working,
            "value": _show(harm),
        }
    )
    likelihood, working = _weighted_mean(grouped["likelihood"], values)
    steps.append(
        {
            "name": "likelihood",
            "label": gettext_noop("Likelihood (weighted mean)"),
            "working": working,
            "value": _show(likelihood),
        }
    )
    risk = harm * likelihood
    steps.append(
        {
            "name": "risk",
            "label": gettext_noop("Risk = harm × likelihood"),
            "working": f"{_show(harm)} × {_show(likelihood)}",
            "value": _show(risk),
        }
    )
    if "position" in grouped:
        position, working = _weighted_mean(grouped["position"], values)
        steps.append(
            {
                "name": "position",
                "label": gettext_noop("Organisational position (weighted mean)"),
                "working": working,
                "value": _show(position),
            }
        )
        neutral = matrix.parameters["position_neutral"]
        step = matrix.parameters["position_step"]
        modifier = 1 + step * (position - neutral)
        steps.append(
            {
                "name": "modifier",
                "label": gettext_noop("Position modifier = 1 + step × (position − neutral)"),
                "working": f"1 + {_show(step)} × ({_show(position)} − {_show(neutral)})",
                "value": _show(modifier),
            }
        )
    else:
        modifier = Decimal(1)
    total = risk * modifier
    steps.append(
        {
            "name": "score",
            "label": gettext_noop("Priority score = risk × modifier"),
            "working": f"{_show(risk)} × {_show(modifier)}",
            "value": _show(total),
        }
    )
    return total, steps


def _product(matrix: Matrix, values: dict[str, int]) -> tuple[Decimal, list[dict]]:
    used = [f for f in matrix.factors if f.group != "confidence"]
    total = Decimal(1)
    for f in used:
        total *= values[f.key]
    return total, [
        {
            "name": "score",
            "label": gettext_noop("Score = product of the factors"),
            "working": " × ".join(str(values[f.key]) for f in used),
            "value": _show(total),
        }
    ]
