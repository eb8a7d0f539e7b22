import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceTopic, MessageClass } from '../../platform/contract/topics.ts';
import { Platform, type InboundMessage } from '../../platform/core/platform.ts';
import { orderStep } from '../../platform/core/step-order.ts';

/**
 * Measured down time against true down time, on the platform alone, for random gateway outage
 * plans on random fleets. A small lockstep model of the world: one-minute steps; a device reports
 * on its own heartbeat while its path is up; a gateway that dies publishes its will, which the
 * platform stamps at the end of the step it arrived in (a will carries no ts); a gateway that
 * returns sends a birth of a new session, and its children rejoin with births some seconds later.
 * Truth: a gateway is down over its outage, a child from the outage's start until its rejoin.
 *
 * Bounds (docs/sla.md "Detection delay"): per outage and device, the platform may mark the
 * device down up to one step late (the documented detection delay of a gateway death) and back up
 * at the moment it truly is, so
 *     true − step × outages ≤ measured ≤ true + step × outages.
 */
const STEP = 60_000;
const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 0, 0);

interface Fleet {
  gateways: Array<{ children: number[] }>; // heartbeat minutes per child
}
interface Outage {
  gw: number;
  start_min: number;
  for_min: number;
}

const fleetArb: fc.Arbitrary<Fleet> = fc.record({
  gateways: fc.array(fc.record({ children: fc.array(fc.constantFrom(1, 2, 5, 15, 60), { minLength: 1, maxLength: 5 }) }), { minLength: 1, maxLength: 3 }),
});

function planArb(fleet: Fleet): fc.Arbitrary<Outage[]> {
  return fc.array(fc.record({ gw: fc.integer({ min: 0, max: fleet.gateways.length - 1 }), start_min: fc.integer({ min: 10, max: 400 }), for_min: fc.integer({ min: 1, max: 120 }) }), { maxLength: 4 });
}

/** Keeps outages of one gateway apart (a gateway cannot die while dead), with a gap to rejoin. */
function disjoint(plan: readonly Outage[]): Outage[] {
  const out: Outage[] = [];
  for (const o of [...plan].sort((a, b) => a.start_min - b.start_min || a.gw - b.gw)) {
    const clash = out.some((p) => p.gw === o.gw && o.start_min < p.start_min + p.for_min + 5 && p.start_min < o.start_min + o.for_min + 5);
    if (!clash) out.push(o);
  }
  return out;
}

const gwId = (g: number): string => `gw${g}`;
const childId = (g: number, c: number): string => `gw${g}-c${c}`;

function birthPayload(id: string, gateway: string | null, heartbeat_ms: number, session: number, ts: number): string {
  return JSON.stringify({
    v: 1, id, kind: gateway === null ? 'gateway' : 'env', model: gateway === null ? 'GW-1' : 'ENV-1', serial: `sn-${id}`, fw: '1.0.0',
    site: 's1', building: 'b1', floor: 'f1', zone: gateway === null ? null : 'z1', gateway, power: 'mains', caps: [],
    heartbeat_ms, session, seq: 0, ts,
  });
}

function simulate(fleet: Fleet, plan: readonly Outage[], span_min: number): { measured: Map<string, number>; truth: Map<string, number>; outages: Map<string, number> } {
  const end_ms = T0 + span_min * MIN;
  const platform = new Platform({ journal: () => undefined });
  // Per step, the messages that reached the platform.
  const steps = new Map<number, InboundMessage[]>();
  const send = (t: number, topic: string, payload: string): void => {
    const k = Math.floor((t - T0) / STEP);
    const list = steps.get(k) ?? [];
    list.push({ topic, payload });
    steps.set(k, list);
  };
  const truth = new Map<string, number>();
  const outages = new Map<string, number>();
  const add = (m: Map<string, number>, id: string, v: number): void => void m.set(id, (m.get(id) ?? 0) + v);

  fleet.gateways.forEach((g, gi) => {
    const gw = gwId(gi);
    const mine = plan.filter((o) => o.gw === gi);
    const downAt = (t: number): boolean => mine.some((o) => t >= T0 + o.start_min * MIN && t < T0 + (o.start_min + o.for_min) * MIN);
    let session = 1;
    send(T0, deviceTopic('s1', gw, MessageClass.birth), birthPayload(gw, null, MIN, session, T0));
    for (let t = T0 + MIN; t < end_ms; t += MIN) if (!downAt(t)) send(t, deviceTopic('s1', gw, MessageClass.telemetry), JSON.stringify({ v: 1, id: gw, seq: ((t - T0) / MIN) % 256, ts: t, values: { temperature_c: 21 } }));
    for (const o of mine) {
      const s = T0 + o.start_min * MIN;
      const e = Math.min(end_ms, s + o.for_min * MIN);
      // The broker publishes the will a few seconds after the death; the platform stamps it at step end.
      send(s + 5_000, deviceTopic('s1', gw, MessageClass.state), JSON.stringify({ v: 1, id: gw, state: 'offline', session, reason: 'will' }));
      add(truth, gw, e - s);
      add(outages, gw, 1);
      session++;
      if (e < end_ms) send(e, deviceTopic('s1', gw, MessageClass.birth), birthPayload(gw, null, MIN, session, e));
    }
    g.children.forEach((hb_min, ci) => {
      const id = childId(gi, ci);
      const hb = hb_min * MIN;
      let cs = 1;
      send(T0 + 1_000, deviceTopic('s1', id, MessageClass.birth), birthPayload(id, gw, hb, cs, T0 + 1_000));
      // Rejoin: some seconds after the gateway's birth (deterministic per child).
      const rejoin = 2_000 + ((ci * 7_919 + gi * 104_729) % 50_000);
      const cutAt = (t: number): boolean => mine.some((o) => t >= T0 + o.start_min * MIN && t < Math.min(end_ms, T0 + (o.start_min + o.for_min) * MIN + rejoin));
      for (let k = 1, t = T0 + 1_000 + hb; t < end_ms; k++, t += hb) if (!cutAt(t)) send(t, deviceTopic('s1', id, MessageClass.telemetry), JSON.stringify({ v: 1, id, seq: k % 256, ts: t, values: { temperature_c: 21 } }));
      for (const o of mine) {
        const s = T0 + o.start_min * MIN;
        const back = Math.min(end_ms, s + o.for_min * MIN + rejoin);
        add(truth, id, back - s);
        add(outages, id, 1);
        cs++;
        if (back < end_ms) send(back, deviceTopic('s1', id, MessageClass.birth), birthPayload(id, gw, hb, cs, back));
      }
    });
  });

  for (let k = 0; T0 + k * STEP < end_ms; k++) platform.applyStep(orderStep(steps.get(k) ?? [], T0 + (k + 1) * STEP), T0 + (k + 1) * STEP);
  const report = platform.sla.report(T0, end_ms);
  const measured = new Map(report.devices.map((d) => [d.id, d.downtime_ms]));
  return { measured, truth, outages };
}

describe('SLA ledger against ground truth (fast-check)', () => {
  it('for random outage plans on random fleets: true − one step per outage ≤ measured ≤ true + one step per outage, per device', () => {
    fc.assert(
      fc.property(
        fleetArb.chain((fleet) => fc.tuple(fc.constant(fleet), planArb(fleet))),
        ([fleet, raw]) => {
          const plan = disjoint(raw);
          const span_min = 8 * 60;
          const { measured, truth, outages } = simulate(fleet, plan, span_min);
          for (const [id, m] of measured) {
            const t = truth.get(id) ?? 0;
            const slack = STEP * (outages.get(id) ?? 0);
            expect(m, `${id}: measured ${m} vs true ${t}`).toBeGreaterThanOrEqual(t - slack);
            expect(m, `${id}: measured ${m} vs true ${t}`).toBeLessThanOrEqual(t + slack);
          }
          // Every device that existed is in the ledger (none lost to an UNREACHABLE that never ended).
          expect(measured.size).toBe(fleet.gateways.reduce((n, g) => n + 1 + g.children.length, 0));
        },
      ),
      { numRuns: 25, seed: 13 },
    );
  });
});
