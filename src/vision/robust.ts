/**
 * Median and median absolute deviation of a non-negative score map, from a fine histogram
 * (0.05 units a bin, everything above 100 in the last bin). The detector's noise floor is
 * median + k·1.4826·MAD: unlike a mean and standard deviation, neither moves when a few per cent
 * of the frame changes, so the changed object does not raise its own threshold.
 */
const BIN = 0.05;
const BINS = 2001;

export function medianAndMad(values: Float32Array): { median: number; mad: number } {
  const median = medianOfHistogram(histogram(values, 0), values.length);
  const mad = medianOfHistogram(histogram(values, median), values.length);
  return { median, mad };
}

/** Histogram of |v - centre| (values are >= 0, so centre 0 gives the values themselves). */
function histogram(values: Float32Array, centre: number): Uint32Array {
  const counts = new Uint32Array(BINS);
  const last = BINS - 1;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - centre;
    const bin = ((d < 0 ? -d : d) / BIN + 0.5) | 0;
    counts[bin < last ? bin : last]!++;
  }
  return counts;
}

function medianOfHistogram(counts: Uint32Array, total: number): number {
  const half = total / 2;
  let seen = 0;
  for (let k = 0; k < counts.length; k++) {
    seen += counts[k]!;
    if (seen >= half) return k * BIN;
  }
  return (counts.length - 1) * BIN;
}
