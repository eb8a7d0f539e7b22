/**
 * The viewer's status rules (docs/viewer.md "Device status") on hand-written trace lines: OTA
 * outcomes, replacement births, severity colours, incident scope (unreachable), leak values.
 */
import { describe, expect, it } from 'vitest';
import { STATUSES } from '../../viewer/src/model/codes.ts';
import { decodeLine, emptyDecoded } from '../../viewer/src/model/decode.ts';
import { FleetState } from '../../viewer/src/model/fleet-state.ts';
import { DeviceRegistry } from '../../viewer/src/model/registry.ts';

const T0 = 1_773_140_000_000;
const MIN = 60_000;

function birth(id: string, t: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const kind = /-(\w+)-\d+$/.exec(id)![1]!;
  const kinds: Record<string, string> = { gw: 'gateway', hvac: 'hvac', leak: 'leak', lock: 'lock', env: 'env', lgt: 'lighting' };
  return { k: 'pub', t, topic: `msp/v1/nyc/${id}/birth`, p: { id, kind: kinds[kind] ?? kind, model: 'M', fw: '1.0', session: 1, site: 'nyc', building: 'tower', floor: 'tower-f03', gateway: kind === 'gw' ? null : 'tower-f03-gw-001', ...extra } };
}
const pub = (id: string, cls: string, t: number, p: Record<string, unknown>): Record<string, unknown> => ({ k: 'pub', t, topic: `msp/v1/nyc/${id}/${cls}`, p: { id, ...p } });

function fold(lines: Array<Record<string, unknown>>): { status: (id: string) => string; state: FleetState } {
  const reg = new DeviceRegistry();
  const state = new FleetState(reg, 4);
  const out = emptyDecoded();
  lines.forEach((l, i) => {
    if (decodeLine(reg, l, out)) state.apply(out, i);
  });
  return { state, status: (id) => STATUSES[state.c.status[reg.indexOf(id)]!]! };
}

describe('viewer status rules', () => {
  const hvac = 'tower-f03-hvac-001';
  const install = [birth(hvac, T0), pub(hvac, 'ota', T0 + MIN, { state: 'installing', job: 'j' }), pub(hvac, 'ota', T0 + 2 * MIN, { state: 'rebooting', job: 'j' })];

  it('a bricked install shows bricked (the truth line), not "updating" forever', () => {
    expect(fold(install).status(hvac)).toBe('updating');
    const bricked = [...install, { k: 'ota', t: T0 + 3 * MIN, d: hvac, s: 'bricked', why: 'boot_failure' }];
    expect(fold(bricked).status(hvac)).toBe('bricked');
    // The rollout's later verdict (timeout) does not hide the brick.
    expect(fold([...bricked, { k: 'p.rollout', t: T0 + 20 * MIN, id: 'j', ev: 'failed', d: hvac, res: 'timeout' }]).status(hvac)).toBe('bricked');
  });

  it('a failed install is "update failed"; the replacement\'s birth clears every update state', () => {
    const failed = [...install, { k: 'p.rollout', t: T0 + 20 * MIN, id: 'j', ev: 'failed', d: hvac, res: 'timeout' }];
    expect(fold(failed).status(hvac)).toBe('update_failed');
    expect(fold([...failed, birth(hvac, T0 + 60 * MIN, { session: 2 })]).status(hvac)).toBe('online');
    const bricked = [...install, { k: 'ota', t: T0 + 3 * MIN, d: hvac, s: 'bricked' }, birth(hvac, T0 + 60 * MIN, { session: 2 })];
    expect(fold(bricked).status(hvac)).toBe('online');
    // A rolled-back device keeps its badge across the reboot.
    const rolled = [birth(hvac, T0), pub(hvac, 'ota', T0 + MIN, { state: 'rolled_back', job: 'j' }), birth(hvac, T0 + 2 * MIN, { session: 2 })];
    expect(fold(rolled).status(hvac)).toBe('rolled_back');
  });

  it('colour follows severity: a warning is not "alerting"', () => {
    const lock = 'tower-f03-lock-001';
    const alert = (sev: string, s = 'firing'): Record<string, unknown> => ({ k: 'p.alert', t: T0 + MIN, id: `a:${lock}`, d: lock, type: 'battery_low', sev, s, inh: null, n: 1 });
    expect(fold([birth(lock, T0), alert('warning')]).status(lock)).toBe('warning');
    expect(fold([birth(lock, T0), alert('minor')]).status(lock)).toBe('warning');
    expect(fold([birth(lock, T0), alert('major')]).status(lock)).toBe('alerting');
    expect(fold([birth(lock, T0), alert('critical')]).status(lock)).toBe('alerting');
    expect(fold([birth(lock, T0), alert('warning'), alert('warning', 'resolved')]).status(lock)).toBe('online');
  });

  it('devices in an open outage incident\'s scope are unreachable until heard again or resolved', () => {
    const gw = 'tower-f03-gw-001';
    const env = 'tower-f03-env-001';
    const other = 'tower-f02-env-001';
    const base = [birth(gw, T0), birth(env, T0), birth(other, T0, { floor: 'tower-f02', gateway: 'tower-f02-gw-001' }), pub(env, 'telemetry', T0 + MIN, { values: { temperature_c: 21 } })];
    const inc = (s: string, t: number): Record<string, unknown> => ({ k: 'p.inc', t, id: 'INC-1', pri: 'P2', scope: `gateway:${gw}`, s, n: 1, nd: 1 });
    const open = fold([...base, inc('open', T0 + 10 * MIN)]);
    expect(open.status(env)).toBe('unreachable');
    expect(open.status(other)).toBe('online');
    expect(open.status(gw)).toBe('online'); // the root cause shows by its own alert, not as unreachable
    expect(fold([...base, inc('open', T0 + 10 * MIN), pub(env, 'telemetry', T0 + 11 * MIN, { values: {} })]).status(env)).toBe('online');
    expect(fold([...base, inc('open', T0 + 10 * MIN), inc('resolved', T0 + 20 * MIN)]).status(env)).toBe('online');
    // A floor scope covers the gateway too; a device scope covers nobody else.
    expect(fold([...base, { ...inc('open', T0 + 10 * MIN), scope: 'floor:tower-f03' }]).status(gw)).toBe('unreachable');
    expect(fold([...base, { ...inc('open', T0 + 10 * MIN), scope: `device:${gw}` }]).status(env)).toBe('online');
  });

  it('the platform\'s UNREACHABLE liveness (parent offline) is unreachable, not online, and counts as down', () => {
    const env = 'tower-f03-env-001';
    const { status, state } = fold([birth(env, T0), { k: 'p.live', t: T0 + MIN, d: env, from: 'ONLINE', to: 'UNREACHABLE', why: 'parent_offline' }]);
    expect(status(env)).toBe('unreachable');
    expect(state.c.down_since[0]).toBe(T0 + MIN);
  });

  it('a leak event is newer than the last telemetry: the leak bit follows it', () => {
    const leak = 'tower-f03-leak-001';
    const { state } = fold([birth(leak, T0), pub(leak, 'telemetry', T0 + MIN, { values: { leak: false } }), pub(leak, 'event', T0 + 2 * MIN, { type: 'leak_detected' })]);
    expect(state.c.bits[0]! & 8).toBe(8);
  });
});
