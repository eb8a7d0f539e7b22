/**
 * The MQTT topic contract, version 1 (docs/mqtt-contract.md). Every device owns the prefix
 * `msp/v1/<site>/<device>/`, which makes broker ACLs a prefix check and lets a site's traffic be
 * subscribed with one wildcard. Both the devices (sim) and the platform import this file, so the
 * two sides cannot disagree on a topic.
 */
export const CONTRACT_VERSION = 1;
export const TOPIC_ROOT = 'msp/v1';

export const MessageClass = {
  birth: 'birth', // retained, QoS 1: who the device is (model, firmware, location, session)
  state: 'state', // retained, QoS 1: online/offline; the last will publishes "offline" here
  telemetry: 'telemetry', // QoS 0 in real-time mode (QoS 1 in lockstep): periodic measurements
  event: 'event', // QoS 1: discrete happenings (door forced, leak, reboot)
  ota: 'ota', // QoS 1: firmware update status
} as const;
export type MessageClass = (typeof MessageClass)[keyof typeof MessageClass];

/** Each class by its name: a parsed topic carries the one constant string, not a slice of the topic. */
const CLASS_NAMES: ReadonlyMap<string, MessageClass> = new Map(Object.values(MessageClass).map((c) => [c, c]));
const DEVICE_TOPIC_PREFIX = `${TOPIC_ROOT}/`;

export function deviceTopic(site_id: string, device_id: string, message_class: MessageClass): string {
  return `${TOPIC_ROOT}/${site_id}/${device_id}/${message_class}`;
}

export function commandTopic(site_id: string, device_id: string, command: string): string {
  return `${TOPIC_ROOT}/${site_id}/${device_id}/cmd/${command}`;
}

/** Prefix a device may publish under (ACL) and the filter for its own commands. */
export function devicePrefix(site_id: string, device_id: string): string {
  return `${TOPIC_ROOT}/${site_id}/${device_id}/`;
}

/** Everything the platform ingests from devices. */
export const ALL_DEVICE_MESSAGES = `${TOPIC_ROOT}/+/+/+`;

/** Simulator control plane (clock and lockstep markers); never used by devices. */
export const SIM_TOPIC_ROOT = `${TOPIC_ROOT}/$sim`;

export interface ParsedDeviceTopic {
  site_id: string;
  device_id: string;
  message_class: MessageClass;
}

export interface ParsedCommandTopic {
  site_id: string;
  device_id: string;
  command: string;
}

/** Parses `msp/v1/<site>/<device>/<class>`; undefined for anything else (the caller counts it). */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | undefined {
  // Found by the slashes' places rather than split: ingest parses every message's topic, and the
  // array and the two level strings split made were a steady share of the platform's garbage.
  // test/property/fast-paths.property.test.ts holds it to the split version for any topic.
  if (!topic.startsWith(DEVICE_TOPIC_PREFIX)) return undefined;
  const site_end = topic.indexOf('/', DEVICE_TOPIC_PREFIX.length);
  if (site_end < 0) return undefined;
  const device_end = topic.indexOf('/', site_end + 1);
  if (device_end < 0 || topic.indexOf('/', device_end + 1) >= 0) return undefined;
  const message_class = CLASS_NAMES.get(topic.slice(device_end + 1));
  if (message_class === undefined || site_end === DEVICE_TOPIC_PREFIX.length || device_end === site_end + 1) return undefined;
  if (topic.charCodeAt(DEVICE_TOPIC_PREFIX.length) === 0x24 /* $ */) return undefined;
  return { site_id: topic.slice(DEVICE_TOPIC_PREFIX.length, site_end), device_id: topic.slice(site_end + 1, device_end), message_class };
}

export function parseCommandTopic(topic: string): ParsedCommandTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6 || parts[0] !== 'msp' || parts[1] !== 'v1' || parts[4] !== 'cmd') return undefined;
  const [, , site_id, device_id, , command] = parts as [string, string, string, string, string, string];
  if (!site_id || !device_id || !command) return undefined;
  return { site_id, device_id, command };
}

/** MQTT topic-filter matching with `+` and `#` ([MQTT-4.7.1]); `$`-topics never match a leading wildcard ([MQTT-4.7.2-1]). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
