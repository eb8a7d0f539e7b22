/**
 * Broker credentials derived from one fleet secret. Every password is an HMAC of the secret and
 * the principal's name, so the broker, the simulator and the platform need to share only the
 * secret (no password file to generate, ship and keep in sync with a fleet of 4,500 devices), and
 * one device's password says nothing about another's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Development default only: anyone who reads this repository knows it. A broker reachable by
 * anything but the local machine must be given its own secret (`--secret` or `MSP_TWIN_SECRET`).
 */
export const DEFAULT_DEV_SECRET = 'msp-twin-dev-secret';

export type Role = 'platform' | 'sim' | 'viewer';

/** MQTT usernames of the non-device principals; a device's username is its device id. */
export const ROLE_USERNAMES = {
  platform: 'msp-platform',
  sim: 'msp-sim',
  viewer: 'msp-viewer',
} as const satisfies Record<Role, string>;

export const PLATFORM_USERNAME = ROLE_USERNAMES.platform;
export const SIM_USERNAME = ROLE_USERNAMES.sim;
export const VIEWER_USERNAME = ROLE_USERNAMES.viewer;

function hmacHex(fleet_secret: string, message: string): string {
  return createHmac('sha256', fleet_secret).update(message, 'utf8').digest('hex');
}

/** The password of device `device_id` (its MQTT username and client id): hex HMAC-SHA256(secret, `device:<id>`). */
export function devicePassword(fleet_secret: string, device_id: string): string {
  return hmacHex(fleet_secret, `device:${device_id}`);
}

/** The password of a role user: hex HMAC-SHA256(secret, `role:<role>`). */
export function rolePassword(fleet_secret: string, role: Role): string {
  return hmacHex(fleet_secret, `role:${role}`);
}

/**
 * Constant-time comparison, so the time a refusal takes does not reveal how many leading
 * characters of a guess were right. Lengths are compared first (timingSafeEqual requires equal
 * lengths); the expected length is public anyway (64 hex digits).
 */
export function passwordMatches(expected: string, presented: string | Buffer | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = typeof presented === 'string' ? Buffer.from(presented, 'utf8') : presented;
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

export function verifyDevicePassword(fleet_secret: string, device_id: string, presented: string | Buffer | undefined): boolean {
  return passwordMatches(devicePassword(fleet_secret, device_id), presented);
}

export function verifyRolePassword(fleet_secret: string, role: Role, presented: string | Buffer | undefined): boolean {
  return passwordMatches(rolePassword(fleet_secret, role), presented);
}

const ROLE_OF: ReadonlyMap<string, Role> = new Map([
  ['msp-platform', 'platform'],
  ['msp-sim', 'sim'],
  ['msp-viewer', 'viewer'],
]);

/** Username/password for a client id: role users by their role, devices by their id. */
export function fleetCredentials(secret: string): (client_id: string) => { username: string; password: string } {
  return (client_id) => {
    const role = ROLE_OF.get(client_id);
    if (role) return { username: ROLE_USERNAMES[role], password: rolePassword(secret, role) };
    return { username: client_id, password: devicePassword(secret, client_id) };
  };
}
