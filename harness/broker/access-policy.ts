/**
 * Who may connect to the twin's broker and what each principal may publish and subscribe to.
 * Pure (no I/O, no clock) so the whole policy is unit-testable and the broker wiring stays thin.
 *
 * The contract (platform/contract/topics.ts) gives every device the prefix `msp/v1/<site>/<id>/`;
 * the rules below are prefix checks on it. The property that matters most: no filter a device is
 * allowed can match another device's commands, and no topic a device may publish can impersonate
 * another device (a forged `state: offline` or a forged alarm `event`).
 */
import { parseDeviceTopic, SIM_TOPIC_ROOT, TOPIC_ROOT, topicMatches } from '../../platform/contract/topics.ts';
import { ROLE_USERNAMES, type Role, verifyDevicePassword, verifyRolePassword } from '../../platform/contract/credentials.ts';

export type IdentityRole = 'device' | Role;

export interface Identity {
  role: IdentityRole;
  /** The device id for devices, the role username (`msp-platform`, …) for role users. */
  name: string;
}

export type AuthRefusalCode =
  | 'BROKER_AUTH_NO_USERNAME'
  | 'BROKER_AUTH_BAD_USERNAME'
  | 'BROKER_AUTH_CLIENT_ID_MISMATCH'
  | 'BROKER_AUTH_BAD_PASSWORD';

export interface AuthRefusal {
  refused: true;
  code: AuthRefusalCode;
  /** One human line, safe to log: never contains the presented password. */
  reason: string;
}

export interface AccessPolicyOptions {
  fleet_secret: string;
  /**
   * Gateway id → ids of the devices whose traffic it carries (gateway mode: one connection per
   * gateway instead of one per device).
   */
  gateway_children?: ReadonlyMap<string, readonly string[]>;
  /**
   * Insecure: anyone may connect and do anything (`msp-twin broker --open`). For a throwaway local
   * broker only; every client can then impersonate every device.
   */
  allow_anonymous?: boolean;
}

export function isAuthRefusal(result: Identity | AuthRefusal): result is AuthRefusal {
  return 'refused' in result;
}

const PLATFORM_ROOT = `${TOPIC_ROOT}/$platform`;
const SIM_ACK_TOPIC = `${SIM_TOPIC_ROOT}/ack`;

const ROLE_BY_USERNAME: ReadonlyMap<string, Role> = new Map(
  (Object.entries(ROLE_USERNAMES) as Array<[Role, string]>).map(([role, username]) => [username, role]),
);

/**
 * A device id becomes a topic level in every ACL check, so characters with meaning to MQTT or to
 * the contract (`/`, wildcards, a leading `$`) would let a crafted id escape its prefix.
 */
function isTopicSafeId(id: string): boolean {
  return id.length > 0 && !id.startsWith('$') && !/[/+#\u0000]/.test(id);
}

/** A literal (non-wildcard, non-`$`) site level: the only kind a device may name in a filter. */
function isLiteralSite(level: string | undefined): level is string {
  return level !== undefined && level.length > 0 && level !== '+' && level !== '#' && !level.startsWith('$');
}

/**
 * True when every topic that `filter` can match is also matched by `pattern` (filter ⊆ pattern),
 * with `+`/`#` in both. Used instead of string prefixes so `msp/v1/+/x/cmd/#` and `msp/v1/#` are
 * judged by what they can receive, not by how they are spelled.
 */
export function filterWithin(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  for (let i = 0; i < p.length; i++) {
    const pl = p[i]!;
    // `#` also matches the parent level ([MQTT-4.7.1-2]), so a filter that ends right here is inside too.
    if (pl === '#') return i === p.length - 1;
    const fl = f[i];
    if (fl === undefined) return false; // the filter matches a shorter topic that the pattern cannot
    if (fl === '#') return false; // the filter reaches arbitrarily deep where the pattern pins a level
    if (fl === '+') {
      if (pl !== '+') return false;
      continue;
    }
    if (pl !== '+' && pl !== fl) return false;
  }
  return f.length === p.length;
}

export class AccessPolicy {
  private readonly fleet_secret: string;
  private readonly children_by_gateway: ReadonlyMap<string, ReadonlySet<string>>;
  readonly allow_anonymous: boolean;

  constructor(options: AccessPolicyOptions) {
    this.fleet_secret = options.fleet_secret;
    this.allow_anonymous = options.allow_anonymous ?? false;
    const children = new Map<string, ReadonlySet<string>>();
    for (const [gateway, ids] of options.gateway_children ?? []) children.set(gateway, new Set(ids));
    this.children_by_gateway = children;
  }

  authenticate(client_id: string, username: string | undefined, password: string | Buffer | undefined): Identity | AuthRefusal {
    if (this.allow_anonymous) {
      const role = username !== undefined ? ROLE_BY_USERNAME.get(username) : undefined;
      if (role !== undefined) return { role, name: ROLE_USERNAMES[role] };
      return { role: 'device', name: username ?? client_id };
    }
    if (username === undefined || username.length === 0) {
      return { refused: true, code: 'BROKER_AUTH_NO_USERNAME', reason: 'no username (anonymous access is off)' };
    }
    const role = ROLE_BY_USERNAME.get(username);
    if (role !== undefined) {
      if (!verifyRolePassword(this.fleet_secret, role, password)) {
        return { refused: true, code: 'BROKER_AUTH_BAD_PASSWORD', reason: `wrong password for ${username}` };
      }
      return { role, name: username };
    }
    if (!isTopicSafeId(username)) {
      return { refused: true, code: 'BROKER_AUTH_BAD_USERNAME', reason: `username ${JSON.stringify(username)} is not a device id` };
    }
    // The client id is what the broker keys sessions (and session takeover) on: a device logging
    // in under another client id could kick that client off or inherit its session.
    if (client_id !== username) {
      return {
        refused: true,
        code: 'BROKER_AUTH_CLIENT_ID_MISMATCH',
        reason: `device ${username} must connect with client id ${username}, not ${JSON.stringify(client_id)}`,
      };
    }
    // Every id has a password (derived from the secret), so an unknown device and a wrong password
    // are the same refusal; the broker need not carry the fleet's device list.
    if (!verifyDevicePassword(this.fleet_secret, username, password)) {
      return { refused: true, code: 'BROKER_AUTH_BAD_PASSWORD', reason: `wrong password for device ${username}` };
    }
    return { role: 'device', name: username };
  }

  /** The device ids this identity speaks for: itself, plus its children when it is a gateway. */
  private ownsDevice(identity: Identity, device_id: string): boolean {
    if (identity.name === device_id) return true;
    return this.children_by_gateway.get(identity.name)?.has(device_id) ?? false;
  }

  canPublish(identity: Identity, topic: string): boolean {
    if (this.allow_anonymous) return true;
    switch (identity.role) {
      case 'device': {
        // parseDeviceTopic already refuses `$`-sites (the control plane) and unknown classes.
        const parsed = parseDeviceTopic(topic);
        return parsed !== undefined && this.ownsDevice(identity, parsed.device_id);
      }
      case 'platform':
        return isCommandTopic(topic) || topic === SIM_ACK_TOPIC || topicMatches(`${PLATFORM_ROOT}/#`, topic);
      case 'sim':
        return topicMatches(`${SIM_TOPIC_ROOT}/#`, topic);
      case 'viewer':
        return false;
    }
  }

  canSubscribe(identity: Identity, filter: string): boolean {
    if (this.allow_anonymous) return true;
    switch (identity.role) {
      case 'device':
        return this.deviceMaySubscribe(identity, filter);
      case 'platform':
      case 'viewer':
        return isUnderRoot(filter);
      case 'sim':
        return filterWithin(filter, `${SIM_TOPIC_ROOT}/#`) || filterWithin(filter, `${TOPIC_ROOT}/+/+/cmd/#`);
    }
  }

  private deviceMaySubscribe(identity: Identity, filter: string): boolean {
    const levels = filter.split('/');
    const [root, version, site, device_id, cmd] = levels;
    if (`${root}/${version}` !== TOPIC_ROOT || device_id === undefined || cmd !== 'cmd') return false;
    if (!isTopicSafeId(device_id) || !this.ownsDevice(identity, device_id)) return false;
    // A device's id is unique across sites, so `+` in the site level still reaches only its own
    // commands; any other use of a site wildcard is refused to keep the rule obviously safe.
    if (site === '+') return filter === `${TOPIC_ROOT}/+/${device_id}/cmd/#`;
    if (!isLiteralSite(site)) return false;
    // Strictly below `cmd/`: at least one more level, wildcards only within it.
    return levels.length >= 6 && filterWithin(filter, `${TOPIC_ROOT}/${site}/${device_id}/cmd/#`);
  }
}

/** `msp/v1/<site>/<device>/cmd/<name…>` with real (non-`$`) site and device levels. */
function isCommandTopic(topic: string): boolean {
  const levels = topic.split('/');
  if (levels.length < 6 || !topicMatches(`${TOPIC_ROOT}/+/+/cmd/#`, topic)) return false;
  const [, , site, device_id, , command] = levels;
  return isLiteralSite(site) && device_id !== undefined && isTopicSafeId(device_id) && command !== undefined && command.length > 0;
}

/** Any filter whose matches all lie under `msp/v1/` (e.g. `msp/v1/#`, `msp/v1/+/+/+`). */
function isUnderRoot(filter: string): boolean {
  return filter.split('/').length >= 3 && filterWithin(filter, `${TOPIC_ROOT}/#`);
}
