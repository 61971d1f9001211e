"""Training: compile / fit / evaluate / predict (`Trainer`), data adapters and the progress display."""
from numnet.trainers.trainer import Trainer

__all__ = ["Trainer"]
