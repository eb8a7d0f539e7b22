/**
 * Flags node is started with wherever msp-twin starts it: the `msp-twin` launcher's shebang
 * (`#!/usr/bin/env -S node …`), package.json's scripts, the shard processes a run forks and the
 * whole-process runs the bench times (so it times what a user runs). V8 sizes the young
 * generation once, when node starts; `v8.setFlagsFromString` afterwards changes nothing.
 *
 * 64 MB semi-spaces (V8's default is 16 MB): a run's short-lived garbage (payloads, trace lines,
 * parsed messages, a window of a shard's steps) dies young instead of being promoted. Measured on
 * the flagship (farm-bench, whole processes, 2026-12-07): one process 0.95 of the wall time and
 * 0.92 of the CPU (2 days, 4 pairs), 2 shards 0.95 and 0.93 (3 days, 5 pairs); shards alone 0.82
 * (docs/scale-out.md, "Cost"); 128 MB was slower than 64 MB for a shard (docs/performance.md,
 * "Garbage collection"). test/unit/node-flags.test.ts holds the shebang and the scripts to this list.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
