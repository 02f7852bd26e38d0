/** Small summary statistics for the figures; every function takes plain numbers and tolerates an empty list. */

export interface Summary {
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** Nearest-rank percentile (p in 0..100) of an unsorted list. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    mean: mean(values),
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: values.length === 0 ? null : Math.max(...values),
  };
}

/** Rounds for the report: 3 significant decimals below 10, 1 decimal above. */
export function round(value: number | null | undefined, digits?: number): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const places = digits ?? (Math.abs(value) < 10 ? 3 : 1);
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}
