"""Experiment configuration: one frozen dataclass per training run, every default in one place.

Defaults follow the paper's Appendix F protocol (F.1-F.3): MLP (256, 256, 128), no batch
norm, Adam lr 1e-3, 1000 full-batch epochs, 70/10/20 split, min-max scaled inputs.
A config's ``key()`` (a hash of its canonical JSON) names its result file.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, fields

from ..params import min_a
from ..validation import InvalidParameterError

ACTIVATIONS = ("relu", "htaf", "ss", "ste")
OPTIMIZERS = ("adam", "sgd")
DATASET_NAMES = ("abalone", "wine", "churn", "fico")
TARGET_SCALINGS = ("standardize", "none")
#: the widest hidden layer a RunConfig accepts
MAX_WIDTH = 65536
#: how each data set's seeds make its splits, for the paired statistics (``stats``): "resplits" (every seed a random
#: 70/10/20 resplit of the tabular sets, 60/20/20 of digits: training sets overlap, so the corrected resampled t with
#: n_test/n_train) or "seeds" (MNIST-1D: one fixed split, seeds vary the initialisation and batch order: paired t)
SPLIT_DESIGN = {**{name: ("resplits", 0.2 / 0.7) for name in ("abalone", "wine", "churn", "fico")},
                "digits": ("resplits", 0.2 / 0.6), "mnist1d": ("seeds", None)}
#: how the activation is trained for deployment (htaf_theory.nn.sharpening): fixed gains, Prop. 3.1 sharpening, zone penalty
SCHEDULES = ("fixed", "sharpen", "zone")
#: the HTAF backwards a trainer cell may use (a subset of ``nn.BACKWARDS``: "double" is for second derivatives)
TRAINER_BACKWARDS = ("exact", "autograd")
#: fields added after results existed: left out of the hash at their default, so old results keep their keys
_HASH_OMIT_AT_DEFAULT = {"target_scaling": "standardize", "backward": "exact", "select_epoch": False, "schedule": "fixed",
                         "frontier_eps": 0.1, "delta0": 0.1, "delta1": 0.01, "zone_lam": 1.0, "monitor_every": 0}


def check_schedule(cfg, kind: str, value: str) -> None:
    """Validate a config's deployment-training fields (schedule, frontier_eps, delta0, delta1, zone_lam); a schedule
    other than "fixed" needs an HTAF or SS activation (``kind``: the config's field naming it, ``value`` its value)."""
    if cfg.schedule not in SCHEDULES:
        raise InvalidParameterError(f"schedule must be one of {SCHEDULES}; got schedule={cfg.schedule!r}")
    if cfg.schedule != "fixed" and value not in ("htaf", "ss"):
        raise InvalidParameterError(f"schedule={cfg.schedule!r} applies to {kind} 'htaf' or 'ss'; got {kind}={value!r}")
    if not 0 < cfg.frontier_eps < 0.5:
        raise InvalidParameterError(f"frontier_eps must be in (0, 1/2); got frontier_eps={cfg.frontier_eps!r}")
    if not (0 < cfg.delta1 <= cfg.delta0 and math.isfinite(cfg.delta0)):
        raise InvalidParameterError(f"need 0 < delta1 <= delta0 < inf; got delta0={cfg.delta0!r}, delta1={cfg.delta1!r}")
    if cfg.schedule == "sharpen" and getattr(cfg, "a", None) is not None:
        floor = float(min_a(cfg.frontier_eps))
        if not cfg.a > floor:
            raise InvalidParameterError(f"schedule='sharpen' needs a > min_a(frontier_eps) = {floor:.6g} (no b makes h "
                                        f"eps-close otherwise); got a={cfg.a!r}")
    if not (cfg.zone_lam > 0 and math.isfinite(cfg.zone_lam)):
        raise InvalidParameterError(f"zone_lam must be a finite number > 0; got zone_lam={cfg.zone_lam!r}")


def schedule_label(cfg) -> str:
    """The label suffix of a deployment-training schedule ('' when fixed)."""
    return {"fixed": "", "sharpen": f" sharpen-to-{cfg.delta1:g}", "zone": f" zone-{cfg.zone_lam:g}"}[cfg.schedule]


class CellConfig:
    """What every sweep cell's config (a frozen dataclass: ``RunConfig``, ``HeavisideConfig``) shares: its JSON form
    and the key that names its result file.

    A subclass lists its tuple fields in ``_TUPLE_FIELDS`` (stored as JSON lists) and, in ``_HASH_OMIT_AT_DEFAULT``,
    the fields added after results existed, left out of the hash at their default so that old results keep their keys.
    ``extra`` (free-form notes) and ``checkpoint_every`` (how often to save, not what is computed) are never hashed.
    """

    _TUPLE_FIELDS: tuple[str, ...] = ()
    _HASH_OMIT_AT_DEFAULT: dict = {}

    def validate_results(self, results: dict) -> str:
        """'' if a stored record's ``results`` hold what this kind of cell's readers need, else what is wrong (the
        fields every record has are checked by ``store.validate_record``)."""
        return ""

    def _normalize_fields(self) -> None:
        """Give every number field its declared type, refusing what is not one by name.

        A float field takes any real number (7 and 7.0 are one config with one key: stored keys, all made from
        floats, are unchanged); an int field or a tuple of ints takes integers only (2.7, True and "12" are
        refused, not truncated, cast or split); an optional field also takes None.
        """
        import numbers

        for f in fields(self):
            kind = str(f.type).replace(" ", "")
            value = getattr(self, f.name)
            optional = kind.endswith("|None")
            base = kind[:-len("|None")] if optional else kind
            if value is None and optional:
                continue

            def refuse(what: str, name=f.name, value=value):
                raise InvalidParameterError(f"{name} must be {what}; got {name}={value!r}")

            if base == "float":
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    refuse("a real number" + (" or None" if optional else ""))
                try:
                    number = float(value)
                except OverflowError:                    # an integer beyond float64 (10**400)
                    refuse("a real number within the float64 range")
                object.__setattr__(self, f.name, number)
            elif base == "int":
                if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                    refuse("an integer")
                object.__setattr__(self, f.name, int(value))
            elif base == "tuple[int,...]":
                if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or any(
                        isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in value):
                    refuse("a tuple of integers")
                object.__setattr__(self, f.name, tuple(int(v) for v in value))
            elif base == "bool" and not isinstance(value, bool):
                refuse("True or False")
            elif base == "str" and not isinstance(value, str):
                refuse("a string" + (" or None" if optional else ""))
            elif base == "dict" and not isinstance(value, dict):
                refuse("a dict (free-form notes)")

    def to_dict(self) -> dict:
        """The config as a JSON-ready dict (tuples as lists)."""
        d = asdict(self)
        for name in self._TUPLE_FIELDS:
            d[name] = list(d[name])
        return d

    @classmethod
    def from_dict(cls, d: dict):
        """The config of ``to_dict``'s output; keys this version does not know are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: (tuple(v) if k in cls._TUPLE_FIELDS else v) for k, v in d.items() if k in known})

    def key(self) -> str:
        """16 hex digits identifying the run (everything but ``extra`` and ``checkpoint_every``)."""
        d = self.to_dict()
        d.pop("extra")
        d.pop("checkpoint_every")
        for name, default in self._HASH_OMIT_AT_DEFAULT.items():
            if d.get(name) == default:
                d.pop(name)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RunConfig(CellConfig):
    """One training run (a sweep cell)."""

    _TUPLE_FIELDS = ("hidden",)
    _HASH_OMIT_AT_DEFAULT = _HASH_OMIT_AT_DEFAULT

    dataset: str = "abalone"                  # one of DATASET_NAMES
    hidden: tuple[int, ...] = (256, 256, 128)  # hidden layer widths (paper F.1-F.3)
    activation: str = "htaf"                   # relu | htaf | ss | ste
    a: float | None = None                     # HTAF outer gain (activation == "htaf")
    b: float | None = None                     # HTAF inner slope (activation == "htaf")
    gamma: float | None = None                 # SS slope (activation == "ss")
    surrogate: str | None = None               # STE surrogate: sigmoid | tanh | rect (activation == "ste")
    slope: float | None = None                 # STE surrogate slope k
    optimizer: str = "adam"                    # adam | sgd (SGD with momentum 0.9, App. D.2) (paper: Adam)
    lr: float = 1e-3                           # learning rate (paper: 1e-3)
    epochs: int = 1000                         # full-batch epochs (paper: 1000)
    seed: int = 0                              # split seed and weight-init seed
    record_every: int = 1                      # record loss and gradient norms every k epochs
    checkpoint_every: int = 100                # save a resumable checkpoint every k epochs (0: never)
    target_scaling: str = "standardize"        # regression target: standardize (train mean/std) | none (raw units)
    backward: str = "exact"                    # HTAF backward: exact (fused, tail-exact) | autograd (torch's chain rule, float32)
    select_epoch: bool = False                 # keep the weights of the best validation score (deployed net), record epochs
    schedule: str = "fixed"                    # fixed gains | sharpen (Prop. 3.1 frontier, delta0 -> delta1) | zone (penalty)
    frontier_eps: float = 0.1                  # eps of the frontier (sharpen) and of each layer's delta (zone)
    delta0: float = 0.1                        # sharpen: starting transition half-width
    delta1: float = 0.01                       # sharpen: final half-width, reached at the last epoch (geometric)
    zone_lam: float = 1.0                      # zone: weight of the sech^2(z/delta) penalty added to the loss
    monitor_every: int = 0                     # every k epochs record val scores and Thm C.1's bound (0: never)
    tag: str = ""                              # which sweep made it (for file names only)
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # free-form notes, not hashed

    def __post_init__(self):
        self._normalize_fields()
        if self.dataset not in DATASET_NAMES:
            raise InvalidParameterError(f"dataset must be one of {DATASET_NAMES}; got dataset={self.dataset!r}")
        if not self.hidden or any(h <= 0 for h in self.hidden):
            raise InvalidParameterError(f"hidden must be a non-empty tuple of positive widths; got hidden={self.hidden!r}")
        if any(h > MAX_WIDTH for h in self.hidden):
            raise InvalidParameterError(f"hidden widths must be at most {MAX_WIDTH} (a tabular MLP of this package; wider "
                                        f"layers would take tens of GB); got hidden={self.hidden!r}")
        if self.activation not in ACTIVATIONS:
            raise InvalidParameterError(f"activation must be one of {ACTIVATIONS}; got activation={self.activation!r}")
        if self.optimizer not in OPTIMIZERS:
            raise InvalidParameterError(f"optimizer must be one of {OPTIMIZERS}; got optimizer={self.optimizer!r}")
        if not (isinstance(self.epochs, int) and self.epochs > 0):
            raise InvalidParameterError(f"epochs must be a positive integer; got epochs={self.epochs!r}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise InvalidParameterError(f"lr must be a finite number > 0; got lr={self.lr!r}")
        if self.record_every <= 0:
            raise InvalidParameterError(f"record_every must be >= 1; got record_every={self.record_every!r}")
        if self.seed < 0:
            raise InvalidParameterError(f"seed must be an integer >= 0; got seed={self.seed!r}")
        if self.checkpoint_every < 0:
            raise InvalidParameterError(f"checkpoint_every must be >= 0; got checkpoint_every={self.checkpoint_every!r}")
        needs = {"htaf": ("a", "b"), "ss": ("gamma",), "ste": ("surrogate", "slope"), "relu": ()}[self.activation]
        for name in needs:
            if getattr(self, name) is None:
                raise InvalidParameterError(f"activation={self.activation!r} needs {name}; got {name}=None")
        for name in ("a", "b", "gamma", "surrogate", "slope"):
            if getattr(self, name) is not None and name not in needs:
                owner = {"a": "htaf", "b": "htaf", "gamma": "ss", "surrogate": "ste", "slope": "ste"}[name]
                raise InvalidParameterError(f"{name} applies to activation={owner!r} only; got {name}="
                                            f"{getattr(self, name)!r} with activation={self.activation!r}")
        for name in ("a", "b", "gamma", "slope"):
            v = getattr(self, name)
            if v is not None and not (v > 0 and math.isfinite(v)):
                raise InvalidParameterError(f"{name} must be a finite number > 0 (valid range: (0, inf)); got {name}={v!r}")
        if self.target_scaling not in TARGET_SCALINGS:
            raise InvalidParameterError(f"target_scaling must be one of {TARGET_SCALINGS}; "
                                        f"got target_scaling={self.target_scaling!r}")
        if self.backward not in TRAINER_BACKWARDS:
            raise InvalidParameterError(f"backward must be one of {TRAINER_BACKWARDS}; got backward={self.backward!r}")
        if self.backward != "exact" and self.activation != "htaf":
            raise InvalidParameterError(f"backward={self.backward!r} applies to activation='htaf' only; "
                                        f"got activation={self.activation!r}")
        check_schedule(self, "activation", self.activation)
        if not (isinstance(self.monitor_every, int) and self.monitor_every >= 0):
            raise InvalidParameterError(f"monitor_every must be an integer >= 0; got monitor_every={self.monitor_every!r}")
        if self.surrogate is not None and self.surrogate not in ("sigmoid", "tanh", "rect"):
            raise InvalidParameterError(f"surrogate must be one of ('sigmoid', 'tanh', 'rect'); got surrogate={self.surrogate!r}")

    def validate_results(self, results: dict) -> str:
        """'' if a stored record's ``results`` hold what every trainer record holds and the figures read, else what
        is missing (``store.validate_record`` asks each config)."""
        missing = {"epoch", "loss", "grad_norm"} - set(results["history"])
        if missing:
            return f"results.history lacks {sorted(missing)}"
        metrics = {f"{part}_{mode}" for part in ("train", "val", "test") for mode in ("smooth", "binarized")}
        if metrics - set(results["metrics"]):
            return f"results.metrics lacks {sorted(metrics - set(results['metrics']))}"
        grad = results.get("final_grad_norm")
        if not isinstance(grad, list) or len(grad) != len(self.hidden) or not all(
                g is None or (isinstance(g, (int, float)) and not isinstance(g, bool)) for g in grad):
            return f"results.final_grad_norm is not one number (or null) per hidden layer ({len(self.hidden)})"
        return ""

    def label(self) -> str:
        """A short human label: the activation with its parameters."""
        how = schedule_label(self)
        if self.activation == "htaf":
            return f"HTAF a={self.a:g} b={self.b:g}" + (f" {self.backward}" if self.backward != "exact" else "") + how
        if self.activation == "ss":
            return f"SS gamma={self.gamma:g}" + how
        if self.activation == "ste":
            return f"STE {self.surrogate} k={self.slope:g}"
        return "ReLU"

    def name(self) -> str:
        arch = "x".join(str(h) for h in self.hidden)
        raw = "-rawtarget" if self.target_scaling == "none" else ""
        opt = "" if (self.optimizer, self.lr) == ("adam", 1e-3) else f"-{self.optimizer}{self.lr:g}"
        return f"{self.tag or 'run'}-{self.dataset}-{self.label().replace(' ', '_')}-{arch}{raw}{opt}-s{self.seed}"
