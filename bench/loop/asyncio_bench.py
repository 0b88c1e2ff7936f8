"""The loop benchmark's scenarios on Python's asyncio, the loop ours is modelled on.

Same logic as bench/loop/impl-*.ts: (a) ping-pong through two asyncio.Queues, (b) spawn+join of
tasks that `await asyncio.sleep(0)` once, (c) many short sleeps whose durations come from the same
mulberry32 sequence as harness.ts. Runs the scenario twice (cold, warm) and prints one JSON line.

    python3 bench/loop/asyncio_bench.py --scenario a|b|c [--size N]
"""

import argparse
import asyncio
import json
import math
import time

DEFAULT_SIZES = {"a": 1_000_000, "b": 100_000, "c": 10_000}
SLEEP_SEED = 20240601
MAX_SLEEP_MS = 10
MASK = 0xFFFFFFFF


def mulberry32(seed):
    """The same generator as harness.ts, on unsigned 32-bit integers."""
    state = seed & MASK

    def imul(x, y):
        return (x * y) & MASK

    def random():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK
        t = imul(state ^ (state >> 15), state | 1)
        t = ((t + imul(t ^ (t >> 7), t | 61)) & MASK) ^ t
        return ((t ^ (t >> 14)) & MASK) / 4294967296

    return random


def sleep_durations(count, seed=SLEEP_SEED):
    random = mulberry32(seed)
    return [math.floor(random() * (MAX_SLEEP_MS + 1)) for _ in range(count)]


def fingerprint(values):
    h = 0
    for v in values:
        h = (h * 31 + v) & MASK
    return f"n={len(values)} sum={sum(values)} hash={h}"


def percentile(sorted_values, p):
    rank = min(len(sorted_values) - 1, max(0, math.ceil(p * len(sorted_values)) - 1))
    return sorted_values[rank]


async def pinger(out, back, rounds):
    total = 0
    for i in range(rounds):
        out.put_nowait(i)
        total += await back.get()
    return total


async def ponger(inbox, reply, rounds):
    for _ in range(rounds):
        reply.put_nowait(await inbox.get())


async def ping_pong(rounds):
    q1, q2 = asyncio.Queue(), asyncio.Queue()
    b = asyncio.create_task(ponger(q1, q2, rounds), name="B")
    a = asyncio.create_task(pinger(q1, q2, rounds), name="A")
    total = await a
    await b
    return total


async def child(index):
    await asyncio.sleep(0)  # let the other ready tasks run once
    return index


async def spawn_join(count):
    tasks = [asyncio.create_task(child(i)) for i in range(count)]
    total = 0
    for task in tasks:
        total += await task
    return total


async def sleeper(ms):
    start = time.perf_counter()
    await asyncio.sleep(ms / 1000)
    return (time.perf_counter() - start) * 1000 - ms


async def sleepers(durations):
    tasks = [asyncio.create_task(sleeper(ms)) for ms in durations]
    return [await task for task in tasks]


def iteration(scenario, size):
    durations = sleep_durations(size) if scenario == "c" else []
    cpu0, t0 = time.process_time(), time.perf_counter()
    if scenario == "a":
        rounds = size // 2
        total = asyncio.run(ping_pong(rounds))
        assert total == rounds * (rounds - 1) // 2, f"ping-pong sum {total} is wrong"
        check = f"sum={total}"
    elif scenario == "b":
        total = asyncio.run(spawn_join(size))
        assert total == size * (size - 1) // 2, f"spawn-join sum {total} is wrong"
        check = f"sum={total}"
    else:
        lateness = sorted(asyncio.run(sleepers(durations)))
        check = fingerprint(durations)
    wall_ms = (time.perf_counter() - t0) * 1000
    result = {"wallMs": wall_ms, "cpuMs": (time.process_time() - cpu0) * 1000}
    if scenario == "c":
        result.update(minLateMs=lateness[0], p50LateMs=percentile(lateness, 0.5), p99LateMs=percentile(lateness, 0.99), maxLateMs=lateness[-1])
    else:
        result["rate"] = size / (wall_ms / 1000)
    return result, check


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=["a", "b", "c"], required=True)
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    size = args.size or DEFAULT_SIZES[args.scenario]
    cold, _ = iteration(args.scenario, size)
    warm, check = iteration(args.scenario, size)
    report = {"impl": "asyncio", "scenario": args.scenario, "size": size, "check": check, "runs": [cold, warm]}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
