"""Replaces `DaskGraphRunner.run`: the model's graph run in a precomputed order instead of
planned by dask per message.

Rasa 3.6 runs its graph three times per message (NLU, then two action predictions). Each
run re-derives the subgraph its targets need (recursively, without memo) and hands a
fresh task graph to dask's scheduler, which re-plans it. The order of a set of targets
never changes for a loaded model, so we work it out once and then call the nodes in that
order, giving each the outputs it needs, as dask's synchronous scheduler does.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

from bot.rasa_speedups.object_cache import ObjectCache
from bot.rasa_speedups.patching import Patch

# For one node: its name and the names (nodes or inputs) whose outputs it takes.
Step = tuple[str, tuple[str, ...]]

rasa_run = DaskGraphRunner.run
# Per runner (one per loaded model): the steps for each set of targets, worked out once.
_plans: ObjectCache[DaskGraphRunner, dict[tuple[str, ...], list[Step]]] = ObjectCache()


def plan(runner: DaskGraphRunner, targets: tuple[str, ...]) -> list[Step]:
    """The nodes `targets` depend on, each after the nodes it needs."""
    nodes = runner._graph_schema.nodes
    steps: list[Step] = []
    placed: set[str] = set()

    def place(name: str) -> None:
        if name in placed or name not in nodes:  # not a node: a run input
            return
        placed.add(name)
        needs = tuple(nodes[name].needs.values())
        for need in needs:
            place(need)
        steps.append((name, needs))

    for target in targets:
        place(target)
    return steps


def _run(
    self: DaskGraphRunner,
    inputs: dict[str, Any] | None = None,
    targets: list[str] | None = None,
) -> dict[str, Any]:
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    plans = _plans.get(self)
    if plans is None:
        plans = {}
        _plans.set(self, plans)
    steps = plans.get(run_targets)
    if steps is None:
        steps = plans[run_targets] = plan(self, run_targets)
    outputs: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and any(value == node for node, _ in steps):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of "
                f"the input names passed to the `run` method are the same as node names "
                f"in the graph schema."
            )
        outputs[name] = (name, value)
    try:
        for name, needs in steps:
            # A need that is neither a node nor an input reaches the node as its name,
            # as dask passes unknown keys through.
            outputs[name] = self._instantiated_nodes[name](*(outputs.get(n, n) for n in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(outputs[target] for target in run_targets)


PATCHES = (Patch.replacing(DaskGraphRunner, "run", _run),)
