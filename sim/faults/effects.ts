import { MessageClass } from '../../platform/contract/topics.ts';
import { round } from '../../platform/contract/canonical-json.ts';
import { Priority } from '../kernel/event-queue.ts';
import type { Rng } from '../kernel/rng.ts';
import { startLeak } from '../devices/kinds/leak-sensor.ts';
import { propDoor, releaseDoor } from '../devices/kinds/lock.ts';
import type { DeviceFaultHooks, DeviceTwin, Values } from '../devices/twin.ts';
import type { Simulation } from '../simulation.ts';
import type { DeviceSpec } from '../world/topology.ts';
import type { FaultInstance } from './plan.ts';
import { isRadio } from './selector.ts';
import { MspError } from '../../common/errors.ts';

/**
 * What each fault class does to the world while it is active, and how it undoes itself. An effect
 * acts only through the twins' own entry points (die, crash, restorePower, linkLost, repair) and
 * the hooks on `DeviceTwin.faults`, and draws randomness only from the fault's own stream, so an
 * injected fault never shifts what an unaffected device does.
 */
export interface ActiveFault {
  /** False when the fault could not take hold (a leak on a sensor that is not running). */
  readonly applied: boolean;
  end(): void;
}

export interface EffectContext {
  readonly sim: Simulation;
  readonly instance: FaultInstance;
  readonly rng: Rng;
  /** Devices in the fault's scope, sorted by id (for a device fault: the device). */
  readonly devices: readonly DeviceSpec[];
  /** The radio devices behind a gateway (sorted by id). */
  readonly children: (gateway_id: string) => readonly DeviceSpec[];
  /** The platform process, for `platform_restart` (the harness owns it). */
  readonly platform_gate?: { down(at_ms: number): void; up(at_ms: number): void };
}

type Effect = DeviceFaultHooks;

/** All active effects on one device, composed in the order the faults began. */
class HookStack implements DeviceFaultHooks {
  readonly effects: Effect[] = [];

  values(twin: DeviceTwin, now_ms: number, measured: Values): Values {
    let v = measured;
    for (const e of this.effects) if (e.values) v = e.values(twin, now_ms, v);
    return v;
  }

  lost(twin: DeviceTwin): boolean {
    let lost = false;
    // Every effect draws, whatever an earlier one decided: each fault's stream advances the same way.
    for (const e of this.effects) if (e.lost?.(twin) === true) lost = true;
    return lost;
  }

  payload(twin: DeviceTwin, message_class: MessageClass, payload: Record<string, unknown>): Record<string, unknown> {
    let p = payload;
    for (const e of this.effects) if (e.payload) p = e.payload(twin, message_class, p);
    return p;
  }
}

/** Installs an effect on a device; returns the function that removes it again. */
function attach(twin: DeviceTwin, effect: Effect): () => void {
  let stack = twin.faults instanceof HookStack ? twin.faults : undefined;
  if (!stack) {
    stack = new HookStack();
    twin.faults = stack;
  }
  stack.effects.push(effect);
  // A device sleeping through quiet samples reads its sensors again from now on (twin.wake).
  twin.wake();
  const s = stack;
  return () => {
    const i = s.effects.indexOf(effect);
    if (i >= 0) s.effects.splice(i, 1);
    if (s.effects.length === 0 && twin.faults === s) twin.faults = null;
    twin.wake();
  };
}

const MEASURED_KEYS = ['temperature_c', 'zone_temp_c', 'humidity_pct'] as const;

function shiftValues(v: Values, by: (key: string) => number): Values {
  const out: Values = { ...v };
  for (const key of MEASURED_KEYS) {
    const x = out[key];
    if (typeof x !== 'number') continue;
    const shifted = x + by(key);
    out[key] = round(key === 'humidity_pct' ? Math.min(100, Math.max(0, shifted)) : shifted, 2);
  }
  return out;
}

/** ±20 % around a period, from the fault's stream. */
function jitter(rng: Rng, period_ms: number): number {
  return Math.max(1_000, Math.round(period_ms * rng.uniform(0.8, 1.2)));
}

function twinOf(ctx: EffectContext, spec: DeviceSpec): DeviceTwin {
  const twin = ctx.sim.device(spec.id);
  if (!twin) throw new MspError('FAULT_UNKNOWN_DEVICE', `${spec.id}`);
  return twin;
}

const NOOP: ActiveFault = { applied: true, end: () => {} };

function deviceEffect(ctx: EffectContext, effect: Effect): ActiveFault {
  const detach = ctx.devices.map((d) => attach(twinOf(ctx, d), effect));
  return { applied: true, end: () => detach.forEach((f) => f()) };
}

function repeating(ctx: EffectContext, first_at_ms: number, period: () => number, fire: () => void): () => void {
  let on = true;
  const { sim } = ctx;
  const tick = (): void => {
    if (!on) return;
    fire();
    sim.queue.schedule(sim.clock.now_ms + period(), Priority.fault, `${ctx.instance.fault}-tick`, tick);
  };
  sim.queue.schedule(first_at_ms, Priority.fault, `${ctx.instance.fault}-tick`, tick);
  return () => {
    on = false;
  };
}

/**
 * A mains power cut over a set of devices (a floor, a building): gateways and mains devices die at
 * once, battery devices lose their gateway; on restore the mains devices power on over a short
 * spread and the local network needs `network_boot` before gateways can connect, so the fleet
 * comes back in a boot storm and a jittered reconnect storm rather than in one instant.
 */
function powerCut(ctx: EffectContext): ActiveFault {
  const { sim, rng } = ctx;
  const twins = ctx.devices.map((d) => twinOf(ctx, d));
  const gateways = twins.filter((t) => t.spec.kind === 'gateway');
  const mains = twins.filter((t) => t.spec.kind !== 'gateway' && t.model.power === 'mains');
  const battery = twins.filter((t) => t.spec.kind !== 'gateway' && t.model.power !== 'mains');
  const killed: DeviceTwin[] = [];
  // Gateways first: a child's session rides on its gateway, so it dies with it (no will for it).
  for (const t of [...gateways, ...mains]) {
    t.power_cuts++;
    if (t.power !== 'dead') {
      t.die('power_cut');
      killed.push(t);
    }
  }
  for (const g of gateways) g.link_blocks++;
  for (const t of battery) t.linkLost('parent_down');
  return {
    applied: true,
    end: () => {
      const now = sim.clock.now_ms;
      for (const t of [...gateways, ...mains]) t.power_cuts--;
      const stagger = ctx.instance.params.stagger ?? 0;
      for (const t of killed) {
        const at = now + (stagger > 0 ? rng.int(0, stagger) : 0);
        sim.queue.schedule(at, Priority.fault, 'power-restore', () => t.restorePower());
      }
      sim.queue.schedule(now + (ctx.instance.params.network_boot ?? 0), Priority.fault, 'network-up', () => {
        for (const g of gateways) g.link_blocks--;
      });
    },
  };
}

/** A site's or building's internet link is down: every connection out of it breaks; devices store and retry. */
function uplinkDown(ctx: EffectContext): ActiveFault {
  const twins = ctx.devices.map((d) => twinOf(ctx, d));
  // Devices with no gateway talk to the broker directly and are cut off themselves.
  const direct = twins.filter((t) => t.spec.gateway_id === null);
  for (const t of direct) {
    t.link_blocks++;
    t.linkLost('uplink_down');
  }
  for (const t of twins) if (t.spec.gateway_id !== null) t.linkLost('uplink_down');
  return {
    applied: true,
    end: () => {
      for (const t of direct) t.link_blocks--;
    },
  };
}

function mangle(rng: Rng, message_class: MessageClass, p: Record<string, unknown>): Record<string, unknown> {
  switch (rng.int(0, 3)) {
    case 0:
      return { ...p, v: 0 }; // wrong contract version
    case 1: {
      const { seq: _seq, ...rest } = p; // a required field gone
      return rest;
    }
    case 2:
      // A type the contract does not allow (a stringly-typed reading, an unknown event code).
      return message_class === MessageClass.telemetry ? { ...p, values: 'ERR' } : { ...p, type: 'EVT_0x3F' };
    default:
      return { ...p, ts: -1 }; // an impossible timestamp
  }
}

/** Starts the fault's effect now; the returned handle ends it. */
export function startEffect(ctx: EffectContext): ActiveFault {
  const { sim, rng, instance } = ctx;
  const p = instance.params;
  const now = sim.clock.now_ms;
  switch (instance.fault) {
    case 'sensor_stuck': {
      // Frozen at the last reported values (or the first reading after the fault began).
      const frozen = new Map<string, Values>();
      return deviceEffect(ctx, {
        values: (twin, _now, v) => {
          let f = frozen.get(twin.id);
          if (f === undefined) {
            f = { ...(twin.last_values ?? v) };
            frozen.set(twin.id, f);
          }
          return f;
        },
      });
    }
    case 'sensor_drift': {
      const rate = (p.rate_per_h ?? 0) / 3_600_000;
      return deviceEffect(ctx, { values: (_t, t_ms, v) => shiftValues(v, () => rate * (t_ms - now)) });
    }
    case 'sensor_noise': {
      const sd = p.sd ?? 0;
      return deviceEffect(ctx, { values: (_t, _n, v) => shiftValues(v, () => rng.normal(0, sd)) });
    }
    case 'battery_depletion': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d));
      for (const t of twins) t.battery?.drainWithin(now, p.to_empty ?? 0);
      return { applied: twins.some((t) => t.battery !== null), end: () => twins.forEach((t) => t.battery?.stopExtraDrain(sim.clock.now_ms)) };
    }
    case 'firmware_crash': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d));
      const stop = repeating(ctx, now, () => jitter(rng, p.period ?? 240_000), () => twins.forEach((t) => t.crash('firmware_crash')));
      return { applied: true, end: stop };
    }
    case 'lock_jam': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d));
      for (const t of twins) {
        t.local.jammed = true;
        if (t.power === 'online') t.event('lock_jammed');
      }
      return { applied: true, end: () => twins.forEach((t) => (t.local.jammed = false)) };
    }
    case 'door_propped': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d)).filter((t) => t.power === 'online');
      for (const t of twins) propDoor(t);
      return { applied: twins.length > 0, end: () => twins.forEach((t) => releaseDoor(t)) };
    }
    case 'hvac_compressor_failure': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d));
      for (const t of twins) t.local.health = p.health ?? 0;
      return { applied: true, end: () => twins.forEach((t) => delete t.local.health) };
    }
    case 'lighting_driver_failure': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d));
      for (const t of twins) {
        t.local.driver_failed = true;
        if (t.power === 'online') t.event('driver_failure');
        t.wake();
      }
      return {
        applied: true,
        end: () =>
          twins.forEach((t) => {
            t.local.driver_failed = false;
            t.wake();
          }),
      };
    }
    case 'clock_skew': {
      const offset_ms = Math.round((p.offset_s ?? 0) * 1000);
      return deviceEffect(ctx, { payload: (_t, _c, pl) => (typeof pl.ts === 'number' ? { ...pl, ts: Math.max(0, pl.ts + offset_ms) } : pl) });
    }
    case 'malformed_payloads': {
      const share = Math.round((p.percent ?? 100) * 100);
      return deviceEffect(ctx, {
        payload: (_t, cls, pl) => ((cls === MessageClass.telemetry || cls === MessageClass.event) && rng.chance(share, 10_000) ? mangle(rng, cls, pl) : pl),
      });
    }
    case 'leak': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d));
      const ready = twins.filter((t) => t.power === 'online' && t.local.leak !== true);
      const duration_ms = instance.end_ms === null ? undefined : instance.end_ms - instance.start_ms;
      for (const t of ready) startLeak(t, duration_ms);
      return { applied: ready.length > 0, end: () => {} };
    }
    case 'reboot':
    case 'device_down':
    case 'gateway_down': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d));
      for (const t of twins) t.die(instance.fault);
      // The sessions of a gateway's devices ride on its connection: they end with it (nobody is
      // left to send their wills) and the devices rejoin once it is back, announcing themselves
      // again as a Sparkplug edge node republishes its devices' births.
      const children = twins.filter((t) => t.spec.kind === 'gateway').flatMap((g) => ctx.children(g.id).map((c) => twinOf(ctx, c)));
      for (const c of children) c.linkLost('parent_down');
      // Power back: the device boots again by itself (no technician needed).
      return { applied: true, end: () => twins.forEach((t) => t.restorePower()) };
    }
    case 'packet_loss':
    case 'rf_interference': {
      const share = Math.round((p.percent ?? 0) * 100);
      return deviceEffect(instance.fault === 'rf_interference' ? { ...ctx, devices: ctx.devices.filter(isRadio) } : ctx, { lost: () => rng.chance(share, 10_000) });
    }
    case 'link_flapping': {
      const twins = ctx.devices.map((d) => twinOf(ctx, d));
      let blocked = false;
      let on = true;
      const up = (): void => {
        if (blocked) twins.forEach((t) => t.link_blocks--);
        blocked = false;
        if (on) sim.queue.schedule(sim.clock.now_ms + jitter(rng, p.up ?? 180_000), Priority.fault, 'link-down', down);
      };
      const down = (): void => {
        if (!on) return;
        blocked = true;
        for (const t of twins) {
          t.link_blocks++;
          t.linkLost('link_flap');
          // A gateway's devices ride on its link: they lose their sessions with it and rejoin after.
          if (t.spec.kind === 'gateway') for (const c of ctx.children(t.id)) twinOf(ctx, c).linkLost('parent_down');
        }
        sim.queue.schedule(sim.clock.now_ms + jitter(rng, p.down ?? 120_000), Priority.fault, 'link-up', up);
      };
      down();
      return {
        applied: true,
        end: () => {
          on = false;
          if (blocked) twins.forEach((t) => t.link_blocks--);
          blocked = false;
        },
      };
    }
    case 'floor_power':
    case 'building_power':
      return powerCut(ctx);
    case 'site_uplink':
    case 'building_uplink':
      return uplinkDown(ctx);
    case 'broker':
      // The harness stops and starts the broker itself (on step boundaries, for real over MQTT).
      return NOOP;
    case 'platform_restart': {
      ctx.platform_gate?.down(now);
      return { applied: ctx.platform_gate !== undefined, end: () => ctx.platform_gate?.up(sim.clock.now_ms) };
    }
    default:
      throw new MspError('FAULT_NO_EFFECT', `fault class "${instance.fault}" has no effect`);
  }
}
