import { localTime } from '../../platform/contract/local-time.ts';
import { formatDuration } from '../../common/duration.ts';

/** Number with thousands separators, locale-independent so output is the same on every machine. */
export function int(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function localStamp(timezone: string, utc_ms: number): string {
  const t = localTime(timezone, utc_ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${t.year}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}`;
}

export { formatDuration };

/** A plain text table: first row is the header, numbers right-aligned. */
export function table(rows: ReadonlyArray<ReadonlyArray<string | number>>, indent = '  '): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? int(c) : c)));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return cells
    .map((r, ri) =>
      indent +
      r
        .map((c, i) => {
          const numeric = ri > 0 && typeof rows[ri]![i] === 'number';
          return numeric ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
