// Local civil time lives with the platform (SLA service hours and maintenance windows need it,
// and the platform must not import the simulator); the world re-exports it.
export * from '../../platform/core/local-time.ts';
