import type { Platform } from '../../platform/core/platform.ts';
import type { RolloutStatus } from '../../platform/patching/types.ts';

/**
 * A rollout's outcome as expectations read it (`rollout.<id>.<field>`, docs/scenarios.md): the
 * platform's view (state, counts, where it halted and why) joined with the ground truth only the
 * simulator has (which devices are bricked, which rolled back).
 */
export interface RolloutOutcome {
  readonly id: string;
  readonly firmware: string;
  readonly state: RolloutStatus['state'];
  readonly targets: number;
  readonly committed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly in_progress: number;
  /** Devices the simulator knows are bricked by this rollout (dead, waiting for a technician or replaced). */
  readonly bricked: number;
  /** Devices whose A/B bootloader fell back, plus devices a rollback returned to their old version. */
  readonly rolled_back: number;
  /** The wave (0 = canary) the rollout stopped in, or null when it did not stop early. */
  readonly halted_at_wave: number | null;
  readonly halt_reason: string | null;
  readonly waves: number;
}

/** A device's update agent as far as the outcome needs it (a twin's `ota`, or a shard's copy of it). */
export interface OtaFacts {
  readonly job: string;
  readonly bricked: boolean;
  readonly bricked_once: boolean;
  readonly state: string;
}

export function rolloutOutcomes(platform: Platform, ota_of: (device_id: string) => OtaFacts | undefined): RolloutOutcome[] {
  return platform.patching.list().map((r) => {
    const jobs = platform.patching.jobs(r.id);
    const job_ids = new Set([r.id, `${r.id}~rollback`]);
    let bricked = 0;
    let fell_back = 0;
    for (const j of jobs) {
      const agent = ota_of(j.device_id);
      if (!agent || !job_ids.has(agent.job)) continue;
      if (agent.bricked || agent.bricked_once) bricked++;
      if (agent.state === 'rolled_back') fell_back++;
    }
    const halted = r.state === 'paused' || r.state === 'aborted' || r.state === 'rolled_back' || r.state === 'rolling_back' || r.state === 'cancelled';
    const c = r.counts;
    return {
      id: r.id,
      firmware: `${r.firmware.model}@${r.firmware.version}`,
      state: r.state,
      targets: r.targets,
      committed: c.succeeded,
      failed: c.failed,
      cancelled: c.cancelled,
      in_progress: c.pending + c.retry_wait + c.downloading + c.downloaded + c.installing,
      bricked,
      rolled_back: fell_back + r.rolled_back_devices,
      halted_at_wave: halted ? r.wave : null,
      halt_reason: halted ? r.reason : null,
      waves: r.waves.length,
    };
  });
}
