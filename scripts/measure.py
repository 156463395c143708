"""What the benchmarks share: a timed HTTP post and one way to summarise latencies.

Imported by its siblings as `measure` (the scripts run as files, so `scripts/` is on the path).
Figures are medians and nearest-rank p95: the machines are shared and noisy, so a benchmark
reports ratios against a baseline measured in the same run rather than absolute targets.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request


def timed_post(url: str, body: bytes | dict, content_type: str = "application/json") -> tuple[float, bytes]:
    """Seconds the request took and the raw answer; a dict is sent as JSON."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        payload = response.read()
    return time.perf_counter() - start, payload


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds (p95 by the nearest rank), and the count."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000, "n": len(ordered)}


def print_summary(name: str, seconds: list[float], width: int = 34) -> float:
    """Prints one line of p50/p95 and returns the median in seconds (for ratios)."""
    figures = percentiles(seconds)
    print(f"{name:{width}s} n={figures['n']:3d}  p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms")
    return figures["p50_ms"] / 1000
