"""Warning and error classes raised by medguide.

Each class subclasses the built-in exception a caller would catch anyway
(``ValueError``, ``FileNotFoundError``, ``UserWarning``), so code that does not
know medguide still handles them.
"""

__all__ = [
    "MedguideWarning",
    "ChecksumWarning",
    "ScoreWarning",
    "UndefinedMetricError",
    "DatasetNotFoundError",
    "LeakageError",
]


class MedguideWarning(UserWarning):
    """Base class of every warning that medguide emits."""


class ChecksumWarning(MedguideWarning):
    """A data file loaded whose checksum differs from the official one."""


class ScoreWarning(MedguideWarning):
    """Scores that look like hard labels, logits or otherwise suspicious values."""


class UndefinedMetricError(ValueError):
    """A metric is undefined for the given data, for example AUROC with one class."""


class DatasetNotFoundError(FileNotFoundError):
    """A MedMNIST file is missing and could not be downloaded."""


class LeakageError(ValueError):
    """An operation would let information from one split leak into another."""
