/**
 * Arrival order (docs/mqtt.md): MQTT keeps each publisher's order and nothing else, so a platform
 * fed in arrival order — real-time mode, `msp-twin platform` — sees a step's messages in any
 * interleaving of its publishers. Lockstep applies them in canonical order; this property feeds
 * the same messages in seeded arrival orders through the real-time path's own feed
 * (harness/run/arrival-feed.ts: each message received at the virtual time of the sim's latest
 * advance, a step here) and asserts that the platform's liveness after every step, its alerts and
 * incidents with their times, and the SLA ledger do not depend on the interleaving.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../platform/contract/canonical-json.ts';
import { Platform } from '../../platform/core/platform.ts';
import { orderStep } from '../../platform/core/step-order.ts';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { arrivalFeed } from '../../harness/run/arrival-feed.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';

const STEP_MS = 60_000;
const SPAN_MS = 12 * 3_600_000;
// A small office whose firmware reboots: crashes, wills and new sessions within the span. A
// reboot's will and its next birth are 1.5 s apart and mostly land in one step, where they leave
// no downtime; one sensor down for ten minutes gives the ledger downtime across steps whatever the
// reboots' luck.
const FIXTURE = 'test/fixtures/small-office.yaml';
const SCENARIO = parseScenario(`${readFileSync(FIXTURE, 'utf8')}faults:\n  - { kind: device_down, device: hq-f01-occ-001, at: 2h, duration: 10m }\n`, FIXTURE);
const START_MS = SCENARIO.start_ms;

interface Msg {
  readonly publisher: string;
  readonly topic: string;
  readonly payload: string;
  readonly t: number;
}

/** A run's messages by lockstep step, each step in the order the sim made them. */
function stepsOf(lines: readonly string[]): Map<number, Msg[]> {
  const site_of = new Map<string, string>();
  const steps = new Map<number, Msg[]>();
  const add = (m: Msg): void => {
    const k = Math.floor((m.t - START_MS) / STEP_MS);
    const list = steps.get(k) ?? [];
    list.push(m);
    steps.set(k, list);
  };
  for (const line of lines) {
    const r = JSON.parse(line) as { k: string; t: number; c?: string; topic?: string; p?: Record<string, unknown> };
    if (r.k === 'pub') {
      site_of.set(r.c!, r.topic!.split('/')[2]!);
      add({ publisher: r.c!, topic: r.topic!, payload: canonicalJson(r.p!), t: r.t });
    } else if (r.k === 'will') {
      // The broker publishes a will: a publisher of its own, free to interleave with the device's
      // next session (which MQTT does not order against it).
      add({ publisher: `will:${r.c!}`, topic: `msp/v1/${site_of.get(r.c!)}/${r.c!}/state`, payload: canonicalJson(r.p!), t: r.t });
    }
  }
  return steps;
}

/** One interleaving that keeps each publisher's order, chosen by `picks`. */
function interleave(msgs: readonly Msg[], picks: () => number): Msg[] {
  const queues = new Map<string, Msg[]>();
  for (const m of msgs) {
    const q = queues.get(m.publisher) ?? [];
    q.push(m);
    queues.set(m.publisher, q);
  }
  const live = [...queues.keys()].sort();
  const out: Msg[] = [];
  while (live.length > 0) {
    const i = picks() % live.length;
    const q = queues.get(live[i]!)!;
    out.push(q.shift()!);
    if (q.length === 0) live.splice(i, 1);
  }
  return out;
}

interface Observed {
  readonly liveness: string[];
  readonly alerts: readonly unknown[];
  readonly incidents: readonly unknown[];
  readonly sla: unknown;
}

function feed(steps: ReadonlyMap<number, Msg[]>, order: (msgs: readonly Msg[]) => readonly Msg[], arrival: boolean): Observed {
  const platform = new Platform({ journal: () => {} });
  const liveness: string[] = [];
  const last = Math.max(...steps.keys());
  for (let k = 0; k <= last; k++) {
    const msgs = order(steps.get(k) ?? []);
    const end = START_MS + (k + 1) * STEP_MS;
    if (arrival) {
      // The real-time path: the loop advances the sim to `end`, runs the platform's timers, and
      // the step's messages arrive afterwards in the broker's order, through the same feed.
      platform.applyStep([], end);
      const receive = arrivalFeed(() => platform, () => end);
      for (const m of msgs) receive(m);
    } else {
      platform.applyStep(orderStep(msgs.map((m) => ({ topic: m.topic, payload: m.payload })), end), end);
    }
    liveness.push(JSON.stringify(platform.registry.snapshot().map((d) => [d.info.id, d.liveness, d.session])));
  }
  const end = START_MS + (last + 1) * STEP_MS;
  return {
    liveness,
    alerts: platform.alerts.all(),
    incidents: platform.incidents.all(),
    sla: platform.sla.report(START_MS, end),
  };
}

describe('arrival order (property)', () => {
  const lines: string[] = [];
  let steps = new Map<number, Msg[]>();
  beforeAll(async () => {
    await runScenario(SCENARIO, { duration_ms: SPAN_MS, platform: false, trace_sink: (l) => lines.push(l) });
    steps = stepsOf(lines);
  });

  it('the run has interleavings worth testing: steps with several publishers, and wills', () => {
    expect([...steps.values()].some((s) => new Set(s.map((m) => m.publisher)).size > 5)).toBe(true);
    expect(lines.some((l) => l.includes('"k":"will"'))).toBe(true);
  });

  it('liveness after every step, alerts and incidents with their times, and the SLA ledger do not depend on the interleaving', () => {
    const canonical = feed(steps, (m) => m, false);
    const sent_order = feed(steps, (m) => m, true);
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), (seeds) => {
        let i = 0;
        const picks = (): number => seeds[i++ % seeds.length]! + i;
        const arrived = feed(steps, (m) => interleave(m, picks), true);
        expect(arrived.liveness).toEqual(sent_order.liveness);
        expect(arrived.alerts).toEqual(sent_order.alerts);
        expect(arrived.incidents).toEqual(sent_order.incidents);
        expect(arrived.sla).toEqual(sent_order.sla);
      }),
      { numRuns: 12 },
    );
    // Not vacuous: the span has alerts and device downtime that an order-dependent ledger would move
    // (stamped at per-message receipt instants, a will arriving behind its device's next birth
    // leaves out the downtime that will-then-birth records).
    expect(sent_order.alerts.length).toBeGreaterThan(0);
    const report = sent_order.sla as { buildings: Array<{ downtime_ms: number }> };
    expect(report.buildings.some((b) => b.downtime_ms > 0)).toBe(true);
    // And the canonical (lockstep) order reaches the same liveness at every step's end.
    expect(sent_order.liveness).toEqual(canonical.liveness);
  });
});
