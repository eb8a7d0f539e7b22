import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../../common/time.ts';

/**
 * Incident priorities and their default targets: the one table the incident desk (due times), the
 * SLA contract (response and resolution compliance) and the simulated NOC read. A scenario's
 * `platform.contract` may override any entry; docs/sla.md documents these defaults.
 */
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface PriorityTarget {
  /** Opened → acknowledged. */
  readonly respond_ms: number;
  /** Opened → resolved. */
  readonly resolve_ms: number;
}

/** ITIL-style defaults: P1 15 min / 4 h, P2 1 h / 8 h, P3 4 h / 2 d, P4 1 d / 5 d. */
export const DEFAULT_PRIORITY_TARGETS: Readonly<Record<Priority, PriorityTarget>> = {
  P1: { respond_ms: 15 * MS_PER_MINUTE, resolve_ms: 4 * MS_PER_HOUR },
  P2: { respond_ms: MS_PER_HOUR, resolve_ms: 8 * MS_PER_HOUR },
  P3: { respond_ms: 4 * MS_PER_HOUR, resolve_ms: 2 * MS_PER_DAY },
  P4: { respond_ms: MS_PER_DAY, resolve_ms: 5 * MS_PER_DAY },
};
