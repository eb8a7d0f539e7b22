import { canonicalJson } from './canonical-json.ts';
import type { OtaCommandPayload } from './messages.ts';
import { commandTopic } from './topics.ts';

/** A command addressed to one device, before it is put on the wire. */
export interface DeviceCommand {
  readonly device_id: string;
  readonly site_id: string;
  readonly payload: OtaCommandPayload;
}

/** A command as it travels over MQTT: its topic and canonical JSON payload (docs/mqtt-contract.md). */
export interface WireCommand {
  readonly topic: string;
  readonly payload: string;
}

/**
 * The one encoder of an OTA command: the production platform and the simulator's barriers both
 * publish through it, so a rehearsal sends the bytes production sends.
 */
export function encodeOtaCommand(c: DeviceCommand): WireCommand {
  return { topic: commandTopic(c.site_id, c.device_id, 'ota'), payload: canonicalJson(c.payload as unknown as Record<string, unknown>) };
}
