import type { DeviceKind, PowerSource } from './messages.ts';

/**
 * The product catalog: the device models an MSP deploys, as both halves must agree on them. The
 * platform checks a birth's model and kind against it and sizes firmware images from it; the
 * simulator builds its hardware models (radio, battery, report policy) on top of these entries.
 */
export interface Product {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly vendor: string;
  readonly power: PowerSource;
  /** The firmware version a unit ships with. */
  readonly default_firmware: string;
  /** Image size of the model's firmware unless a catalog says otherwise. */
  readonly image_size_bytes: number;
}

export const PRODUCTS: readonly Product[] = [
  { id: 'OCC-PIR-200', kind: 'occupancy', vendor: 'Lumen Sense', power: 'battery', default_firmware: '1.8.2', image_size_bytes: 180_000 },
  { id: 'OCC-MMW-310', kind: 'occupancy', vendor: 'Lumen Sense', power: 'mains', default_firmware: '2.1.0', image_size_bytes: 180_000 },
  { id: 'ENV-TH-110', kind: 'env', vendor: 'Aircheck', power: 'battery', default_firmware: '3.2.1', image_size_bytes: 160_000 },
  { id: 'LEAK-W-20', kind: 'leak', vendor: 'Aircheck', power: 'battery', default_firmware: '1.4.0', image_size_bytes: 150_000 },
  { id: 'LOCK-BLE-5', kind: 'lock', vendor: 'Keyward', power: 'battery', default_firmware: '5.0.3', image_size_bytes: 420_000 },
  { id: 'ACR-NFC-9', kind: 'lock', vendor: 'Keyward', power: 'mains', default_firmware: '9.2.0', image_size_bytes: 420_000 },
  { id: 'HVAC-ZC-400', kind: 'hvac', vendor: 'Thermacore', power: 'mains', default_firmware: '2.3.0', image_size_bytes: 1_400_000 },
  { id: 'HVAC-ZC-500', kind: 'hvac', vendor: 'Thermacore', power: 'mains', default_firmware: '3.0.1', image_size_bytes: 1_400_000 },
  { id: 'THERM-WIFI-7', kind: 'hvac', vendor: 'Homely', power: 'mains', default_firmware: '7.4.2', image_size_bytes: 1_400_000 },
  { id: 'LGT-DALI-60', kind: 'lighting', vendor: 'Brightline', power: 'mains', default_firmware: '4.1.0', image_size_bytes: 300_000 },
  { id: 'GW-MX-500', kind: 'gateway', vendor: 'Meshworks', power: 'mains', default_firmware: '6.2.4', image_size_bytes: 24_000_000 },
];

const BY_ID = new Map(PRODUCTS.map((p) => [p.id, p]));

/** The product with this model id, or undefined for a model nobody sells. */
export function findProduct(id: string): Product | undefined {
  return BY_ID.get(id);
}

export function productIds(): string[] {
  return PRODUCTS.map((p) => p.id);
}
