"""LLM figures on the embedded local model: seconds per move, evaluated prompt tokens, consistency.

Seconds per LLM move, prompt tokens evaluated per round, calls per negotiation, and the LLM
stakeholders' value consistency against a truthful rule agent.

Every stakeholder and the mediator are LLM agents. Usage:
python benchmarks/bench_llm.py [SCENARIO] [--llm local|gguf:PATH] [--seeds 1] [--max-rounds N] [--server]
python benchmarks/bench_llm.py --all-scenarios --max-rounds 2     # the consistency table of docs/llm.md
python benchmarks/bench_llm.py --llm gguf:PATH --check [--server]  # llm-check, then a short negotiation

--server runs the model (the embedded one or any GGUF file) through llama-cpp-python's
OpenAI-compatible server on 127.0.0.1 (`openai-compatible:NAME@URL`, started and stopped here)
as well, and prints both figures: the same numbers can be taken with a 7-8B instruct model on
a machine with an accelerator. Every figure is printed with the load average, the llama.cpp
thread count (`--llm-threads`, default: the free cores) and the CPU seconds of this process.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere


def one_run(path: Path, spec: str, seed: int, max_rounds: int | None, threads: int | None = None) -> dict:
    from agents.llm.factory import make_client
    from agents.llm.models import LLMSettings
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation

    client = make_client(spec, seed=seed, settings=LLMSettings(threads=threads))
    config = RunConfig(seed=seed, mediator="llm", max_rounds=max_rounds, agents="llm",
                       agent_options={"llm": client}, mediator_options={"llm": client})
    started = time.perf_counter()
    result = run_negotiation(load_scenario(path), config)
    wall = time.perf_counter() - started
    moves = [r for r in result.transcript if "llm" in (r.get("meta") or {})]      # positions included
    u = client.usage
    causes = [r["meta"]["fallback"] for r in moves if "fallback" in r.get("meta", {})]
    return {"causes": causes, "wall": wall, "llm_seconds": u.seconds, "calls": u.calls, "moves": len(moves),
            "rounds": result.outcome.rounds, "agreement": result.outcome.agreement,
            "fallbacks": u.fallbacks, "repairs": u.repair_prompts,
            "tokens": u.prompt_tokens + u.completion_tokens, "agents": len(result.ctx.rubric.group_ids) + 1,
            "prompt_tokens": u.prompt_tokens, "evaluated": u.prompt_tokens - u.cached_prompt_tokens,
            "consistency": (result.usage.get("llm_consistency") or {}).get("overall") or {}}


def consistency_table(spec: str, max_rounds: int | None) -> None:
    """One run per shipped scenario: value consistency of the LLM stakeholders (a markdown table)."""
    print("| scenario | decisions | accept agreement | amendment rank | ranking tau | fallbacks | s per move |")
    print("|---|---|---|---|---|---|---|")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        r = one_run(path, spec, 0, max_rounds)
        c = r["consistency"]

        def f(key):
            v = c.get(key)
            return "n/a" if v is None else f"{v:.2f} (n={c.get('n_' + key, 0)})"
        print(f"| {path.stem} | {c.get('decisions', 0)} | {f('accept_agreement')} | {f('amendment_rank')} | "
              f"{f('ranking_tau')} | {r['fallbacks']} of {r['moves']} | {r['llm_seconds'] / max(r['moves'], 1):.1f} |",
              flush=True)


def report(label: str, runs: list[dict]) -> None:
    print(f"== {label}")
    for r in runs:
        print(f"rounds {r['rounds']} agreement {r['agreement']} moves {r['moves']} calls {r['calls']} "
              f"repairs {r['repairs']} fallbacks {r['fallbacks']} tokens {r['tokens']} wall {r['wall']:.1f}s; "
              f"consistency {r['consistency']}")
    calls, moves = sum(r["calls"] for r in runs), sum(r["moves"] for r in runs)
    rounds = sum(r["rounds"] for r in runs)
    print(f"seconds per LLM move: {sum(r['llm_seconds'] for r in runs) / max(moves, 1):.2f} "
          f"(per model call {sum(r['llm_seconds'] for r in runs) / max(calls, 1):.2f})")
    print(f"prompt tokens per round: {sum(r['prompt_tokens'] for r in runs) / max(rounds, 1):.0f} sent, "
          f"{sum(r['evaluated'] for r in runs) / max(rounds, 1):.0f} evaluated (the rest reused from "
          f"llama.cpp's prefix cache)")
    print(f"moves per negotiation: {moves / len(runs):.1f}; rounds per negotiation: {rounds / len(runs):.1f}")
    print(f"model calls per round: {calls / max(rounds, 1):.2f} "
          f"(protocol minimum: one per LLM agent = {runs[0]['agents']}); "
          f"fallback share {sum(r['fallbacks'] for r in runs) / max(moves, 1):.0%}")
    causes = Counter(c for r in runs for c in r["causes"])
    print("fallback causes: " + ("; ".join(f"{n} x {c}" for c, n in causes.most_common()) or "none"))


def conditions(threads: int | None) -> str:
    """The load, thread count and CPU seconds a figure was taken under."""
    import os

    from sim.core.machine import free_cores

    return (f"[load {os.getloadavg()[0]:.2f}; llama.cpp threads {threads or free_cores()}; "
            f"CPU-s of this process {time.process_time():.1f}]")


def gguf_path(spec: str) -> str:
    """The GGUF file of a local spec (`local` or `gguf:PATH`), for the server."""
    from agents.llm.models import smollm2_path

    if spec == "local":
        return smollm2_path()
    if not spec.startswith("gguf:"):
        raise SystemExit(f"--server: --llm {spec} names no GGUF file; fix: use local or gguf:PATH")
    return spec.partition(":")[2]


def check(spec: str, threads: int | None) -> None:
    """`negsim llm-check` on one spec, with the conditions."""
    from agents.llm.check import render, run_check
    from agents.llm.factory import make_client
    from agents.llm.models import LLMSettings

    print(render(run_check(make_client(spec, settings=LLMSettings(threads=threads)))), flush=True)
    print(conditions(threads), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "montreal_streets.yaml"))
    ap.add_argument("--llm", default="local")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--max-rounds", type=int, default=None)
    ap.add_argument("--llm-threads", type=int, default=None, help="llama.cpp threads (default: the free cores)")
    ap.add_argument("--server", action="store_true", help="also run the model through llama-cpp-python's server")
    ap.add_argument("--check", action="store_true", help="run llm-check before the negotiation")
    ap.add_argument("--all-scenarios", action="store_true", help="the consistency table over shipped scenarios")
    args = ap.parse_args()
    if args.all_scenarios:
        consistency_table(args.llm, args.max_rounds)
        print(conditions(args.llm_threads))
        return
    specs = [args.llm]
    with ExitStack() as stack:
        if args.server:    # the same model through llama-cpp-python's server; runs interleaved with in-process ones
            from sim.core.machine import free_cores
            from sim.testing.llm_server import LlamaServer

            path = gguf_path(args.llm)
            srv = stack.enter_context(LlamaServer(path, n_threads=args.llm_threads or free_cores()))
            specs.append(f"openai-compatible:{Path(path).stem}@{srv.url}")
        for spec in specs if args.check else []:
            print(f"== llm-check {spec}", flush=True)
            check(spec, args.llm_threads)
        runs = {spec: [] for spec in specs}
        for seed in range(args.seeds):
            for spec in specs:
                runs[spec].append(one_run(Path(args.scenario), spec, seed, args.max_rounds, args.llm_threads))
    for spec in specs:
        report(spec, runs[spec])
    print(conditions(args.llm_threads))


if __name__ == "__main__":
    main()
