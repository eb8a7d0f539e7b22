/**
 * The insecure defaults stay on loopback: the public development secret and --open are refused on
 * any other interface unless the operator names --insecure-public-bind; an API beyond loopback
 * needs a configured token. And `msp-twin broker --fleet` admits only provisioned devices.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerCommand } from '../../harness/cli/commands/broker.ts';
import { DEFAULT_DEV_SECRET, devicePassword } from '../../platform/contract/credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'msp-insecure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const silent = { stdout: { write: () => true }, stderr: { write: () => true } };
const never = new Promise<void>(() => {});

describe('insecure defaults off loopback', () => {
  it('refuses the development secret on 0.0.0.0 without --insecure-public-bind (exit class bad input)', async () => {
    await expect(brokerCommand({ host: '0.0.0.0', port: 0, ws_port: 0, secret: DEFAULT_DEV_SECRET, open: false }, silent, never)).rejects.toMatchObject({ code: 'BROKER_INSECURE_BIND', exit: 'bad_input' });
  });

  it('refuses --open on a non-loopback interface even with a real secret', async () => {
    await expect(brokerCommand({ host: '192.0.2.10', port: 0, ws_port: 0, secret: 'a-real-secret-0123456789', open: true }, silent, never)).rejects.toMatchObject({ code: 'BROKER_INSECURE_BIND' });
  });

  it('msp-twin broker --fleet: a provisioned device logs in, an unprovisioned one with a valid password does not', async () => {
    const fleet = join(dir, 'fleet.csv');
    writeFileSync(fleet, 'id,site,kind,model\nnyc-env-1,nyc,env,ENV-TH-110\n');
    let out = '';
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } };
    const running = brokerCommand({ host: '127.0.0.1', port: 0, ws_port: 0, secret: 'fleet-test-secret-0123', open: false, fleet }, io, stopped);
    for (let i = 0; i < 100 && !/mqtt:\/\/127\.0\.0\.1:\d+/.test(out); i++) await new Promise((r) => setTimeout(r, 20)); // wall-clock: wait for the listener
    const url = /mqtt:\/\/127\.0\.0\.1:\d+/.exec(out)![0];
    const ok = await mqtt.connectAsync(url, { clientId: 'nyc-env-1', username: 'nyc-env-1', password: devicePassword('fleet-test-secret-0123', 'nyc-env-1'), reconnectPeriod: 0 });
    await ok.endAsync();
    await expect(mqtt.connectAsync(url, { clientId: 'ghost-1', username: 'ghost-1', password: devicePassword('fleet-test-secret-0123', 'ghost-1'), reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
    stop();
    expect(await running).toBe(0);
    expect(out).toContain('1 provisioned devices');
  });
});
