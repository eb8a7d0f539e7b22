// The documents the view server hands the page are part of the contract (platform/contract/viewer-docs.ts).
export type { TopologyDoc, ViewerConfig } from '../../platform/contract/viewer-docs.ts';
