#!/usr/bin/env python3
"""Pools the paired rounds of several bench/run.py result files.

On a shared VM one run's median of per-round ratios moves by about +-0.7 % from
run to run, as much as the costs being measured (bench/README.md). Pooling the
rounds of several runs of the same code and bootstrapping the median gives a
figure with an interval instead of one draw:

    python3 bench/pool.py bench/results/A.json bench/results/B.json ... \\
        [--pair accesslog-overhead:pier-accesslog/pier-admin] [--target 0.03]

For each pair it prints, per metric, the median of the pooled per-round ratios,
its bootstrap 95 % interval (resampling rounds), each file's own median, and
whether the cost is under the target with the whole interval under it.
"""
import argparse
import json
import random
import statistics
import sys


def load_pairs(paths: list[str]) -> dict[str, dict[str, list[tuple[str, list[float]]]]]:
    """pair name -> metric -> [(file, per-round ratios)]"""
    pooled: dict[str, dict[str, list[tuple[str, list[float]]]]] = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            result = json.load(f)
        for pair, metrics in result.get("pairs", {}).items():
            for metric, stats in metrics.items():
                pooled.setdefault(pair, {}).setdefault(metric, []).append(
                    (path, stats["per_round"]))
    return pooled


def bootstrap_median(xs: list[float], draws: int, rng: random.Random) -> tuple[float, float]:
    medians = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(draws))
    return medians[int(0.025 * draws)], medians[int(0.975 * draws) - 1]


def cost_of(metric: str, ratio: float) -> float:
    # Fewer requests per second is the cost of req/s; more CPU per request is the cost of CPU.
    return 1 - ratio if metric == "rps" else ratio - 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", nargs="+", help="bench/results/*.json of the same code")
    ap.add_argument("--pair", help="only this pair (scenario:variant/base)")
    ap.add_argument("--target", type=float, default=0.03, help="cost limit (default 0.03)")
    ap.add_argument("--draws", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pooled = load_pairs(args.results)
    if args.pair:
        pooled = {k: v for k, v in pooled.items() if k == args.pair}
    if not pooled:
        print("no paired rounds in these files", file=sys.stderr)
        return 1
    for pair, metrics in sorted(pooled.items()):
        print(pair)
        for metric, per_file in metrics.items():
            xs = [x for _, rounds in per_file for x in rounds]
            med = statistics.median(xs)
            lo, hi = bootstrap_median(xs, args.draws, rng)
            costs = sorted((cost_of(metric, lo), cost_of(metric, hi)))
            cost = cost_of(metric, med)
            verdict = ("under the target, interval too" if costs[1] < args.target else
                       "under the target, interval not" if cost < args.target else
                       "OVER the target")
            label = "req/s" if metric == "rps" else "CPU/req" if metric == "cpu_us_per_req" \
                else metric
            print(f"  {label:8} {len(xs)} rounds from {len(per_file)} run(s): x{med:.4f}, "
                  f"cost {cost:+.2%} (95 % {costs[0]:+.2%} .. {costs[1]:+.2%}): {verdict}")
            for path, rounds in per_file:
                print(f"           {path}: {len(rounds)} rounds, "
                      f"cost {cost_of(metric, statistics.median(rounds)):+.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
