/**
 * Admission: the checks after a message is well-formed and before the platform believes it
 * (docs/security.md). A valid payload is not a true one: a device may claim another site, kind
 * or model in its birth, stamp a far-future `ts` to never be declared dead, or an attacker with
 * one credential may invent thousands of devices. Pure: the platform's clock arrives as
 * `received_ms`, the registry as two functions.
 */
import type { DeviceMessage } from '../core/model.ts';

/** What provisioning pins for a device: where it is installed and what it is. */
export interface ProvisionedDevice {
  readonly site: string;
  readonly kind: string;
  readonly model: string;
}

export interface AdmissionOptions {
  /** Device id → provisioned identity; absent = unprovisioned devices are admitted (`--allow-unprovisioned`). */
  readonly provisioning?: ReadonlyMap<string, ProvisionedDevice>;
  /**
   * Production only: a message whose `ts` is further than this from the platform's receive time
   * is quarantined as `clock_skew`. Simulated runs leave it unset (they run on virtual time).
   */
  readonly skew_window_ms?: number;
  /** Most devices the registry may hold; births of further new devices are refused. */
  readonly max_devices?: number;
  /**
   * Production only: heartbeat deadlines run from the platform's clock at receipt, not from the
   * device's `ts` (which is then only checked against skew_window_ms): platform/ingest/receipt-clock.ts.
   */
  readonly receipt_clock?: boolean;
}

export interface AdmissionDeps {
  readonly known: (device_id: string) => boolean;
  readonly size: () => number;
}

export type AdmissionReason = 'unprovisioned' | 'provisioning_mismatch' | 'clock_skew' | 'registry_full';

/** ±5 minutes: NTP-synced devices are within seconds; a broker queue after an outage adds minutes. */
export const DEFAULT_SKEW_WINDOW_MS = 5 * 60_000;
export const DEFAULT_MAX_DEVICES = 1_000_000;

/** What adding a device to provisioning would do (see Admission.provision). */
export type ProvisionVerdict =
  | { readonly verdict: 'add' }
  | { readonly verdict: 'same' }
  | { readonly verdict: 'conflict'; readonly detail: string }
  | { readonly verdict: 'full'; readonly detail: string };

/** Devices provisioned after the start (the API), in the order they were added: part of the platform's state. */
export type AdmissionState = ReadonlyArray<readonly [string, ProvisionedDevice]>;

export class Admission {
  readonly #options: AdmissionOptions;
  readonly #deps: AdmissionDeps;
  /** Provisioned while running (`POST /api/v1/devices`); the start's provisioning is never changed. */
  #added = new Map<string, ProvisionedDevice>();

  constructor(options: AdmissionOptions, deps: AdmissionDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  provisioned(device_id: string): ProvisionedDevice | undefined {
    return this.#options.provisioning?.get(device_id) ?? this.#added.get(device_id);
  }

  /** Devices provisioned at the start and since. */
  provisionedCount(): number {
    return (this.#options.provisioning?.size ?? 0) + this.#added.size;
  }

  /**
   * Whether `device` may be provisioned as `device_id`: the same identity again is a no-op, a
   * different one contradicts what is provisioned (or what the device's birth already told an
   * open platform, `seen`), and provisioning is bounded by max_devices like the registry.
   */
  verdict(device_id: string, device: ProvisionedDevice, seen?: ProvisionedDevice): ProvisionVerdict {
    const known = this.provisioned(device_id) ?? seen;
    if (known !== undefined) {
      for (const field of ['site', 'kind', 'model'] as const) {
        if (known[field] !== device[field]) return { verdict: 'conflict', detail: `device ${device_id} is ${this.provisioned(device_id) ? 'provisioned' : 'registered'} with ${field} ${known[field]}, not ${device[field]}` };
      }
      if (this.provisioned(device_id) !== undefined) return { verdict: 'same' };
    }
    const limit = this.#options.max_devices ?? DEFAULT_MAX_DEVICES;
    if (this.provisionedCount() >= limit) return { verdict: 'full', detail: `provisioning holds its limit of ${limit} devices` };
    return { verdict: 'add' };
  }

  /** Adds a device whose verdict was `add` (the caller checks first, so a refusal can be reported). */
  provision(device_id: string, device: ProvisionedDevice): void {
    this.#added.set(device_id, { site: device.site, kind: device.kind, model: device.model });
  }

  saveState(): AdmissionState {
    return [...this.#added].map(([id, d]) => [id, { ...d }] as const);
  }

  loadState(state: AdmissionState | undefined): void {
    this.#added = new Map((state ?? []).map(([id, d]) => [id, { ...d }]));
  }

  /** Undefined to admit; otherwise the reason and a one-line detail for the quarantine. */
  check(msg: DeviceMessage): { reason: AdmissionReason; detail: string } | undefined {
    const provisioned = this.provisioned(msg.device_id);
    if (this.#options.provisioning !== undefined && provisioned === undefined) {
      return { reason: 'unprovisioned', detail: `device ${msg.device_id} is not provisioned` };
    }
    if (provisioned !== undefined) {
      // The broker pins the topic's site too; the platform does not rely on the broker for it.
      if (msg.site_id !== provisioned.site) return { reason: 'provisioning_mismatch', detail: `topic site ${msg.site_id}, provisioned at ${provisioned.site}` };
      if (msg.type === 'birth') {
        const b = msg.payload;
        for (const [field, claimed, expected] of [['site', b.site, provisioned.site], ['kind', b.kind, provisioned.kind], ['model', b.model, provisioned.model]] as const) {
          if (claimed !== expected) return { reason: 'provisioning_mismatch', detail: `birth claims ${field} ${claimed}, provisioned ${expected}` };
        }
      }
    }
    const window = this.#options.skew_window_ms;
    if (window !== undefined) {
      const ts = (msg.payload as { ts?: number }).ts;
      if (ts !== undefined && Math.abs(ts - msg.received_ms) > window) {
        return { reason: 'clock_skew', detail: `ts ${ts} is ${Math.round((ts - msg.received_ms) / 1000)} s from receipt (window ±${window / 1000} s)` };
      }
    }
    if (msg.type === 'birth' && !this.#deps.known(msg.device_id) && this.#deps.size() >= (this.#options.max_devices ?? DEFAULT_MAX_DEVICES)) {
      return { reason: 'registry_full', detail: `registry holds its limit of ${this.#options.max_devices ?? DEFAULT_MAX_DEVICES} devices` };
    }
    return undefined;
  }
}
