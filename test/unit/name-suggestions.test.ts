import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { suggestTimezone } from '../../harness/scenario/timezone-suggest.ts';

const scenario = (timezone: string, step: string): string => `name: t
start: "2026-03-03 09:00"
duration: 2h
fleet:
  sites:
    - id: den
      metro: Denver
      timezone: ${timezone}
      buildings:
        - { id: hq, type: office, floors: 1, zones_per_floor: 1, per_zone: { env: 1 } }
timeline:
  - { id: s, at: 1h, action: ${step}, target: { device: hq-f01-gw-001 } }
`;

function error(text: string): string {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a scenario error');
}

describe('did-you-mean for time zones and fault classes', () => {
  it('a misspelt zone or a bare city gets the IANA name; nonsense gets none', () => {
    expect(suggestTimezone('America/Denvr')).toBe('America/Denver');
    expect(suggestTimezone('Denvr')).toBe('America/Denver');
    expect(suggestTimezone('new york')).toBe('America/New_York');
    expect(suggestTimezone('qqqqqqqq')).toBeUndefined();
    expect(error(scenario('America/Denvr', 'fault.inject, fault: reboot'))).toBe('x.yaml:8:17: fleet.sites[0].timezone: an IANA timezone such as "America/New_York" (did you mean "America/Denver"?)');
  });

  it('an outage class under fault.inject (and the reverse) says which action injects it; a near name is suggested', () => {
    expect(error(scenario('America/Denver', 'fault.inject, fault: gateway_down'))).toMatch(/^x\.yaml:12:\d+: timeline\[0\]\.fault: "gateway_down" is an outage class, injected with action: outage\.start and outage: gateway_down$/);
    expect(error(scenario('America/Denver', 'outage.start, outage: reboot'))).toMatch(/timeline\[0\]\.outage: "reboot" is a device fault class, injected with action: fault\.inject and fault: reboot$/);
    expect(error(scenario('America/Denver', 'fault.inject, fault: gateway_reboot'))).toMatch(/got "gateway_reboot" \(did you mean "reboot"\?\)$/);
  });
});
