"""LLM figures on the embedded local model: seconds per LLM move, moves and calls per negotiation.

Every stakeholder and the mediator are LLM agents. Usage:
python benchmarks/bench_llm.py [SCENARIO] [--llm local] [--seeds 1] [--max-rounds N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(path: Path, spec: str, seed: int, max_rounds: int | None) -> dict:
    from agents.llm.factory import make_client
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation

    client = make_client(spec, seed=seed)
    config = RunConfig(seed=seed, mediator="llm", max_rounds=max_rounds, agents="llm",
                       agent_options={"llm": client}, mediator_options={"llm": client})
    started = time.perf_counter()
    result = run_negotiation(load_scenario(path), config)
    wall = time.perf_counter() - started
    moves = [r for r in result.transcript if r["round"] >= 1 and r["role"] in ("stakeholder", "mediator")]
    u = client.usage
    return {"wall": wall, "llm_seconds": u.seconds, "calls": u.calls, "moves": len(moves),
            "rounds": result.outcome.rounds, "agreement": result.outcome.agreement,
            "fallbacks": u.fallbacks, "repairs": u.repair_prompts,
            "tokens": u.prompt_tokens + u.completion_tokens, "agents": len(result.ctx.rubric.group_ids) + 1,
            "prompt_tokens": u.prompt_tokens, "evaluated": u.prompt_tokens - u.cached_prompt_tokens}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "montreal_streets.yaml"))
    ap.add_argument("--llm", default="local")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--max-rounds", type=int, default=None)
    args = ap.parse_args()
    runs = [one_run(Path(args.scenario), args.llm, s, args.max_rounds) for s in range(args.seeds)]
    for r in runs:
        print(f"rounds {r['rounds']} agreement {r['agreement']} moves {r['moves']} calls {r['calls']} "
              f"repairs {r['repairs']} fallbacks {r['fallbacks']} tokens {r['tokens']} wall {r['wall']:.1f}s")
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


if __name__ == "__main__":
    main()
