/**
 * Causal replay: for an incident (or an alert), the chain from the ground truth's fault to the
 * resolution — fault → first message that showed it → alert → incident → acknowledgement →
 * dispatch → repair → resolution — each with its time from the trace, plus the delays between.
 */
import { EV, LV } from './codes.ts';
import type { DeviceRegistry } from './registry.ts';
import { faultName, scopeDevices, type StoryAlert, type StoryFault, type StoryIncident } from './story.ts';
import type { Timeline } from './timeline.ts';

export type StepName = 'fault' | 'first_sign' | 'alert' | 'incident' | 'ack' | 'dispatch' | 'repair' | 'resolve';

export interface ChainStep {
  readonly step: StepName;
  readonly label: string;
  /** null: it did not happen (yet) in this run. */
  readonly t: number | null;
  readonly detail: string;
  /** A device the step is about (the jump also selects it). */
  readonly device: string | null;
}

export interface Chain {
  readonly incident: StoryIncident | null;
  readonly alert: StoryAlert | null;
  readonly fault: StoryFault | null;
  readonly steps: readonly ChainStep[];
  /** fault start → first alert (or the incident, without an alert). */
  readonly detection_ms: number | null;
  /** incident opened → acknowledged. */
  readonly response_ms: number | null;
  /** fault start (else incident opened) → repaired (else resolved). */
  readonly repair_ms: number | null;
}

/** The first trace line after `from` (and by `until`) in which a device of `devices` showed trouble. */
function firstSign(timeline: Timeline, reg: DeviceRegistry, devices: ReadonlySet<string>, from: number, until: number): { t: number; device: string; what: string } | null {
  let best: { t: number; device: string; what: string } | null = null;
  for (let i = 0; i < timeline.length; i++) {
    const t = timeline.t[i]!;
    if (t < from || t > until || (best !== null && t >= best.t)) continue;
    const d = timeline.dev[i]!;
    if (d < 0 || !devices.has(reg.ids[d]!)) continue;
    const code = timeline.code[i]!;
    const o = timeline.obj[i];
    let what: string | null = null;
    if (code === EV.event && typeof o?.type === 'string') what = `${o.type.replace(/_/g, ' ')} event`;
    else if (code === EV.state && o?.state === 'offline') what = o.reason === 'will' ? 'last will (offline)' : 'says offline';
    else if (code === EV.live && (timeline.a[i] === LV.SUSPECT || timeline.a[i] === LV.OFFLINE || timeline.a[i] === LV.UNREACHABLE)) what = `platform: ${String(o?.to ?? '').toLowerCase()} (${String(o?.why ?? '').replace(/_/g, ' ')})`;
    if (what !== null) best = { t, device: reg.ids[d]!, what };
  }
  return best;
}

export function incidentChain(timeline: Timeline, reg: DeviceRegistry, id: string, via_alert: StoryAlert | null = null): Chain | null {
  const story = timeline.story;
  const inc = story.incident(id);
  if (!inc) return null;
  const fault = story.faultFor(inc, reg);
  const members = scopeDevices(inc.scope, reg);
  const from = fault?.start_t ?? inc.opened_t - 3_600_000;
  // The alert that raised it: the one named, else the first firing in scope from the fault on.
  const alert = via_alert ?? story.alerts.find((a) => a.t >= from && a.t <= inc.opened_t + 60_000 && a.d >= 0 && members.has(reg.ids[a.d]!)) ?? null;
  const fault_devices = fault?.target && reg.indexOf(fault.target) >= 0 ? new Set([fault.target]) : members;
  const sign = fault ? firstSign(timeline, reg, fault_devices, fault.start_t, alert?.t ?? inc.opened_t) : null;
  const scope_dev = inc.scope.startsWith('device:') || inc.scope.startsWith('gateway:') ? inc.scope.slice(inc.scope.indexOf(':') + 1) : null;
  const steps: ChainStep[] = [
    { step: 'fault', label: 'Fault (ground truth)', t: fault?.start_t ?? null, detail: fault ? `${faultName(fault.kind)}${fault.target ? ` · ${fault.target}` : ''}${fault.end_t !== null ? '' : ' (never ended)'}` : 'no injected fault: natural or firmware', device: fault?.target && reg.indexOf(fault.target) >= 0 ? fault.target : null },
    { step: 'first_sign', label: 'First message', t: sign?.t ?? null, detail: sign ? `${sign.device}: ${sign.what}` : '—', device: sign?.device ?? null },
    { step: 'alert', label: 'Alert', t: alert?.t ?? null, detail: alert ? `${alert.type.replace(/_/g, ' ')} · ${alert.sev}${alert.d >= 0 ? ` · ${reg.ids[alert.d]}` : ''}` : '—', device: alert && alert.d >= 0 ? reg.ids[alert.d]! : null },
    { step: 'incident', label: 'Incident opened', t: inc.opened_t, detail: `${inc.id} · ${inc.pri} · ${inc.nd} device${inc.nd === 1 ? '' : 's'}`, device: scope_dev },
    { step: 'ack', label: 'Acknowledged', t: inc.acked_t, detail: inc.acked_t !== null ? `by ${inc.acked_by ?? 'noc'}` : 'not yet', device: null },
    { step: 'dispatch', label: 'Technician dispatched', t: inc.dispatched_t, detail: inc.tech ?? 'no truck roll', device: null },
    { step: 'repair', label: 'Repaired', t: inc.repaired_t, detail: inc.repaired_t !== null ? `by ${inc.tech ?? 'technician'}` : 'no repair recorded', device: null },
    { step: 'resolve', label: 'Resolved', t: inc.resolved_t, detail: inc.resolved_t !== null ? (fault?.end_t !== null && fault?.end_t !== undefined && fault.end_t <= inc.resolved_t ? 'fault over, platform closed it' : 'closed') : 'still open', device: null },
  ];
  const fixed = inc.repaired_t ?? inc.resolved_t;
  return {
    incident: inc,
    alert,
    fault,
    steps,
    detection_ms: fault ? (alert?.t ?? inc.opened_t) - fault.start_t : null,
    response_ms: inc.acked_t !== null ? inc.acked_t - inc.opened_t : null,
    repair_ms: fixed !== null ? fixed - (fault?.start_t ?? inc.opened_t) : null,
  };
}

/** The chain of the incident an alert belongs to: the one inhibiting it, else one covering its device that opened around it. */
export function alertChain(timeline: Timeline, reg: DeviceRegistry, alert_id: string): Chain | null {
  const story = timeline.story;
  const a = story.alert(alert_id);
  if (!a) return null;
  const dev = a.d >= 0 ? reg.ids[a.d]! : null;
  const inc =
    (a.inh !== null ? story.incident(a.inh) : undefined) ??
    story.incidents.find((i) => i.opened_t >= a.t - 60_000 && i.opened_t <= a.t + 30 * 60_000 && dev !== null && scopeDevices(i.scope, reg).has(dev));
  return inc ? incidentChain(timeline, reg, inc.id, a) : null;
}
