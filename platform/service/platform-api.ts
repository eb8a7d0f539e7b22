import type { Platform } from '../../platform/core/platform.ts';
import { ApiError, type PlatformApi } from '../../platform/service/http-api.ts';
import { buildPlan } from '../../platform/patching/plan.ts';
import { PatchError, type PatchErrorCode } from '../../platform/patching/types.ts';
import { parseProvisionedDevice } from './provisioning-file.ts';

const PATCH_STATUS: Readonly<Record<PatchErrorCode, number>> = {
  PATCH_INVALID_PLAN: 400,
  PATCH_UNKNOWN_FIRMWARE: 400,
  PATCH_NOT_APPROVED: 400,
  PATCH_INCOMPATIBLE_MODEL: 400,
  PATCH_BAD_WINDOW: 400,
  PATCH_DUPLICATE_ID: 409,
  PATCH_UNKNOWN_ROLLOUT: 404,
  PATCH_BAD_TRANSITION: 409,
};

/** The engine's refusals as HTTP errors with the engine's own stable code. */
function patching<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PatchError) throw new ApiError(PATCH_STATUS[err.code], err.code, err.message);
    throw err;
  }
}

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
      const d = platform.registry.entry(id);
      const rollout = platform.patching.deviceJob(id);
      return d ? { ...d, alerts: platform.alerts.all().filter((a) => a.device_id === id && a.status !== 'resolved'), ...(rollout ? { rollout } : {}) } : undefined;
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
    provisionDevice: (entry, by) => {
      const parsed = parseProvisionedDevice(entry);
      if (!parsed.ok) throw new ApiError(400, 'API_BAD_BODY', `${parsed.field !== undefined ? `${parsed.field}: ` : ''}${parsed.problem}; body must be {"id", "site", "kind", "model"} as in a --fleet file (docs/security.md)`);
      const { id, device } = parsed;
      const v = platform.provisionVerdict(id, device);
      if (v.verdict === 'conflict') throw new ApiError(409, 'API_DEVICE_CONFLICT', v.detail);
      if (v.verdict === 'full') throw new ApiError(507, 'API_PROVISIONING_FULL', v.detail);
      if (v.verdict === 'same') return { created: false, body: { id, ...device, state: 'provisioned' } };
      const command = { at_ms: platform.now_ms, kind: 'provision', target: 'device', id, by, device } as const;
      if (options.immediate) platform.operate(command);
      else platform.enqueue(command);
      return { created: true, body: { id, ...device, state: options.immediate ? 'provisioned' : 'queued' } };
    },
    rollouts: () => platform.patching.list(),
    rollout: (id) => {
      const status = platform.patching.status(id);
      return status ? { ...status, jobs: platform.patching.jobs(id) } : undefined;
    },
    createRollout: (plan, by) =>
      patching(() => {
        if (options.immediate) return platform.patching.create(plan, platform.now_ms);
        // Under simulation the step applies it; refuse a bad plan now, with the same error.
        const checked = buildPlan(plan, platform.patching.catalog, platform.now_ms);
        if (platform.patching.status(checked.id)) throw new PatchError('PATCH_DUPLICATE_ID', `a rollout with id "${checked.id}" already exists`);
        platform.enqueue({ at_ms: platform.now_ms, kind: 'create', target: 'rollout', id: checked.id, by, plan });
        return { id: checked.id, state: 'queued' };
      }),
    rolloutAction: (id, action, by, reason) =>
      patching(() => {
        if (options.immediate) {
          if (action === 'pause') return platform.patching.pause(id, reason ?? `by ${by}`, platform.now_ms);
          if (action === 'resume') return platform.patching.resume(id, platform.now_ms);
          return platform.patching.cancel(id, reason ?? `by ${by}`, platform.now_ms);
        }
        if (!platform.patching.status(id)) throw new PatchError('PATCH_UNKNOWN_ROLLOUT', `no rollout "${id}"`);
        platform.enqueue({ at_ms: platform.now_ms, kind: action, target: 'rollout', id, by, ...(reason !== undefined ? { reason } : {}) });
        return { id, action, state: 'queued' };
      }),
  };
}
