/** Measured (not structural) memory bounds for long fuzz runs: common/settled-heap.ts. */
export { settledHeapBytes } from '../../common/settled-heap.ts';

export const MiB = 1024 * 1024;
