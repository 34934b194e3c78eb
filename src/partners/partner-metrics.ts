// Prometheus series for partner traffic: calls by outcome, latency, breaker state, failovers,
// retries and waits. Labels are partner names and fixed outcome words only — never a reference.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState, GuardedPartner } from './partner-breaker.js';
import type { PartnerRouter } from './partner-router.js';
import type { PartnerTelemetry } from './partner-telemetry.js';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export interface PartnerMetrics extends PartnerTelemetry {
  breakerTransition(partner: string, state: BreakerState): void;
}

export function createPartnerMetrics(registry: Registry, getRouter: () => PartnerRouter | null): PartnerMetrics {
  const calls = new Counter({
    name: 'payval_partner_calls_total',
    help: 'Partner calls by outcome (answered, pending, timeout, unavailable, rate_limited, circuit_open…)',
    labelNames: ['partner', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'payval_partner_call_duration_seconds',
    help: 'Partner call latency, including calls that failed',
    labelNames: ['partner'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const failovers = new Counter({
    name: 'payval_partner_failovers_total',
    help: 'Validations moved on from a partner to the next one in line, by reason',
    labelNames: ['from', 'reason'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'payval_partner_retries_total',
    help: 'Attempts handed back to the retry schedule after a partner failure, by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  const waits = new Counter({
    name: 'payval_partner_waits_total',
    help: 'Validations parked without spending an attempt (no partner available, or a pending answer)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const saved = new Counter({
    name: 'payval_partner_calls_saved_total',
    help: 'Validations answered without a partner call of their own: reuse of a recent answer, or single-flight (a concurrent validation of the same payee made the call)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'payval_partner_breaker_transitions_total',
    help: 'Circuit breaker state changes',
    labelNames: ['partner', 'state'],
    registers: [registry],
  });
  const forEachPartner = (fn: (p: GuardedPartner, router: PartnerRouter) => void): void => {
    const router = getRouter();
    if (router) for (const p of router.all()) fn(p, router);
  };
  new Gauge({
    name: 'payval_partner_breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
    labelNames: ['partner'],
    registers: [registry],
    collect() {
      forEachPartner((p) => this.set({ partner: p.name }, STATE_VALUE[p.state()]));
    },
  });
  new Gauge({
    name: 'payval_partner_available',
    help: '1 when the router would send the partner work now; 0 while its circuit is open, it is rate-limited or its credentials were refused',
    labelNames: ['partner'],
    registers: [registry],
    collect() {
      forEachPartner((p, router) => this.set({ partner: p.name }, router.unavailableReason(p.name) === null ? 1 : 0));
    },
  });

  return {
    call: (partner, outcome, seconds) => {
      calls.inc({ partner, outcome });
      latency.observe({ partner }, seconds);
    },
    failover: (from, reason) => failovers.inc({ from, reason }),
    retry: (code) => retries.inc({ code }),
    wait: (reason) => waits.inc({ reason }),
    saved: (reason) => saved.inc({ reason }),
    breakerTransition: (partner, state) => transitions.inc({ partner, state }),
  };
}
