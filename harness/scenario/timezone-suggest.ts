import { didYouMean } from './did-you-mean.ts';

let zones: readonly string[] | undefined;

/** The IANA zones this runtime knows (plus UTC, which some runtimes leave out of the list). */
function knownZones(): readonly string[] {
  zones ??= [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])].sort();
  return zones;
}

/**
 * The zone a mistyped name most likely meant: the closest whole name (`America/Denvr` →
 * `America/Denver`), else a zone whose city part is close (`Denvr` → `America/Denver`, `new york`
 * → `America/New_York`). Undefined when nothing is plausibly meant.
 */
export function suggestTimezone(text: string): string | undefined {
  const all = knownZones();
  const whole = didYouMean(text, all);
  if (whole !== undefined) return whole;
  const city = (z: string): string => z.slice(z.lastIndexOf('/') + 1);
  const wanted = city(text).replace(/ /g, '_');
  const by_city = new Map<string, string>();
  for (const z of all) if (!by_city.has(city(z))) by_city.set(city(z), z);
  const hit = didYouMean(wanted, [...by_city.keys()]);
  return hit === undefined ? undefined : by_city.get(hit);
}
