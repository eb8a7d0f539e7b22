// Per-module mutation scores from StrykerJS's JSON report (docs/testing.md, "Scores measured"):
//
//   node scripts/mutation-scores.mjs [reports/mutation/mutation.json] [--below 85]
//
// Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker
// computes it; ignored mutants (static ones, by default) and compile errors are left out and
// counted in their own column. "Without static" scores only the mutants Stryker did not mark
// static: with ignoreStatic on, a "hybrid" static mutant (code run at import and again in tests,
// such as a zod schema's bounds) is run with runtime activation, which the import-time part never
// sees, so it survives whatever the tests do (docs/testing.md, "Whole-list runs"). Prints a
// Markdown table, worst module first, and the total. With `--below N` it prints only the modules
// under N % and exits 1 when there is one: Stryker's own `thresholds.break` judges the total
// only, and the bar is per module (the scheduled CI job runs it after `npm run mutate`).
import fs from 'node:fs';

const args = process.argv.slice(2);
const below_at = args.indexOf('--below');
const below = below_at >= 0 ? Number(args[below_at + 1]) : Number.POSITIVE_INFINITY;
const file = args.find((a, i) => !a.startsWith('--') && (below_at < 0 || i !== below_at + 1)) ?? 'reports/mutation/mutation.json';
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const rows = [];
const fresh = () => ({ Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 });
const total = fresh();
const total_dynamic = fresh();
const score = (c) => {
  const valid = c.Killed + c.Timeout + c.Survived + c.NoCoverage;
  return valid === 0 ? Number.NaN : (100 * (c.Killed + c.Timeout)) / valid;
};
for (const [name, f] of Object.entries(report.files)) {
  const c = fresh();
  const d = fresh();
  for (const m of f.mutants) {
    const k = m.status in c ? m.status : 'other';
    c[k]++;
    if (m.static !== true) d[k]++;
  }
  for (const k of Object.keys(c)) {
    total[k] += c[k];
    total_dynamic[k] += d[k];
  }
  if (Number.isNaN(score(c))) continue;
  rows.push({ name, score: score(c), dynamic: score(d), c });
}
rows.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
const pct = (x) => (Number.isNaN(x) ? '–' : `${x.toFixed(2)} %`);
const line = (name, s, dyn, c) => `| \`${name}\` | ${pct(s)} | ${pct(dyn)} | ${c.Killed} / ${c.Timeout} / ${c.Survived} / ${c.NoCoverage} | ${c.Ignored} |`;
console.log('| Module | Score | Without static | Killed / timed out / survived / no coverage | Ignored (static) |');
console.log('| --- | --- | --- | --- | --- |');
const under = rows.filter((r) => r.score < below);
for (const r of under) console.log(line(r.name, r.score, r.dynamic, r.c));
console.log(line('all modules', score(total), score(total_dynamic), total));
if (below_at >= 0 && under.length > 0) {
  console.error(`mutation-scores: ${under.length} module(s) below ${below} %`);
  process.exitCode = 1;
}
