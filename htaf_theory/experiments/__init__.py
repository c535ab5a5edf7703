"""Experiment engine for the paper's Appendix F: configs, MLP, trainer, resumable sweeps."""
from .config import RunConfig
from .store import ResultStore

__all__ = ["RunConfig", "ResultStore"]
