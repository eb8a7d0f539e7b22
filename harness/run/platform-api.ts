import type { Platform } from '../../platform/core/platform.ts';
import type { PlatformApi } from '../../platform/service/http-api.ts';

/**
 * The HTTP API's view of a running platform. Reads are served from the platform's current state;
 * operator actions are applied at the platform's current time (`immediate`, production mode) or
 * queued for the next lockstep step (under simulation, where the step decides the order).
 */
export function platformApi(platform: Platform, options: { immediate: boolean }): PlatformApi {
  const operate = (target: 'incident' | 'alert', kind: 'ack' | 'resolve', id: string, by: string): unknown | undefined => {
    const exists = target === 'incident' ? platform.incidents.get(id) : platform.alerts.get(id);
    if (!exists) return undefined;
    const command = { at_ms: platform.now_ms, kind, target, id, by } as const;
    if (options.immediate) platform.operate(command);
    else platform.enqueue(command);
    return target === 'incident' ? platform.incidents.get(id) : platform.alerts.get(id);
  };
  return {
    health: () => {
      const reg = platform.registry.stats();
      const ingest = platform.ingest.stats();
      return {
        status: 'ok',
        now_ms: platform.now_ms,
        devices: reg.devices,
        by_liveness: reg.by_liveness,
        alerts_active: platform.alerts.active().length,
        incidents_open: platform.incidents.open().length,
        ingest: { accepted: ingest.accepted, rejected: ingest.total - ingest.accepted },
      };
    },
    devices: (f) =>
      platform.registry
        .snapshot()
        .filter((d) => (f.site === undefined || d.info.site === f.site) && (f.building === undefined || d.info.building === f.building) && (f.kind === undefined || d.info.kind === f.kind) && (f.liveness === undefined || d.liveness === f.liveness.toUpperCase())),
    device: (id) => {
      const d = platform.registry.snapshot().find((x) => x.info.id === id);
      return d ? { ...d, alerts: platform.alerts.all().filter((a) => a.device_id === id && a.status !== 'resolved') } : undefined;
    },
    alerts: (f) => platform.alerts.all().filter((a) => (f.status === undefined || a.status === f.status) && (f.device === undefined || a.device_id === f.device)),
    incidents: (f) =>
      platform.incidents.all().filter((i) => (f.status === undefined || i.status === f.status || (f.status === 'open' && i.status !== 'resolved')) && (f.priority === undefined || i.priority === f.priority)),
    incident: (id) => platform.incidents.get(id),
    sla: (from, to) => platform.sla.report(from ?? platform.first_ms ?? platform.now_ms, to ?? platform.now_ms),
    ingestStats: () => ({ ...platform.ingest.stats(), quarantine: platform.ingest.quarantine() }),
    acknowledgeIncident: (id, by) => operate('incident', 'ack', id, by),
    resolveIncident: (id, by) => operate('incident', 'resolve', id, by),
    acknowledgeAlert: (id, by) => operate('alert', 'ack', id, by),
    resolveAlert: (id, by) => operate('alert', 'resolve', id, by),
  };
}
