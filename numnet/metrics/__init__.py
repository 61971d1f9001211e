"""Stateful metrics with Keras 3 names (`update_state` / `result` / `reset_state`).

`result()` returns a Python float (an ndarray only for Precision/Recall/TP/... with several
thresholds). `get(identifier)` resolves names as Keras does: a class name or its snake_case
("binary_accuracy", "auc", "precision"), the aliases "mse", "mae", "mape", "msle", "rmse",
"bce", a config dict, or a Metric / function. "accuracy"/"acc" (and "crossentropy"/"ce")
depend on the shapes of the data: use `resolve(identifier, y_true_shape, y_pred_shape)`.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence

from numnet.metrics.accuracy_metrics import *  # noqa: F401,F403
from numnet.metrics.accuracy_metrics import __all__ as _accuracy_all
from numnet.metrics.accuracy_metrics import accuracy_class_for
from numnet.metrics.confusion_metrics import AUC, FalseNegatives, FalsePositives, Precision, Recall, \
    TrueNegatives, TruePositives
from numnet.metrics.f_score_metrics import F1Score, FBetaScore
from numnet.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from numnet.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from numnet.metrics.loss_functions import *  # noqa: F401,F403
from numnet.metrics.loss_functions import __all__ as _loss_functions_all
from numnet.metrics.metric import Metric
from numnet.metrics.operating_point_metrics import PrecisionAtRecall, RecallAtPrecision, \
    SensitivityAtSpecificity, SpecificityAtSensitivity
from numnet.metrics.probabilistic_metrics import BinaryCrossentropy, CategoricalCrossentropy, KLDivergence, \
    Poisson, SparseCategoricalCrossentropy
from numnet.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from numnet.metrics.regression_metrics import CosineSimilarity, LogCoshError, MeanAbsoluteError, \
    MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError, \
    cosine_similarity
from numnet.utils import serialization as _serialization
from numnet.utils.naming import to_snake_case

_CLASSES = [
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,  # noqa: F405
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,  # noqa: F405
    Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    RootMeanSquaredError, CosineSimilarity, LogCoshError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson,
    Hinge, SquaredHinge, CategoricalHinge,
    TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall, AUC,
    PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
    F1Score, FBetaScore, R2Score, IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU,
]
BUILTINS: Dict[str, Any] = {cls.__name__: cls for cls in _CLASSES}
BUILTINS.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
BUILTINS.update({
    "mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "rmse": RootMeanSquaredError, "RMSE": RootMeanSquaredError, "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy, "kld": KLDivergence, "KLD": KLDivergence, "logcosh": LogCoshError,
})
_NOT_BY_NAME = {"Mean", "Sum", "MeanMetricWrapper", "mean", "sum", "mean_metric_wrapper"}

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "get", "resolve", "serialize", "deserialize",
           "accuracy_class_for", "cosine_similarity"] + [c.__name__ for c in _CLASSES] + list(_accuracy_all) \
    + list(_loss_functions_all)


def serialize(metric: Any) -> Any:
    """A metric as a config dict (a function as its name)."""
    return _serialization.serialize(metric)


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    """Build a metric from `serialize`'s output.

    Raises:
        ValueError: an unknown metric name.
    """
    return _serialization.deserialize(config, BUILTINS, custom_objects, kind="metric")


def _valid_names() -> str:
    return ", ".join(sorted(set(BUILTINS) - _NOT_BY_NAME | {"accuracy", "acc", "crossentropy", "ce"}))


def _unknown(identifier: Any) -> ValueError:
    return ValueError(f"Could not interpret metric identifier: {identifier!r}. Valid names: {_valid_names()}. "
                      f"A custom metric must be decorated with @numnet.saving.register_serializable() or "
                      f"passed in custom_objects when loading")


def get(identifier: Any) -> Any:
    """Resolve a metric identifier as Keras does.

    Args:
        identifier: None, a name (see the module docstring), a config dict, a Metric
            instance or class, or a function ``fn(y_true, y_pred)``.

    Returns:
        None, a new `Metric` (names, classes, configs), the given Metric, or the function.

    Raises:
        ValueError: an unknown name (the message lists the valid names).
    """
    if identifier is None:
        return None
    return _serialization.get_object(identifier, BUILTINS, "metric", deserialize, _unknown, base=Metric)


def get_function(name: str) -> Callable:
    """A per-sample metric/loss function by name (for `MeanMetricWrapper.from_config`)."""
    from numnet import losses as _losses
    from numnet.metrics import accuracy_metrics

    fn = getattr(accuracy_metrics, name, None) or (cosine_similarity if name == "cosine_similarity" else None)
    if fn is None:
        fn = _losses.get(name)
    return fn


def resolve(identifier: Any, y_true_shape: Sequence[int], y_pred_shape: Sequence[int]) -> Metric:
    """What `compile(metrics=[...])` makes of one identifier for an output, as Keras does.

    "accuracy"/"acc" become Binary-, SparseCategorical- or CategoricalAccuracy and
    "crossentropy"/"ce" the matching cross-entropy, by `accuracy_class_for`'s rule on the
    shapes; other identifiers go through `get`; plain functions are wrapped in a
    `MeanMetricWrapper`. A metric given as a string is named by that string (the name
    logged by fit).

    Returns:
        A Metric instance.

    Raises:
        ValueError: an unknown name (listing the valid names).
    """
    if isinstance(identifier, str) and identifier in ("accuracy", "acc", "crossentropy", "ce"):
        cls = accuracy_class_for(y_true_shape, y_pred_shape)
        if identifier in ("crossentropy", "ce"):
            cls = {BinaryAccuracy: BinaryCrossentropy, SparseCategoricalAccuracy: SparseCategoricalCrossentropy,  # noqa: F405
                   CategoricalAccuracy: CategoricalCrossentropy}[cls]  # noqa: F405
        return cls(name=identifier)
    obj = get(identifier)
    if not isinstance(obj, Metric):
        obj = MeanMetricWrapper(obj, name=getattr(obj, "__name__", None))
    if isinstance(identifier, str):
        obj.name = identifier
    return obj
