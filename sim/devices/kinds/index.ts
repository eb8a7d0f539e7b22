import type { DeviceKind } from '../../../platform/contract/messages.ts';
import type { KindBehaviour } from '../twin.ts';
import { environmentSensor } from './environment-sensor.ts';
import { gateway } from './gateway.ts';
import { hvacController } from './hvac-controller.ts';
import { leakSensor } from './leak-sensor.ts';
import { lightingNode } from './lighting-node.ts';
import { lock } from './lock.ts';
import { occupancySensor } from './occupancy-sensor.ts';

export const BEHAVIOURS: Readonly<Record<DeviceKind, KindBehaviour>> = {
  occupancy: occupancySensor,
  env: environmentSensor,
  leak: leakSensor,
  lock,
  hvac: hvacController,
  lighting: lightingNode,
  gateway,
};
