/**
 * The device side of a firmware update (docs/patching.md): idle → downloading (resumable; time =
 * image size / link rate; paused by link loss) → downloaded → verifying (hash and signature) →
 * waiting_window (for the platform's install command) → installing → rebooting → health_check →
 * committed; or rolled_back (A/B flash boots its old slot), bricked (single-bank flash that fails
 * to boot stays dead until a technician replaces it), failed, rejected, deferred or cancelled.
 *
 * Every state change is reported on the `ota` topic with a result code from the contract's one
 * taxonomy. Timers belong to the twin, so a crash cancels them; the agent picks up from its saved
 * state at the next boot or connection, as a real bootloader and update client do.
 */
import type { OtaCommandPayload, OtaResult, OtaState } from '../../platform/contract/messages.ts';
import { MessageClass } from '../../platform/contract/topics.ts';
import { Priority } from '../kernel/event-queue.ts';
import type { Radio } from './models.ts';
import type { DeviceTwin } from './twin.ts';

/** An image on the update server as the device will receive it (the sim knows if it is corrupt). */
export interface FirmwareImage {
  readonly model: string;
  readonly version: string;
  readonly size_bytes: number;
  readonly sha256: string;
  /** The bytes served do not match the published hash (a botched upload, a CDN fault). */
  readonly corrupt: boolean;
  readonly signature_valid: boolean;
  readonly min_battery_pct: number;
  readonly compatible_from: readonly string[];
}

/** Effective OTA throughput by link, bits per second (Zigbee OTA and DALI are famously slow). */
export const OTA_LINK_BPS: Readonly<Record<Radio, number>> = {
  zigbee: 4_000,
  thread: 20_000,
  ble: 16_000,
  'bacnet-mstp': 30_000,
  dali: 2_400,
  ethernet: 4_000_000,
};

const CHUNKS = 4;
const VERIFY_MS = 15_000;
const HEALTH_CHECK_MS = 3 * 60_000;
const BATTERY_RECHECK_MS = 3_600_000;
const BATTERY_RECHECKS = 24;
/** Chance per chunk that a radio transfer stalls and must resume (1 in N); wired links never do. */
const STALL_ONE_IN = 30;
const INSTALL_MS: Readonly<Record<string, number>> = { occupancy: 20_000, env: 20_000, leak: 20_000, lock: 45_000, hvac: 90_000, lighting: 40_000, gateway: 180_000 };

const ACTIVE: ReadonlySet<OtaState> = new Set(['deferred', 'downloading', 'downloaded', 'verifying', 'waiting_window', 'installing', 'rebooting', 'health_check']);

export interface OtaHost {
  image(model: string, version: string): FirmwareImage | undefined;
}

export class OtaAgent {
  readonly #twin: DeviceTwin;
  readonly #host: OtaHost;
  state: OtaState = 'idle';
  result: OtaResult = 'ok';
  job = '';
  from = '';
  to = '';
  #image: FirmwareImage | undefined;
  #bytes_done = 0;
  #battery_checks = 0;
  /** The boot number the agent last judged, so a rejoin retry is not a second boot. */
  #judged_boot = -1;
  /** Set while a transfer is stalled or paused, so reconnecting resumes it once. */
  #paused = false;
  /** Firmware to restore if a technician replaces a bricked unit. */
  #previous = '';

  constructor(twin: DeviceTwin, host: OtaHost) {
    this.#twin = twin;
    this.#host = host;
  }

  get bricked(): boolean {
    return this.state === 'bricked';
  }

  /** Whether this job bricked the device (still true after a technician replaced it). */
  bricked_once = false;

  /** A command from the platform (already parsed and validated). */
  onCommand(cmd: OtaCommandPayload): void {
    if (cmd.action === 'cancel') {
      if (cmd.job === this.job && (this.state === 'deferred' || this.state === 'downloading' || this.state === 'downloaded' || this.state === 'verifying' || this.state === 'waiting_window')) {
        this.#set('cancelled', 'cancelled');
      }
      return;
    }
    if (cmd.action === 'install') {
      if (cmd.job !== this.job || this.state !== 'waiting_window') {
        if (cmd.job === this.job) this.#report(); // repeat where we are; the platform resynchronises
        return;
      }
      this.#install();
      return;
    }
    // download
    if (cmd.job === this.job && ACTIVE.has(this.state)) {
      this.#report();
      return;
    }
    if (ACTIVE.has(this.state)) {
      this.#reportFor(cmd.job, this.#twin.firmware.version, cmd.fw, 'rejected', 'in_progress');
      return;
    }
    this.job = cmd.job;
    this.bricked_once = false;
    this.from = this.#twin.firmware.version;
    this.to = cmd.fw;
    this.#bytes_done = 0;
    this.#battery_checks = 0;
    this.#paused = false;
    if (cmd.fw === this.from) {
      this.#set('committed', 'ok');
      return;
    }
    const image = this.#host.image(this.#twin.spec.model, cmd.fw);
    this.#image = image;
    if (image === undefined || (image.compatible_from.length > 0 && !image.compatible_from.includes(this.from))) {
      this.#set('rejected', 'incompatible');
      return;
    }
    if (image.size_bytes > storageBytes(this.#twin)) {
      this.#set('rejected', 'insufficient_storage');
      return;
    }
    this.#startDownload();
  }

  #startDownload(): void {
    const image = this.#image!;
    const battery = this.#twin.battery;
    // The firmware judges by its own voltage-derived reading, as it reports it (docs/world.md).
    if (battery && this.#twin.batteryPct() < image.min_battery_pct) {
      if (this.#battery_checks >= BATTERY_RECHECKS) {
        this.#set('failed', 'low_battery');
        return;
      }
      this.#battery_checks++;
      if (this.state !== 'deferred') this.#set('deferred', 'low_battery');
      this.#twin.schedule(this.#now() + BATTERY_RECHECK_MS, Priority.device, 'ota-battery', () => {
        if (this.state === 'deferred') this.#startDownload();
      });
      return;
    }
    this.#set('downloading', 'in_progress', 0);
    this.#nextChunk();
  }

  #chunkMs(): number {
    const image = this.#image!;
    const bps = OTA_LINK_BPS[this.#twin.model.radio];
    return Math.max(1_000, Math.ceil((image.size_bytes * 8 * 1000) / bps / CHUNKS));
  }

  #nextChunk(): void {
    this.#twin.schedule(this.#now() + this.#chunkMs(), Priority.device, 'ota-chunk', () => this.#chunkDone());
  }

  #chunkDone(): void {
    if (this.state !== 'downloading') return;
    const twin = this.#twin;
    if (!twin.connected || !twin.host.parentUp(twin)) {
      // The link is gone: keep what we have and resume when the device is back (resumable download).
      this.#paused = true;
      return;
    }
    twin.battery?.report(CHUNKS * 4);
    if (twin.model.radio !== 'ethernet' && twin.rng.chance(1, STALL_ONE_IN)) {
      // A stalled transfer: report it and resume after a pause, from the last complete chunk.
      this.#set('downloading', 'connection_lost', this.#progress());
      twin.schedule(this.#now() + twin.rng.int(30_000, 120_000), Priority.device, 'ota-resume', () => {
        if (this.state === 'downloading') {
          this.#set('downloading', 'in_progress', this.#progress());
          this.#nextChunk();
        }
      });
      return;
    }
    const chunk = Math.ceil(this.#image!.size_bytes / CHUNKS);
    this.#bytes_done = Math.min(this.#image!.size_bytes, this.#bytes_done + chunk);
    if (this.#bytes_done < this.#image!.size_bytes) {
      if (this.#bytes_done * 2 >= this.#image!.size_bytes && (this.#bytes_done - chunk) * 2 < this.#image!.size_bytes) this.#set('downloading', 'in_progress', this.#progress());
      this.#nextChunk();
      return;
    }
    this.#set('downloaded', 'in_progress', 100);
    this.#set('verifying', 'in_progress', 100);
    twin.schedule(this.#now() + VERIFY_MS, Priority.device, 'ota-verify', () => this.#verified());
  }

  #verified(): void {
    if (this.state !== 'verifying') return;
    const image = this.#image!;
    if (image.corrupt) this.#set('failed', 'integrity_failure');
    else if (!image.signature_valid) this.#set('failed', 'invalid_signature');
    else this.#set('waiting_window', 'ok', 100);
  }

  #install(): void {
    const twin = this.#twin;
    this.#set('installing', 'in_progress');
    const install_ms = INSTALL_MS[twin.spec.kind] ?? 60_000;
    twin.schedule(this.#now() + install_ms, Priority.device, 'ota-install', () => {
      if (this.state !== 'installing') return;
      this.#set('rebooting', 'in_progress');
      this.#previous = this.from;
      twin.restart('ota');
    });
  }

  /**
   * Called as the device finishes booting (once per boot). Returns false when the boot does not
   * bring the device up: a failed boot of the new image (rolled back or bricked) or an install
   * interrupted by a crash.
   */
  onBoot(boot_no: number): boolean {
    if (boot_no === this.#judged_boot) return true;
    this.#judged_boot = boot_no;
    const twin = this.#twin;
    if (this.state === 'installing') {
      // Power lost mid-write: an A/B device still has its old slot; a single bank is corrupt.
      if (twin.model.flash === 'ab') {
        this.#set('failed', 'install_failed');
        return true;
      }
      this.#brick('install_failed');
      return false;
    }
    if (this.state === 'rebooting') {
      const profile = twin.host.firmwareProfile(twin.spec.model, this.to);
      if (profile.boot_failure_ratio > 0 && twin.rng.uniform(0, 1) < profile.boot_failure_ratio) {
        if (twin.model.flash === 'ab') {
          // The bootloader's boot counter runs out and it falls back to the old slot.
          this.#set('rolled_back', 'boot_failure');
          twin.host.fact('ota', { d: twin.id, s: 'rolled_back', to: this.to });
          twin.powerOn(this.#now());
          return false;
        }
        this.#brick('boot_failure');
        return false;
      }
      twin.installFirmware(profile);
      twin.host.fact('ota', { d: twin.id, s: 'booted', fw: this.to });
      this.state = 'health_check';
      this.result = 'in_progress';
      // Reported once connected (the device is not on the network yet).
      return true;
    }
    if (this.state === 'health_check') {
      // A crash during the health check: A/B devices revert; a single bank can only try again.
      if (twin.model.flash === 'ab') {
        twin.installFirmware(twin.host.firmwareProfile(twin.spec.model, this.from));
        this.#set('rolled_back', 'health_check_failed');
        twin.host.fact('ota', { d: twin.id, s: 'rolled_back', to: this.to });
      } else this.result = 'in_progress'; // the check starts over once the device is back
      return true;
    }
    return true;
  }

  #brick(result: OtaResult): void {
    this.bricked_once = true;
    this.state = 'bricked';
    this.result = result;
    this.#twin.host.fact('ota', { d: this.#twin.id, s: 'bricked', to: this.to, why: result });
    this.#twin.die('bricked');
  }

  /** The device has (re)connected: resume a paused transfer, start a health check, resend state. */
  onConnected(): void {
    if (this.state === 'downloading' && this.#paused) {
      this.#paused = false;
      this.#set('downloading', 'in_progress', this.#progress());
      this.#nextChunk();
      return;
    }
    if (this.state === 'health_check' && this.result === 'in_progress') {
      this.result = 'ok';
      this.#set('health_check', 'in_progress');
      const boot_epoch = this.#judged_boot;
      this.#twin.schedule(this.#now() + HEALTH_CHECK_MS, Priority.device, 'ota-health', () => {
        if (this.state === 'health_check' && this.#judged_boot === boot_epoch) this.#set('committed', 'ok');
      });
      return;
    }
    if (this.state === 'rolled_back' || this.state === 'failed' || this.state === 'committed') this.#report();
  }

  /** A technician replaced a bricked unit: it arrives on `replacement_fw`, or else on the previous firmware. */
  onRepair(replacement_fw?: string): void {
    if (this.state !== 'bricked') return;
    // A replacement unit: the spares stock's version when the field service names one, else the
    // technician flashes it to the version the bricked unit ran before its failed update.
    this.#twin.installFirmware(this.#twin.host.firmwareProfile(this.#twin.spec.model, replacement_fw ?? (this.#previous || this.from)));
    this.state = 'idle';
    this.result = 'ok';
  }

  #progress(): number {
    const size = this.#image?.size_bytes ?? 1;
    return Math.round((this.#bytes_done * 100) / size);
  }

  #now(): number {
    return this.#twin.host.clock.now_ms;
  }

  #set(state: OtaState, result: OtaResult, progress_pct?: number): void {
    this.state = state;
    this.result = result;
    this.#report(progress_pct);
  }

  #report(progress_pct?: number): void {
    this.#reportFor(this.job, this.from, this.to, this.state, this.result, progress_pct);
  }

  #reportFor(job: string, from: string, to: string, state: OtaState, result: OtaResult, progress_pct?: number): void {
    const twin = this.#twin;
    if (twin.power !== 'online') return;
    const payload: Record<string, unknown> = { v: 1, id: twin.id, seq: twin.nextSeq(), ts: this.#now(), job, from, to, state, result };
    if (progress_pct !== undefined) payload.progress_pct = progress_pct;
    twin.send(MessageClass.ota, payload, 'reliable');
  }
}

/** Room for a staged image: a single bank stages into spare flash; an A/B device has a whole slot. */
function storageBytes(twin: DeviceTwin): number {
  return Math.round(twin.firmware.image_size_bytes * (twin.model.flash === 'ab' ? 3 : 2));
}
