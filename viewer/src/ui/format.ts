/** Formatting for panels: simulated times in the portfolio's time zone, counts, percentages. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${tz}|${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, ...opts });
    } catch {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', ...opts });
    }
    formatters.set(key, f);
  }
  return f;
}

export function clockTime(t: number, tz: string): string {
  return Number.isFinite(t) ? fmt(tz, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(t) : '--:--:--';
}

export function clockDate(t: number, tz: string): string {
  return Number.isFinite(t) ? fmt(tz, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(t) : '';
}

export function shortTime(t: number, tz: string): string {
  return Number.isFinite(t) ? fmt(tz, { hour: '2-digit', minute: '2-digit', hour12: false }).format(t) : '—';
}

export function dayTime(t: number, tz: string): string {
  return Number.isFinite(t) ? fmt(tz, { weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(t) : '—';
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function pct(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)} %`;
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function humanize(id: string): string {
  const s = id.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
