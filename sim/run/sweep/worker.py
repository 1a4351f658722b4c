"""Run one chunk of a sweep in any process: rows of results, failures recorded, never raised.

Each worker process keeps a small cache of negotiation contexts keyed by the base scenario's
content hash, the variant's overrides and the run settings, so search tables and agent memos
are built once per variant, not per run, and a long-lived worker (serial runs in one process,
a shared Dask cluster) never reuses a context from another scenario of the same name.
"""

from __future__ import annotations

import json
import math
import time
import traceback
from typing import Any

from sim.core.cache import LRU
from sim.run.sweep.spec import RunTask, variant

TIMING_COLUMNS = ("seconds",)
METRICS = ("total", "total_weighted", "worst_group", "p20", "gini", "nash_welfare")
MAX_CONTEXTS = 32

_CONTEXTS: LRU[Any] = LRU(MAX_CONTEXTS)     # thread-safe: Dask workers may run chunks in threads


def _context(scenario_key: str, base: dict, source: str, task: RunTask):
    from sim.core.context import make_context

    key = json.dumps([scenario_key, task.overrides, task.mediator, task.max_rounds, task.information,
                      task.elicitation], default=str)
    def build() -> Any:
        from sim.run.registry import implied_elicitation

        scenario, rubric = variant(scenario_key, base, task.overrides, source)
        return make_context(scenario, max_rounds=task.max_rounds, mediator=task.mediator, rubric=rubric,
                            information=task.information,
                            elicitation=task.elicitation or implied_elicitation(task.mediator))
    return _CONTEXTS.get_or_build(key, build)


def _axis_value(v: Any) -> Any:
    return v if isinstance(v, (int, float, str, bool)) or v is None else json.dumps(v, sort_keys=True)


def base_row(task: RunTask) -> dict:
    """The identifying columns of a result row: run id, seed index, seed and the task's axis values."""
    row: dict[str, Any] = {"run_id": task.run_id, "seed_index": task.seed_index, "seed": task.seed}
    row.update({name: _axis_value(v) for name, v in task.axes})
    return row


def result_row(task: RunTask, result) -> dict:
    """One result row: axes, seed, agreement, metrics, per-group utilities, LLM usage."""
    ctx, rub = result.ctx, result.ctx.rubric
    neg = result.designs["negotiated"].metrics
    row = base_row(task)
    for key, value in (("mediator", ctx.protocol.mediator), ("agents", task.agents or "heuristic"),
                       ("budget", float(rub.budget)), ("information", ctx.protocol.information),
                       ("elicitation", ctx.protocol.elicitation), ("voice", task.voice or "truthful")):
        row.setdefault(key, value)                     # an axis of that name keeps its own values
    row.update({"scenario": ctx.scenario.name, "agreement": bool(result.outcome.agreement),
                "rounds": int(result.outcome.rounds), "cost": float(rub.cost(result.outcome.package)),
                "package": ";".join(rub.ids(result.outcome.package))})
    for m in METRICS:
        value = getattr(neg, m)
        row[m] = math.nan if value is None else float(value)
    row["worst_group_id"] = neg.worst_group_id
    bench = result.benchmark or {}
    for key in ("efficiency", "fairness"):
        row[key] = math.nan if bench.get(key) is None else float(bench[key])
    for key in ("belief_error", "belief_error_prior"):
        errors = bench.get(key) or {}
        row[key] = float(sum(errors.values()) / len(errors)) if errors else math.nan
    row["pareto_optimal"] = bool(result.pareto_optimal)
    best = ctx.best_base
    base = result.designs[best].metrics if best else None
    row["best_base"] = best or ""
    for m in ("total", "worst_group", "gini"):
        value = getattr(base, m) if base is not None else None
        row[f"base_{m}"] = math.nan if value is None else float(value)
    row["beats_base_worst_group"] = bool(base is not None and neg.worst_group > base.worst_group + 1e-9)
    for gid, u in zip(rub.group_ids, rub.utilities(result.outcome.package)):
        row[f"u_{gid}"] = float(u)
    usage = result.usage or {}
    llm = usage.get("llm") if isinstance(usage.get("llm"), dict) else {}
    for key in ("calls", "prompt_tokens", "completion_tokens"):
        row[f"llm_{key}"] = int(llm.get(key, 0) or 0)
    row["llm_fallbacks"] = int(usage.get("fallbacks", llm.get("fallbacks", 0)) or 0)  # as summary.json
    overall = (usage.get("llm_consistency") or {}).get("overall") or {}
    for key in ("accept_agreement", "amendment_rank", "ranking_tau"):
        value = overall.get(key)
        row[f"llm_{key}"] = math.nan if value is None else float(value)
    row["error"] = ""
    return row


def error_row(task: RunTask, err: BaseException) -> dict:
    """The row of a failed run: its identifying columns, no agreement, and the error with where it was raised."""
    row = base_row(task)
    last = traceback.extract_tb(err.__traceback__)[-1:] if err.__traceback__ else []
    where = f" (at {last[0].name}:{last[0].lineno})" if last else ""
    row.update({"agreement": False, "error": f"{type(err).__name__}: {err}{where}"[:500]})
    return row


def run_chunk(payload: tuple) -> tuple[int, list[dict]]:
    """Run every task of a chunk; a failing run becomes a row with its error.

    The payload is (chunk id, scenario key, scenario data, source, tasks[, llm]) where `llm`, for
    sweeps with LLM lineups, is {"spec", "cache_dir", "replay_dir"}: each run gets a client on the
    worker's one chat model, with its cache in cache_dir/run-ID.jsonl (replayed from replay_dir).
    """
    chunk_id, scenario_key, base, source, tasks = payload[:5]
    llm = payload[5] if len(payload) > 5 else None
    rows = []
    for task in tasks:
        started = time.perf_counter()
        try:
            row = _run_task(scenario_key, base, source, task, llm)
        except Exception as err:                       # recorded, the sweep goes on
            row = error_row(task, err)
        row["seconds"] = time.perf_counter() - started
        rows.append(row)
    return chunk_id, rows


def _run_task(scenario_key: str, base: dict, source: str, task: RunTask, llm: dict | None) -> dict:
    from sim.run.registry import llm_run_hook, uses_llm
    from sim.run.runner import RunConfig, run_negotiation, split_lineup

    ctx = _context(scenario_key, base, source, task)
    default, lineup = split_lineup(task.agents or "heuristic", ctx.rubric.group_ids)
    mediator = task.mediator or ctx.protocol.mediator
    client, cache_file = None, None
    if uses_llm(task.agents) or uses_llm(mediator):
        if not llm:
            raise ValueError("an LLM lineup needs a model; fix: run the sweep with --llm")
        cache_file = f"{llm['cache_dir']}/run-{task.run_id}.jsonl"
        replay = f"{llm['replay_dir']}/run-{task.run_id}.jsonl" if llm.get("replay_dir") else None
        client = llm_run_hook("client")(llm["spec"], task.seed, cache_file, replay)
    options = {"llm": client} if client is not None else {}
    mediator_options = {**(options if uses_llm(mediator) else {}), **({"beliefs": task.belief} if task.belief else {})}
    config = RunConfig(seed=task.seed, agents=default, lineup=lineup, agent_options=options,
                       mediator_options=mediator_options, voice=task.voice or "truthful")
    row = result_row(task, run_negotiation(ctx, config))
    if client is not None:
        llm_run_hook("save")(client, cache_file)
    return row
