"""ParaPlan: decides how a distributed training job uses its GPUs, in-process.

Build a planner once, call ``plan`` every step::

    import paraplan

    planner = paraplan.SequenceParallelPlanner(profile="flexsp-gpt7b.yaml")
    plan = planner.plan(lengths)          # a list or an integer numpy array
    for micro_batch in plan.micro_batches:
        for group in micro_batch.groups:
            group.degree, group.first_rank, group.sequences

Plans are the ``paraplan/v1`` execution plans the CLI writes (``plan.to_json()`` gives its bytes). Errors raise
:class:`InputError` (a ``ValueError``), :class:`InfeasibleError` or :class:`PlanningError` with the CLI's messages.
See docs/python.md.
"""

from . import _native
from .errors import InfeasibleError, InputError, LibraryError, ParaPlanError, PlanningError
from .planners import BatchBalancer, ExpertPlacementPlanner, GNNPipelinePlanner, SequenceParallelPlanner
from .plans import (
    AnyPlan,
    BatchBalancePlan,
    ExpertPlacementPlan,
    GNNPipelinePlan,
    Plan,
    SequenceParallelPlan,
)
from .tools import (
    Comparison,
    Estimate,
    Layouts,
    Presets,
    Validation,
    compare,
    estimate,
    layouts,
    load_plan,
    presets,
    report,
    trace,
    validate,
)
from .whatif import WhatIfReport, whatif

__version__ = "0.1.0"

__all__ = [
    "SequenceParallelPlanner",
    "BatchBalancer",
    "ExpertPlacementPlanner",
    "GNNPipelinePlanner",
    "estimate",
    "layouts",
    "presets",
    "validate",
    "load_plan",
    "compare",
    "whatif",
    "trace",
    "report",
    "Plan",
    "AnyPlan",
    "SequenceParallelPlan",
    "BatchBalancePlan",
    "ExpertPlacementPlan",
    "GNNPipelinePlan",
    "Estimate",
    "Layouts",
    "Presets",
    "Validation",
    "Comparison",
    "WhatIfReport",
    "ParaPlanError",
    "InputError",
    "InfeasibleError",
    "PlanningError",
    "LibraryError",
    "library_version",
]


def library_version() -> str:
    """The version of the native library this package loaded."""
    return _native.version()
