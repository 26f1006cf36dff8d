/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** p50/p95/p99 in milliseconds of latencies given in milliseconds. */
export function latencySummary(latenciesMs) {
  const sorted = Float64Array.from(latenciesMs).sort();
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), source: 'measured' };
}

/**
 * p50/p95/p99 estimated from a Prometheus histogram (cumulative buckets, seconds), by linear
 * interpolation inside the bucket, as PromQL's histogram_quantile does.
 */
export function histogramQuantiles(text, name) {
  const buckets = [];
  let count = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`).exec(line);
    if (m) buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
    const c = new RegExp(`^${name}_count (\\S+)$`).exec(line);
    if (c) count = Number(c[1]);
  }
  if (count === 0 || buckets.length === 0) return undefined;
  const q = (p) => {
    const rank = (p / 100) * count;
    let prevLe = 0;
    let prevCount = 0;
    for (const [le, c] of buckets) {
      if (c >= rank) {
        if (le === Infinity) return prevLe * 1000;
        return (prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, c - prevCount)) * 1000;
      }
      prevLe = le;
      prevCount = c;
    }
    return prevLe * 1000;
  };
  return { p50: q(50), p95: q(95), p99: q(99), source: 'histogram' };
}
