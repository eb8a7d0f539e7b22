import { MspError } from '../../common/errors.ts';
import type { OperatorPort } from '../../sim/actors/noc.ts';
import { isPlatformAction, type FaultPlan, type PlatformAction } from '../../sim/faults/plan.ts';

/**
 * The timeline's actions on the platform (rollout control, acknowledging and resolving incidents),
 * carried out by the harness as the platform takes the step each falls in (docs/scenarios.md,
 * "Actions on the platform").
 *
 * They used to run on the simulator's queue, mid-step; but a shard does not hold the platform, so
 * a sharded run could not play them. The platform applies nothing between its steps, so acting
 * just before it applies the step gives it the same inputs, at the same times, seen against the
 * same state (what it made of the step before): the outcome is the one of the mid-step action.
 * Only the action's trace line moves, after the simulator's lines of its step, the same in one
 * process, over MQTT and over any number of shards. The simulator still holds each action's place
 * on its queue (an event that does nothing), so the step it falls in runs however the fleet is
 * split.
 */

/** Carries out the timeline's rollout actions (the platform's patching module behind its operator queue). */
export interface RolloutControl {
  start(id: string, at_ms: number): void;
  pause(id: string, reason: string, at_ms: number): void;
  resume(id: string, at_ms: number): void;
  cancel(id: string, reason: string, at_ms: number): void;
}

export interface PlatformTimelineDeps {
  /** Where the action's line goes (the run's trace journal). */
  readonly trace: { append(at_ms: number, kind: string, fields: Record<string, unknown>): void };
  /** The platform's operator port; absent without a platform in the loop (nobody to acknowledge). */
  readonly operator?: OperatorPort;
  /** Required when the plan has rollout actions. */
  readonly rollouts?: RolloutControl;
}

export class PlatformTimeline {
  readonly #actions: readonly PlatformAction[];
  readonly #deps: PlatformTimelineDeps;
  #next = 0;

  /** The plan's actions are sorted by (time, id): the order one simulator's queue fired them in. */
  constructor(plan: FaultPlan, deps: PlatformTimelineDeps) {
    this.#actions = plan.actions.filter(isPlatformAction);
    this.#deps = deps;
  }

  /** Whether the plan starts, pauses, resumes or cancels rollouts (they need rollout control). */
  static needsRolloutControl(plan: FaultPlan): boolean {
    return plan.actions.some((a) => a.action.startsWith('rollout.'));
  }

  /** Time of the next action not yet carried out, or undefined when none is left. */
  get next_at_ms(): number | undefined {
    return this.#actions[this.#next]?.at_ms;
  }

  /** Whether a rollout action is due at or before `until_ms` and not yet carried out (it may make commands). */
  rolloutDueBy(until_ms: number): boolean {
    for (let i = this.#next; i < this.#actions.length && this.#actions[i]!.at_ms <= until_ms; i++) {
      if (this.#actions[i]!.action.startsWith('rollout.')) return true;
    }
    return false;
  }

  /** Carries out every action due at or before `until_ms` (a step's last millisecond), in plan order. */
  due(until_ms: number): void {
    while (this.#next < this.#actions.length && this.#actions[this.#next]!.at_ms <= until_ms) this.#act(this.#actions[this.#next++]!);
  }

  #act(a: PlatformAction): void {
    let n = a.devices.length;
    switch (a.action) {
      case 'operator.ack':
      case 'operator.resolve': {
        const port = this.#deps.operator;
        if (!port) break; // no platform in the loop: nobody to act on
        const wanted = a.target === undefined ? null : new Set(a.devices);
        const incidents = port
          .incidents()
          .filter((i) => i.status !== 'resolved' && (a.action === 'operator.resolve' || i.status === 'open'))
          .filter((i) => wanted === null || i.device_ids.some((d) => wanted.has(d)))
          .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
        for (const i of incidents) port.act({ at_ms: a.at_ms, kind: a.action === 'operator.ack' ? 'ack' : 'resolve', incident_id: i.id, by: a.by });
        n = incidents.length;
        break;
      }
      case 'rollout.start':
        this.#rollouts().start(a.rollout, a.at_ms);
        break;
      case 'rollout.resume':
        this.#rollouts().resume(a.rollout, a.at_ms);
        break;
      case 'rollout.pause':
        this.#rollouts().pause(a.rollout, a.reason, a.at_ms);
        break;
      case 'rollout.cancel':
        this.#rollouts().cancel(a.rollout, a.reason, a.at_ms);
        break;
    }
    this.#deps.trace.append(a.at_ms, 'action', { id: a.id, act: a.action, n, ...('rollout' in a ? { rollout: a.rollout } : {}) });
  }

  #rollouts(): RolloutControl {
    const control = this.#deps.rollouts;
    // The harness refuses such a run before it starts; a caller that builds a timeline itself gets the same code.
    if (!control) throw new MspError('RUN_NO_ROLLOUT_CONTROL', 'the timeline starts, pauses, resumes or cancels a rollout, but no rollout control is wired into this run');
    return control;
  }
}
