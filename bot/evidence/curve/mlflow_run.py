"""An MLflow run's metric history, read from the tracking server in ``MLFLOW_TRACKING_URI``.

The validation loss is the run's ``eval_loss`` metric. Its ``step`` is the epoch, as a training
script logs it (``mlflow.log_metric("eval_loss", loss, step=epoch)``), counted from 1 (a history
counted from 0 is shifted by one); when the run also logged an ``epoch`` metric (Hugging Face's
MLflow callback logs the global step as ``step`` and the epoch beside it), each step takes the
epoch last logged at or before it. The last value of each epoch wins.

The MLflow client retries a failing request for minutes by default; unless the operator set
them, ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` and ``MLFLOW_HTTP_REQUEST_TIMEOUT`` are set here to
fail within seconds (one retry, 3 s per try), so an unreachable server is reported rather
than waited on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.evidence.curve.epochs import by_epoch, epochs_at_steps, every_epoch, loss_curve
from bot.evidence.curve.errors import CurveError
from bot.evidence.curve.model import LossCurve

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Metric

PREFIX = "mlflow:"
DEFAULT_METRIC = "eval_loss"
EPOCH_METRIC = "epoch"
TRAINING_METRICS = ("loss", "train_loss")
URI_VARIABLE = "MLFLOW_TRACKING_URI"
QUICK_CLIENT = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "3"}


def is_mlflow_source(source: str) -> bool:
    """Whether ``source`` names an MLflow run (``mlflow:RUN_ID``)."""
    return source.startswith(PREFIX)


def read_mlflow_run(source: str, *, metric: str | None = None) -> LossCurve:
    """The loss curve of the run ``mlflow:RUN_ID`` on the tracking server."""
    run_id = source.removeprefix(PREFIX).strip()
    if not run_id:
        raise CurveError(f"{source}: name the run, as mlflow:RUN_ID")
    uri = os.environ.get(URI_VARIABLE, "").strip()
    if not uri:
        raise CurveError(f"{source}: {URI_VARIABLE} is not set; point it at the tracking server")
    for variable, value in QUICK_CLIENT.items():
        os.environ.setdefault(variable, value)
    from mlflow import MlflowClient  # imported here: a second's start-up only when it is used
    from mlflow.exceptions import MlflowException, RestException

    client = MlflowClient(tracking_uri=uri)
    wanted = metric or DEFAULT_METRIC
    try:
        run = _fetch(client, run_id, wanted)
    except RestException as refusal:
        message = _refused(source, run_id, uri, refusal.error_code, refusal.message)
        raise CurveError(message) from None
    except MlflowException as failure:
        raise CurveError(_unreachable(source, uri, failure)) from None
    if not run.present:
        raise CurveError(f"{source}: the run has logged no metrics")
    if not run.history:
        names = ", ".join(sorted(run.present))
        raise CurveError(f"{source}: no {wanted} metric in the run (metrics present: {names})")
    values = every_epoch(_per_epoch(run.history, run.epochs), source=source, metric=wanted)
    training = _per_epoch(run.training, run.epochs) if run.training else None
    return loss_curve(
        source=source, kind="mlflow", metric=wanted, validation=values, training=training
    )


@dataclass(frozen=True, slots=True)
class _RunMetrics:
    present: dict[str, float]
    history: list[Metric]
    epochs: list[Metric]
    training: list[Metric]


def _fetch(client: MlflowClient, run_id: str, wanted: str) -> _RunMetrics:
    """The run's metrics: the wanted one's history, the epoch's and the training loss's."""
    present = client.get_run(run_id).data.metrics

    def history(name: str | None) -> list[Metric]:
        return client.get_metric_history(run_id, name) if name in present else []

    training = next((name for name in TRAINING_METRICS if name in present), None)
    return _RunMetrics(
        present=present,
        history=history(wanted),
        epochs=history(EPOCH_METRIC),
        training=history(training) if training != wanted else [],
    )


def _per_epoch(history: list[Metric], epoch_log: list[Metric]) -> dict[int, float]:
    """The last value of each whole epoch, the step read as the epoch unless one was logged."""
    ordered = sorted(history, key=lambda point: (point.step, point.timestamp))
    values = [point.value for point in ordered]
    steps = [point.step for point in ordered]
    if epoch_log:
        logged = [(point.step, point.value) for point in epoch_log]
        return by_epoch(zip(epochs_at_steps(logged, steps), values, strict=True))
    shift = 1 if steps[0] == 0 else 0
    return by_epoch((float(step + shift), value) for step, value in zip(steps, values, strict=True))


def _host(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.netloc or uri


def _refused(source: str, run_id: str, uri: str, code: str, message: str) -> str:
    if code == "RESOURCE_DOES_NOT_EXIST":
        return f"{source}: no run {run_id} on the tracking server at {_host(uri)} ({URI_VARIABLE})"
    first = " ".join(message.split())[:200]
    return f"{source}: the tracking server at {_host(uri)} ({URI_VARIABLE}) refused: {first}"


def _unreachable(source: str, uri: str, failure: Exception) -> str:
    reason = _root_reason(failure)
    return (
        f"{source}: cannot reach the MLflow tracking server at {_host(uri)} "
        f"({URI_VARIABLE}={uri}): {reason}"
    )


def _root_reason(failure: BaseException) -> str:
    """The innermost cause of a failed request, in a few words."""
    cause: BaseException | None = failure
    while cause is not None and cause.__context__ is not None:
        cause = cause.__context__
    if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(cause):
        return "connection refused"
    if isinstance(cause, TimeoutError) or "timed out" in str(failure).lower():
        return f"no answer within {os.environ['MLFLOW_HTTP_REQUEST_TIMEOUT']} s"
    text = " ".join(str(cause or failure).split())
    return text[:200]
