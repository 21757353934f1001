// The figures a bench checks against its targets. `npm run bench -- --check` exits non-zero when one
// misses and names it; without --check the figures are only printed. Timings here are noisy, so this
// stays out of the test suite.

export interface Target {
  /** The figure must be at most this. */
  max?: number;
  /** The figure must be at least this. */
  min?: number;
}

export interface Miss {
  label: string;
  value: number;
  unit: string;
  target: Target;
}

export interface Report {
  /** Print one figure with its target and remember whether it met it. */
  figure(label: string, value: number, unit: string, target: Target): void;
  misses(): readonly Miss[];
}

export function describeTarget({ max, min }: Target, unit: string): string {
  return [min !== undefined ? `>= ${min} ${unit}` : '', max !== undefined ? `<= ${max} ${unit}` : ''].filter(Boolean).join(' and ');
}

export function createReport(print: (line: string) => void = console.log): Report {
  const missed: Miss[] = [];
  return {
    figure(label, value, unit, target) {
      const ok = (target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min);
      if (!ok) missed.push({ label, value, unit, target });
      print(`  [${ok ? 'ok' : 'MISS'}] ${label}: ${value.toFixed(3)} ${unit} (target ${describeTarget(target, unit)})`);
    },
    misses: () => missed,
  };
}
