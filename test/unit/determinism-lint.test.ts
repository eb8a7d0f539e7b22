import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message.slice(0, 6));
}

describe('determinism lint rule', () => {
  it('forbids wall clock, Math.random and timers in sim/ and the pure platform cores', async () => {
    const code = 'export const a = Date.now();\nexport const b = new Date();\nexport const c = Math.random();\nsetTimeout(() => {}, 1);\nexport const d = performance.now();\n';
    expect(await ruleIds(code, 'sim/kernel/bad.ts')).toEqual(['DET001', 'DET001', 'DET002', 'DET003', 'DET001']);
    expect(await ruleIds(code, 'platform/sla/bad.ts')).toHaveLength(5);
  });

  it('allows them in adapters (harness/, platform/service/) and allows new Date(ms) anywhere', async () => {
    const code = 'export const a = Date.now();\nexport const c = Math.random();\n';
    expect(await ruleIds(code, 'harness/cli/ok.ts')).toEqual([]);
    expect(await ruleIds(code, 'platform/service/ok.ts')).toEqual([]);
    expect(await ruleIds('export const d = new Date(5);\n', 'sim/kernel/ok.ts')).toEqual([]);
  });
});
