import { z } from 'zod';
import { DEVICE_KINDS } from '../../platform/contract/messages.ts';
import { modelIds } from '../../sim/devices/models.ts';
import { isRealLocalDateTime, isValidTimezone } from '../../platform/contract/local-time.ts';
import { suggestTimezone } from './timezone-suggest.ts';
import { RULE_NAMES } from '../../platform/monitoring/rules.ts';
import { zDuration } from '../../common/duration.ts';
import { PlanInput } from '../../platform/patching/plan.ts';
import { zReleaseInput } from '../../platform/patching/releases.ts';
import { zFaultProcesses, zTimeline } from './timeline-schema.ts';
import { zExpectations } from '../expect/schema.ts';
import { zOperations } from './operations-schema.ts';
import { zContract } from './contract-schema.ts';
import { zIncidentPolicy } from './incident-policy-schema.ts';

/**
 * The scenario file schema (docs/scenarios.md). Strict objects everywhere: an unknown key is a
 * typo until proven otherwise, and the loader turns it into `file:line: unknown key … (did you
 * mean …?)`. Later issues add timeline, faults, rollouts and expectations sections.
 */
const BUILDING_TYPES = ['office', 'clinic', 'retail', 'multifamily', 'home'] as const;

// Ids become MQTT topic levels and file names: no wildcards, separators or spaces.
const zId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'an id of lowercase letters, digits, ".", "_" or "-" (at most 64)');
const zKind = z.enum(DEVICE_KINDS);
const zModel = z.enum(modelIds() as [string, ...string[]]);
const zTimezone = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    if (isValidTimezone(value)) return;
    const hit = suggestTimezone(value);
    ctx.addIssue({ code: 'custom', message: `an IANA timezone such as "America/New_York"${hit === undefined ? '' : ` (did you mean "${hit}"?)`}` });
  });
const zCount = z.number().int().min(0).max(100_000);

const zKindCounts = z.strictObject({
  occupancy: zCount.optional(),
  env: zCount.optional(),
  leak: zCount.optional(),
  lock: zCount.optional(),
  hvac: zCount.optional(),
  lighting: zCount.optional(),
});

const zKindModels = z.strictObject({
  occupancy: zModel.optional(),
  env: zModel.optional(),
  leak: zModel.optional(),
  lock: zModel.optional(),
  hvac: zModel.optional(),
  lighting: zModel.optional(),
  gateway: zModel.optional(),
});

const zDeviceEntry = z.strictObject({
  kind: zKind,
  id: zId.optional(),
  model: zModel.optional(),
  firmware: z.string().optional(),
  critical: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
  count: z.number().int().min(1).max(10_000).optional(),
});

const zZone = z.strictObject({
  id: zId.optional(),
  name: z.string().optional(),
  area_m2: z.number().positive().max(100_000).optional(),
  devices: z.array(zDeviceEntry),
});

const zFloor = z.strictObject({
  level: z.number().int().min(-10).max(200),
  zones: z.array(zZone).min(1),
});

const zBuilding = z.strictObject({
  id: zId,
  name: z.string().optional(),
  type: z.enum(BUILDING_TYPES),
  count: z.number().int().min(1).max(10_000).optional(),
  floors: z.number().int().min(1).max(200).optional(),
  zones_per_floor: z.number().int().min(1).max(500).optional(),
  zone_area_m2: z.number().positive().max(100_000).optional(),
  per_zone: zKindCounts.optional(),
  per_floor: zKindCounts.optional(),
  units_per_floor: z.number().int().min(1).max(500).optional(),
  per_unit: zKindCounts.optional(),
  layout: z.array(zFloor).min(1).optional(),
  models: zKindModels.optional(),
  firmware: z.partialRecord(zModel, z.record(z.string(), z.number().nonnegative())).optional(),
  critical_kinds: z.array(zKind).optional(),
  tags: z.array(z.string()).optional(),
  devices_per_gateway: z.number().int().min(1).max(10_000).optional(),
}).superRefine((b, ctx) => {
  // Units are stamped out per floor like zones; an explicit layout lists its zones itself.
  if (b.per_unit !== undefined && b.units_per_floor === undefined) {
    ctx.addIssue({ code: 'custom', path: ['per_unit'], message: 'per_unit needs units_per_floor (how many units each floor has)' });
  }
  // With units a floor has no common zone unless asked for: per_zone alone would furnish nothing.
  if (b.units_per_floor !== undefined && b.per_zone !== undefined && b.zones_per_floor === undefined) {
    ctx.addIssue({ code: 'custom', path: ['per_zone'], message: 'with units_per_floor, per_zone furnishes the common zones: say how many with zones_per_floor (or use per_unit)' });
  }
  if (b.layout !== undefined) {
    for (const key of ['units_per_floor', 'per_unit'] as const) {
      if (b[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} does not apply with layout (the layout lists every floor and zone; generate units with floors and units_per_floor)` });
    }
  }
});

const zClimate = z.strictObject({
  mean_c: z.number().min(-40).max(40).optional(),
  seasonal_amplitude_c: z.number().min(0).max(40).optional(),
  diurnal_amplitude_c: z.number().min(0).max(25).optional(),
  humidity_mean_pct: z.number().min(0).max(100).optional(),
  latitude_deg: z.number().min(-90).max(90).optional(),
});

const zSite = z.strictObject({
  id: zId,
  name: z.string().optional(),
  metro: z.string().min(1),
  timezone: zTimezone,
  climate: zClimate.optional(),
  buildings: z.array(zBuilding).min(1),
});

const zFleet = z.strictObject({
  devices_per_gateway: z.number().int().min(1).max(10_000).optional(),
  sites: z.array(zSite).min(1),
});


const zFault = z.strictObject({
  kind: z.enum(['device_down', 'gateway_down', 'leak']),
  device: zId,
  at: zDuration,
  duration: zDuration.optional(),
});

const zRuleOverride = z.strictObject({
  enabled: z.boolean().optional(),
  severity: z.enum(['critical', 'major', 'minor', 'warning']).optional(),
  for: zDuration.optional(),
  raise_after: z.number().int().min(1).max(100).optional(),
  clear_after: z.number().int().min(1).max(100).optional(),
  /** Whether the rule's alerts open incidents (default: minor or worse does, warning does not). */
  opens_incident: z.boolean().optional(),
});

const zPlatform = z.strictObject({
  /** Per-rule overrides of the platform's monitoring defaults (docs/monitoring.md). */
  rules: z.partialRecord(z.enum(RULE_NAMES), zRuleOverride).optional(),
  /** The client's SLA (docs/sla.md); its own module: harness/scenario/contract-schema.ts. */
  contract: zContract.optional(),
  /** Which alerts open incidents, per client (docs/monitoring.md); harness/scenario/incident-policy-schema.ts. */
  incident_policy: zIncidentPolicy.optional(),
});

/** One firmware image in the scenario's catalog, with how the version behaves once installed. */
const zFirmwareEntry = zReleaseInput.extend({
  model: zModel,
  /** The served bytes do not match the published hash: every device fails verification. */
  corrupt: z.boolean().optional(),
  signature_valid: z.boolean().optional(),
  behaviour: z
    .strictObject({
      boot_failure: z.number().min(0).max(1).optional(),
      reboot_mean: zDuration.optional(),
      reboot_loop_after: zDuration.optional(),
      reboot_loop_mean: zDuration.optional(),
      drain_factor: z.number().min(0.1).max(20).optional(),
      sensor_bug: z.enum(['stuck', 'drift']).optional(),
      drift_per_day: z.number().min(-100).max(100).optional(),
      new_fields: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/), z.union([z.number(), z.boolean(), z.string().max(64)])).optional(),
    })
    .optional(),
});

/**
 * A rollout the platform's engine starts `at` after the run's start (docs/patching.md); without
 * `at` it waits for a `rollout.start` step in the timeline.
 */
const zRolloutEntry = PlanInput.extend({ at: zDuration.optional() });

export const ScenarioFileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  seed: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
  /** Site-local start, "YYYY-MM-DD HH:mm" (or with a "T"), in start_timezone. */
  start: z.string().refine(isRealLocalDateTime, { message: 'a real local date-time like "2026-03-02 08:00"' }),
  /** Defaults to the first site's timezone. */
  start_timezone: zTimezone.optional(),
  duration: zDuration,
  fleet: zFleet,
  /** Scripted faults (the timeline DSL extends this). */
  faults: z.array(zFault).optional(),
  /** The platform's configuration for this scenario (a client contract). */
  platform: zPlatform.optional(),
  /** Firmware images the MSP may deploy, and how each version behaves on a device. */
  firmware: z.array(zFirmwareEntry).optional(),
  /** Staged firmware rollouts the platform runs during the scenario. */
  rollouts: z.array(zRolloutEntry).optional(),
  /** Timeline steps: faults, outages, rollout and operator actions, setpoints (docs/scenarios.md). */
  timeline: zTimeline.optional(),
  /** Random fault processes (MTBF/MTTR per matching device). */
  fault_processes: zFaultProcesses.optional(),
  /** Expectations checked during and at the end of the run; a failure exits 1. */
  expect: zExpectations.optional(),
  /** The MSP's NOC and field-service policy and costs (docs/operations.md). */
  operations: zOperations.optional(),
});

export type ScenarioFile = z.infer<typeof ScenarioFileSchema>;
