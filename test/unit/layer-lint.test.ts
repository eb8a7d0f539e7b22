import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

/** The LAYER rule ids a file at `filePath` with this import gets (docs/architecture.md "Layers"). */
async function layerViolations(specifier: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${specifier}';\nexport const y = x;\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => /LAYER (\w+)/.exec(m.message)?.[1] ?? m.message);
}

describe('layer lint rule (no-restricted-imports)', () => {
  it('fires on a planted violation in every layer', async () => {
    expect(await layerViolations('../../sim/kernel/rng.ts', 'platform/service/bad.ts')).toEqual(['platform']);
    expect(await layerViolations('../../harness/errors.ts', 'platform/core/bad.ts')).toEqual(['platform']);
    expect(await layerViolations('../../sim/kernel/rng.ts', 'platform/contract/bad.ts')).toEqual(['platform']);
    expect(await layerViolations('../core/platform.ts', 'platform/contract/bad.ts')).toEqual(['contract']);
    expect(await layerViolations('../../platform/core/platform.ts', 'sim/devices/bad.ts')).toEqual(['sim']);
    expect(await layerViolations('../harness/errors.ts', 'sim/bad.ts')).toEqual(['sim']);
    expect(await layerViolations('../../../sim/world/topology.ts', 'viewer/src/model/bad.ts')).toEqual(['viewer']);
    expect(await layerViolations('../../../platform/sla/ledger.ts', 'viewer/src/model/bad.ts')).toEqual(['viewer']);
    expect(await layerViolations('../platform/contract/messages.ts', 'common/bad.ts')).toEqual(['common']);
  });

  it('allows the imports the layers permit', async () => {
    expect(await layerViolations('../../platform/contract/messages.ts', 'sim/devices/ok.ts')).toEqual([]);
    expect(await layerViolations('../../common/errors.ts', 'sim/kernel/ok.ts')).toEqual([]);
    expect(await layerViolations('../../../platform/contract/viewer-docs.ts', 'viewer/src/model/ok.ts')).toEqual([]);
    expect(await layerViolations('../core/platform.ts', 'platform/service/ok.ts')).toEqual([]);
    expect(await layerViolations('../../sim/simulation.ts', 'harness/run/ok.ts')).toEqual([]);
  });
});
