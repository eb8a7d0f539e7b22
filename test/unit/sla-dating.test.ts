import { describe, expect, it } from 'vitest';
import type { DeviceInfo, LivenessChange } from '../../platform/core/model.ts';
import { defaultContract, type SlaContract } from '../../platform/sla/contract.ts';
import { SlaLedger } from '../../platform/sla/ledger.ts';

// How the ledger dates down time it learns late or early, by hand on a 10-hour period:
//   - an announced reboot (`rebooting` state) is down from the announcement to the next birth;
//   - a device that says it is rebooting and never comes back is down from the announcement,
//     whatever SUSPECT says in between;
//   - an outage confirmed by the offline deadline is dated from SUSPECT (first missed heartbeat);
//   - a will-confirmed outage is dated from the will (unchanged);
//   - min_outage drops periods shorter than it, on both kinds.

const MIN = 60_000;
const SEC = 1_000;
const FROM = Date.UTC(2026, 2, 2);
const TO = FROM + 600 * MIN;

function info(id: string): DeviceInfo {
  return { id, kind: 'env', model: 'ENV-1', fw: '1.0.0', serial: id, site: 's1', building: 'b1', floor: 'f1', zone: 'z1', gateway: 'gw', power: 'mains', heartbeat_ms: 10 * MIN, caps: [] };
}

function ledger(contract: Partial<SlaContract> = {}): { l: SlaLedger; ch: (id: string, at_ms: number, from: LivenessChange['from'], to: LivenessChange['to'], reason: string) => void } {
  const l = new SlaLedger({ journal: () => undefined, timezone_of: () => 'UTC', contract: { ...defaultContract(), ...contract } });
  const ch = (id: string, at_ms: number, from: LivenessChange['from'], to: LivenessChange['to'], reason: string): void => l.onLiveness({ device_id: id, at_ms, from, to, reason }, info(id));
  return { l, ch };
}

const downtime = (l: SlaLedger): Record<string, number> => Object.fromEntries(l.report(FROM, TO).devices.map((d) => [d.id, d.downtime_ms]));

describe('SLA ledger: dating down time', () => {
  it('an announced reboot counts from the announcement to the next birth, and SUSPECT does not end it', () => {
    const { l, ch } = ledger();
    for (const id of ['ota', 'brick', 'plain']) ch(id, FROM, 'UNKNOWN', 'ONLINE', 'birth');
    // 'ota' reboots for 6 s at 60 min.
    l.onRebooting('ota', FROM + 60 * MIN);
    l.onBack('ota', FROM + 60 * MIN + 6 * SEC);
    // 'brick' says it reboots at 100 min and never returns: SUSPECT at 115, OFFLINE at 130, repaired (birth) at 300.
    l.onRebooting('brick', FROM + 100 * MIN);
    ch('brick', FROM + 115 * MIN, 'ONLINE', 'SUSPECT', 'heartbeat_missed');
    ch('brick', FROM + 130 * MIN, 'SUSPECT', 'OFFLINE', 'offline_deadline');
    ch('brick', FROM + 300 * MIN, 'OFFLINE', 'ONLINE', 'birth');
    // A birth with no reboot announced changes nothing.
    l.onBack('plain', FROM + 200 * MIN);
    expect(downtime(l)).toEqual({ brick: 200 * MIN, ota: 6 * SEC, plain: 0 });
  });

  it('an outage found by the offline deadline is dated from SUSPECT; one found by a will from the will', () => {
    const { ch, l } = ledger();
    for (const id of ['deadline', 'will', 'blip']) ch(id, FROM, 'UNKNOWN', 'ONLINE', 'birth');
    ch('deadline', FROM + 100 * MIN, 'ONLINE', 'SUSPECT', 'heartbeat_missed');
    ch('deadline', FROM + 115 * MIN, 'SUSPECT', 'OFFLINE', 'offline_deadline');
    ch('deadline', FROM + 160 * MIN, 'OFFLINE', 'ONLINE', 'birth');
    ch('will', FROM + 100 * MIN, 'ONLINE', 'OFFLINE', 'will');
    ch('will', FROM + 130 * MIN, 'OFFLINE', 'ONLINE', 'birth');
    // SUSPECT that recovers is not an outage, and its time is not remembered for a later one.
    ch('blip', FROM + 50 * MIN, 'ONLINE', 'SUSPECT', 'heartbeat_missed');
    ch('blip', FROM + 55 * MIN, 'SUSPECT', 'ONLINE', 'telemetry');
    ch('blip', FROM + 400 * MIN, 'ONLINE', 'OFFLINE', 'offline_deadline');
    ch('blip', FROM + 410 * MIN, 'OFFLINE', 'ONLINE', 'birth');
    expect(downtime(l)).toEqual({ blip: 10 * MIN, deadline: 60 * MIN, will: 30 * MIN });
  });

  it('min_outage drops shorter periods and keeps longer ones whole', () => {
    const { l, ch } = ledger({ min_outage_ms: MIN });
    for (const id of ['a', 'b']) ch(id, FROM, 'UNKNOWN', 'ONLINE', 'birth');
    l.onRebooting('a', FROM + 10 * MIN);
    l.onBack('a', FROM + 10 * MIN + 2 * SEC); // 2 s: dropped
    ch('a', FROM + 20 * MIN, 'ONLINE', 'OFFLINE', 'will');
    ch('a', FROM + 20 * MIN + 59 * SEC, 'OFFLINE', 'ONLINE', 'birth'); // 59 s: dropped
    ch('b', FROM + 30 * MIN, 'ONLINE', 'OFFLINE', 'will');
    ch('b', FROM + 31 * MIN, 'OFFLINE', 'ONLINE', 'birth'); // exactly 1 min: kept
    ch('b', FROM + 40 * MIN, 'ONLINE', 'UNREACHABLE', 'parent_offline');
    ch('b', FROM + 47 * MIN, 'UNREACHABLE', 'ONLINE', 'birth'); // 7 min: kept
    expect(downtime(l)).toEqual({ a: 0, b: 8 * MIN });
  });
});
