import { describe, expect, it } from 'vitest';
import { runChecked } from '../../harness/expect/run-checked.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';

/**
 * Residents hold their doors open every day (shopping, a pram, the bins): each time the lock
 * raises its own held-open alarm after 30 s, and the platform's door_held_open rule waits its
 * 10-minute `for:` for the door to close before it pages (docs/monitoring.md). A day of 48
 * apartments' comings and goings must page nobody; a door wedged open for 40 minutes must page,
 * and the alert must end when the door closes. Small in-memory runs.
 */
const LOCK_UNIT = 'lakeview-2-03';

function scenarioText(timeline: string): string {
  return `name: doors
seed: 11
start: "2026-05-16 07:00"
duration: 1d
fleet:
  sites:
    - id: msp
      metro: Minneapolis
      timezone: America/Chicago
      buildings:
        - { id: lakeview, type: multifamily, floors: 6, units_per_floor: 8, zone_area_m2: 70, per_unit: { lock: 1 }, models: { lock: LOCK-BLE-5 } }
${timeline}`;
}

async function run(text: string) {
  const scenario = parseScenario(text, 'doors.yaml');
  const lines: string[] = [];
  const r = await runChecked(scenario, { trace_sink: (l) => lines.push(l) });
  return { ...r, lines };
}

/** The lock's own held-open alarms, as the trace recorded the events the devices sent. */
function heldOpenAlarms(lines: readonly string[]): number {
  return lines.filter((l) => l.includes('"k":"pub"') && l.includes('"type":"door_held_open"')).length;
}

describe('residents and door_held_open', () => {
  it('a day of residents holding doors raises the locks\' alarms but no alert; a door wedged open 40 minutes pages once and ends when it closes', async () => {
    const quiet = await run(scenarioText(''));
    const alarms = heldOpenAlarms(quiet.lines);
    // Residents did hold doors past the lock's 30 s alarm (the rule had something to ignore) …
    expect(alarms).toBeGreaterThan(5);
    // … and none of it became an alert, nor a nuisance.
    expect(quiet.platform!.alerts.all().filter((a) => a.type === 'door_held_open')).toEqual([]);
    expect(quiet.summary.oracle!.alerts.nuisance_by_type.door_held_open ?? 0).toBe(0);

    const wedged = await run(
      scenarioText(`timeline:
  - { id: wedge, at: 3h, action: fault.inject, fault: door_propped, target: { unit: ${LOCK_UNIT}, kind: lock }, for: 40m }
`),
    );
    const start_ms = wedged.summary.start_ms;
    const held = wedged.platform!.alerts.all().filter((a) => a.type === 'door_held_open');
    expect(held).toHaveLength(1);
    const alert = held[0]!;
    expect(alert.device_id).toBe('lakeview-f02-lock-003');
    // The lock's 30 s alarm, then the rule's 10 minutes (plus at most a lockstep step to deliver).
    const onset = start_ms + 3 * 3_600_000;
    expect(alert.started_ms).toBeGreaterThanOrEqual(onset + 30_000 + 10 * 60_000);
    expect(alert.started_ms).toBeLessThanOrEqual(onset + 30_000 + 11 * 60_000);
    // It pages (minor on a lock opens an incident) and ends when the wedge is pulled, not before.
    expect(wedged.platform!.incidents.all().some((i) => i.cause === 'door_held_open' && i.device_ids.includes(alert.device_id))).toBe(true);
    expect(alert.resolved_ms).not.toBeNull();
    expect(alert.resolved_ms!).toBeGreaterThanOrEqual(onset + 40 * 60_000);
    expect(alert.resolved_ms!).toBeLessThanOrEqual(onset + 42 * 60_000);
    // The oracle scores it as the detection of the injected fault, not as a natural alert.
    expect(wedged.summary.oracle!.totals).toMatchObject({ injected: 1, detected: 1, missed: 0 });
    expect(wedged.summary.oracle!.alerts).toMatchObject({ attributed: 1, false: 0 });
  });
});
