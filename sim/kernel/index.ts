export * from './errors.ts';
export * from './clock.ts';
export * from './event-queue.ts';
export * from './rng.ts';
export * from '../../platform/contract/canonical-json.ts';
export * from './trace.ts';
export * from './bounds.ts';
