/**
 * An independent reading of a trace for the viewer tests: the device status rule of docs/viewer.md
 * ("state at T" = every line with t ≤ T, in file order), written from the documentation and the
 * contract, sharing no code with viewer/src, so a bug in the viewer's fold cannot hide here.
 */
export interface TraceLine {
  k: string;
  t: number;
  [field: string]: unknown;
}

export interface ExpectedState {
  devices: number;
  statuses: Map<string, string>;
  by_status: Record<string, number>;
  by_liveness: Record<string, number>;
  active_alerts: string[];
  incidents: Record<string, string>;
  births: Map<string, Record<string, unknown>>;
}

const UPDATING = new Set(['deferred', 'downloading', 'downloaded', 'verifying', 'waiting_window', 'installing', 'rebooting', 'health_check']);

export function foldAt(lines: readonly TraceLine[], T: number): ExpectedState {
  const born = new Set<string>();
  const session = new Map<string, number>();
  const device_state = new Map<string, string>();
  const liveness = new Map<string, string>();
  const ota = new Map<string, string>();
  const alerts = new Map<string, { d: string; s: string; inh: unknown; sev: string }>();
  const incidents: Record<string, string> = {};
  const incident_scope = new Map<string, string>();
  const incident_opened = new Map<string, number>();
  const heard = new Map<string, number>();
  const births = new Map<string, Record<string, unknown>>();
  const ids = new Set<string>();
  for (const line of lines) {
    if (line.t > T) continue;
    const p = line.p as Record<string, unknown> | undefined;
    if (line.k === 'pub' && p) {
      const cls = String(line.topic).split('/')[4];
      const id = String(p.id);
      ids.add(id);
      if (cls === 'birth') {
        born.add(id);
        births.set(id, p);
        session.set(id, Number(p.session));
        device_state.set(id, 'online');
        heard.set(id, line.t);
        // A birth ends an update in flight, and a replacement starts with none.
        const o = ota.get(id);
        if (o === 'bricked' || o === 'failed' || o === 'rejected' || (o !== undefined && UPDATING.has(o))) ota.delete(id);
      } else if (cls === 'state') {
        if (typeof p.session === 'number' && p.session < (session.get(id) ?? 0)) continue;
        device_state.set(id, String(p.state));
      } else if (cls === 'ota') {
        ota.set(id, String(p.state));
        heard.set(id, line.t);
      } else if (cls === 'telemetry' || cls === 'event') heard.set(id, line.t);
    } else if (line.k === 'will' && p) {
      const id = String(p.id);
      if (typeof p.session === 'number' && p.session < (session.get(id) ?? 0)) continue;
      device_state.set(id, String(p.state));
    } else if (line.k === 'p.live') {
      ids.add(String(line.d));
      liveness.set(String(line.d), String(line.to));
    } else if (line.k === 'p.alert') {
      alerts.set(String(line.id), { d: String(line.d), s: String(line.s), inh: line.inh, sev: String(line.sev) });
    } else if (line.k === 'p.inc') {
      const id = String(line.id);
      incidents[id] = String(line.s);
      incident_scope.set(id, String(line.scope));
      if (!incident_opened.has(id)) incident_opened.set(id, line.t);
    } else if (line.k === 'ota' && line.s === 'bricked') {
      // The simulator's truth: the device died in its install and cannot say so.
      ota.set(String(line.d), 'bricked');
    } else if (line.k === 'p.rollout' && line.ev === 'failed' && typeof line.d === 'string') {
      if (ota.get(line.d) !== 'bricked') ota.set(line.d, 'failed');
    }
  }
  const alerting = new Set<string>();
  const warning = new Set<string>();
  for (const a of alerts.values()) {
    if (a.s === 'resolved' || !(a.inh === null || a.sev === 'critical')) continue;
    if (a.sev === 'critical' || a.sev === 'major') alerting.add(a.d);
    else warning.add(a.d);
  }
  // Open outage incidents (not device-scoped) and when they opened.
  const outages: Array<{ field: string; id: string; opened: number }> = [];
  for (const [id, s] of Object.entries(incidents)) {
    if (s === 'resolved') continue;
    const [kind, target] = String(incident_scope.get(id)).split(':') as [string, string];
    if (kind === 'gateway' || kind === 'floor' || kind === 'building' || kind === 'site') outages.push({ field: kind, id: target, opened: incident_opened.get(id)! });
  }
  const unreachable = (id: string): boolean => {
    if (liveness.get(id) === 'UNREACHABLE') return true;
    const b = births.get(id);
    if (!b) return false;
    const h = heard.get(id) ?? -Infinity;
    return outages.some((o) => b[o.field] === o.id && h < o.opened);
  };
  const statuses = new Map<string, string>();
  const by_status: Record<string, number> = {};
  const by_liveness: Record<string, number> = {};
  let devices = 0;
  for (const id of ids) {
    const lv = liveness.get(id) ?? 'UNKNOWN';
    const ds = device_state.get(id);
    const o = ota.get(id);
    let s: string;
    if (!born.has(id) && lv === 'UNKNOWN') s = 'unknown';
    else if (o === 'bricked') s = 'bricked';
    else if (alerting.has(id)) s = 'alerting';
    else if (unreachable(id)) s = 'unreachable';
    else if (o !== undefined && UPDATING.has(o)) s = 'updating';
    else if (o === 'failed' || o === 'rejected') s = 'update_failed';
    else if (ds === 'offline' || lv === 'OFFLINE') s = 'offline';
    else if (warning.has(id)) s = 'warning';
    else if (o === 'rolled_back') s = 'rolled_back';
    else if (lv === 'SUSPECT' || ds === 'rebooting') s = 'suspect';
    else s = 'online';
    statuses.set(id, s);
    if (s === 'unknown') continue;
    devices++;
    by_status[s] = (by_status[s] ?? 0) + 1;
    by_liveness[lv] = (by_liveness[lv] ?? 0) + 1;
  }
  const active_alerts = [...alerts].filter(([, a]) => a.s !== 'resolved').map(([id]) => id).sort();
  return { devices, statuses, by_status, by_liveness, active_alerts, incidents, births };
}
