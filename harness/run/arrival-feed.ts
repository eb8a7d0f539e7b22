import type { Platform } from '../../platform/core/platform.ts';
import type { ReceivedMessage } from './step-receiver.ts';

/**
 * The platform's input in a simulated real-time run (`--speed`): messages in broker arrival
 * order, each received at the virtual time of the sim's latest advance — the quantum the
 * real-time loop moves in (harness/run/realtime.ts) — never at an instant inside it. Arrival
 * order within a quantum is the broker's (per-publisher order kept, interleaving free); stamping
 * every message of a quantum with the same time is what keeps the SLA ledger, the alerts' times
 * and the incidents from depending on that interleaving: transitions within one instant leave
 * no interval behind, whichever order they came in (test/property/arrival-order.property.test.ts).
 * `msp-twin platform` in production stamps real receipt time (docs/sla.md).
 */
export function arrivalFeed(platform: () => Platform, virtual_now_ms: () => number, after?: (t_ms: number) => void): (m: ReceivedMessage) => void {
  return (m) => {
    const t = virtual_now_ms();
    platform().receive(m.topic, m.payload, t);
    after?.(t);
  };
}
