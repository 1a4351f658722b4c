"""A free pool worker takes chunks of the variants it built, then untouched variants, then helps at the tail."""

from __future__ import annotations

from sim.run.sweep.affinity import payload_keys, pick
from sim.run.sweep.spec import RunTask

A, B, C = frozenset("a"), frozenset("b"), frozenset("c")


def test_a_worker_keeps_to_its_own_variant_then_takes_one_nobody_holds():
    pending = [A, A, B, B, C]
    assert pick(pending, held=frozenset(), taken=frozenset()) == 0          # first worker: plan order
    assert pick(pending, held=frozenset(), taken=A) == 2                    # second: a variant nobody holds
    assert pick(pending, held=B, taken=A | B) == 2                          # its own before a new one
    assert pick([A, C], held=B, taken=A | B) == 1                           # B done: C, not A's chunk
    assert pick([A, A], held=C, taken=A | B | C) == 0                       # the tail: help rather than idle
    assert pick([], held=A, taken=A) == -1


def test_a_chunk_mixing_variants_is_own_only_when_every_variant_is_held():
    assert pick([A | B, A], held=A, taken=A) == 1
    assert pick([A | B, C], held=A | B, taken=A | B) == 0


def test_payload_keys_separate_mediators_and_overrides_but_not_seeds():
    def task(run_id, seed, mediator, overrides=()):
        return RunTask(run_id, run_id, seed, (), overrides, mediator, None, None, None)

    same = payload_keys((0, "k", {}, "s", (task(0, 1, "nash"), task(1, 2, "nash"))))
    assert len(same) == 1
    assert payload_keys((1, "k", {}, "s", (task(2, 3, "maximin"),))) != same
    assert len(payload_keys((2, "k", {}, "s", (task(3, 1, "nash", (("budget", 90),)), task(4, 1, "nash"))))) == 2


def test_the_local_pool_sends_each_worker_the_chunks_of_its_own_variant(monkeypatch):
    """Two variants of four chunks on 2 workers: each worker gets one variant (plan order would mix them)."""
    from concurrent.futures import Future

    import sim.run.sweep.executors as executors

    class Inline:                           # a pool that runs each chunk when it is sent, in this process
        made: list = []

        def __init__(self, **_):
            self.got: list[int] = []
            Inline.made.append(self)

        def submit(self, fn, payload):
            self.got.append(payload[0])
            fut: Future = Future()
            fut.set_result(fn(payload))
            return fut

        def shutdown(self, **_):
            pass

    monkeypatch.setattr(executors, "ProcessPoolExecutor", Inline)
    monkeypatch.setattr(executors, "run_chunk", lambda payload: (payload[0], []))
    tasks = [RunTask(i, i, i, (), (), "nash" if i < 4 else "maximin", None, None) for i in range(8)]
    payloads = [(i, "k", {}, "s", (t,)) for i, t in enumerate(tasks)]
    done = [cid for cid, _ in executors.run_payloads(payloads, workers=2)]
    assert sorted(done) == list(range(8))
    assert [sorted(pool.got) for pool in Inline.made] == [[0, 1, 2, 3], [4, 5, 6, 7]]
