// Checks PromQL written for payval (alerting rules, the Grafana dashboard) against a running payval's
// registry: every metric it names is registered, and every label it matches or groups by is one that
// metric has (or one Prometheus adds: role is payval's default label, instance and job the scrape's).
import type { Registry } from 'prom-client';

const ADDED_LABELS = new Set(['role', 'instance', 'job', 'le', 'quantile']);
const SUFFIXES = /_(bucket|count|sum)$/;

/** Problems found in `exprs`, one line each; empty when every name and label is known. */
export async function promqlProblems(registry: Registry, exprs: readonly string[]): Promise<string[]> {
  const known = new Map<string, Set<string>>();
  for (const m of await registry.getMetricsAsJSON()) {
    const labels = (registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] } | undefined)?.labelNames ?? [];
    known.set(m.name, new Set(labels));
  }
  const labelsOf = (name: string) => known.get(name) ?? known.get(name.replace(SUFFIXES, ''));
  const problems: string[] = [];
  for (const expr of exprs) {
    const names = [...expr.matchAll(/\b(payval_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
    if (names.length === 0) problems.push(`no payval metric in: ${expr}`);
    const allowed = new Set(ADDED_LABELS);
    for (const name of names) {
      const labels = labelsOf(name);
      if (!labels) problems.push(`${name} is not a metric payval registers`);
      else for (const l of labels) allowed.add(l);
    }
    for (const m of expr.matchAll(/\b(payval_[a-z0-9_]+)\{([^}]*)\}/g)) {
      const labels = labelsOf(m[1]!) ?? new Set<string>();
      for (const matcher of m[2]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) {
        if (!labels.has(matcher[1]!) && !ADDED_LABELS.has(matcher[1]!)) problems.push(`${m[1]} has no label ${matcher[1]} (in: ${expr})`);
      }
    }
    for (const by of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
      for (const label of by[1]!.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (!allowed.has(label)) problems.push(`grouping by ${label}, a label none of its metrics has (in: ${expr})`);
      }
    }
  }
  return problems;
}
