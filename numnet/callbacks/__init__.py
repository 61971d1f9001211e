"""Callbacks: objects hooking into fit/evaluate/predict (Keras 3 names and semantics)."""
from numnet.callbacks.backup_and_restore import BackupAndRestore
from numnet.callbacks.callback import Callback, CallbackList
from numnet.callbacks.csv_logger import CSVLogger
from numnet.callbacks.early_stopping import EarlyStopping
from numnet.callbacks.history import History
from numnet.callbacks.lambda_callback import LambdaCallback
from numnet.callbacks.learning_rate_scheduler import LearningRateScheduler
from numnet.callbacks.model_checkpoint import ModelCheckpoint
from numnet.callbacks.monitor_callback import MonitorCallback
from numnet.callbacks.progbar_logger import ProgbarLogger
from numnet.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from numnet.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
    "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger", "TerminateOnNaN", "LambdaCallback",
    "BackupAndRestore", "MonitorCallback",
]
