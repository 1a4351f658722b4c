"""negsim engine and everything that runs it; no agent behaviour, no LLM, no UI.

Rooms, each importing only from the rooms below it:

- ``sim.core``: scenario schema, rubric, moves, repair, the PettingZoo protocol, metrics,
  evaluation, run records, errors, the agent interfaces, one cache helper;
- ``sim.search``: exact optimisation (enumeration, MILP), objectives, Pareto frontier;
- ``sim.run``: runner, agent registry, budget cycles, sweeps (``sim.run.sweep``);
- ``sim.analysis``: Shapley values and attributions; ``sim.games``: 2x2 repeated games;
  ``sim.pb``: Pabulib import and PB-rule comparison;
- ``sim.testing``: random scenarios, hypothesis strategies, agent conformance checks;
- ``sim.cli``: the ``negsim`` command line and its rich rendering.
"""
