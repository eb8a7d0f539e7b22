// Per-module mutation scores from StrykerJS's JSON report (docs/testing.md, "Scores measured"):
//
//   node scripts/mutation-scores.mjs [reports/mutation/mutation.json] [--below 85]
//
// Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker
// computes it; ignored mutants (static ones, by default) and compile errors are left out and
// counted in their own column. Prints a Markdown table, worst module first, and the total.
import fs from 'node:fs';

const args = process.argv.slice(2);
const below_at = args.indexOf('--below');
const below = below_at >= 0 ? Number(args[below_at + 1]) : Number.POSITIVE_INFINITY;
const file = args.find((a, i) => !a.startsWith('--') && (below_at < 0 || i !== below_at + 1)) ?? 'reports/mutation/mutation.json';
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const rows = [];
const total = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };
for (const [name, f] of Object.entries(report.files)) {
  const c = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };
  for (const m of f.mutants) c[m.status in c ? m.status : 'other']++;
  for (const k of Object.keys(c)) total[k] += c[k];
  const valid = c.Killed + c.Timeout + c.Survived + c.NoCoverage;
  if (valid === 0) continue;
  rows.push({ name, score: (100 * (c.Killed + c.Timeout)) / valid, c });
}
rows.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
const line = (name, score, c) => `| \`${name}\` | ${score.toFixed(2)} % | ${c.Killed} / ${c.Timeout} / ${c.Survived} / ${c.NoCoverage} | ${c.Ignored} |`;
console.log('| Module | Score | Killed / timed out / survived / no coverage | Ignored (static) |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) if (r.score < below) console.log(line(r.name, r.score, r.c));
const valid = total.Killed + total.Timeout + total.Survived + total.NoCoverage;
console.log(line('all modules', (100 * (total.Killed + total.Timeout)) / valid, total));
