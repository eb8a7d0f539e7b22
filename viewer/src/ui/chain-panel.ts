/** The causal chain card (model/chain.ts) and the run summary card, as HTML. */
import type { Chain } from '../model/chain.ts';
import type { DeviceRegistry } from '../model/registry.ts';
import { faultName, type Story } from '../model/story.ts';
import { duration, esc, pct, shortTime } from './format.ts';
import { PRIORITY_CSS } from './strip.ts';

export function renderChain(chain: Chain, tz: string, T: number): string {
  const inc = chain.incident;
  const head = inc ? `<span class="prio ${esc(inc.pri)}">${esc(inc.pri)}</span><span class="title">${esc(chain.fault ? faultName(chain.fault.kind) : 'Incident')} · ${esc(inc.id)}</span>` : '<span class="title">Alert</span>';
  const steps = chain.steps
    .map((s) => {
      const state = s.t === null ? 'missing' : s.t <= T ? 'past' : 'future';
      const jump = s.t !== null ? `<button class="jump" data-t="${s.t}"${s.device ? ` data-device="${esc(s.device)}"` : ''} title="Jump to this moment">${esc(shortTime(s.t, tz))}</button>` : '<span class="jump none">—</span>';
      return `<li class="${state}" data-step="${s.step}" data-t="${s.t ?? ''}"><span class="dot"></span><div class="what"><b>${esc(s.label)}</b><span>${esc(s.detail)}</span></div>${jump}</li>`;
    })
    .join('');
  const stat = (name: string, ms: number | null, testid: string): string => `<div data-testid="${testid}" data-ms="${ms ?? ''}"><span>${esc(name)}</span><b>${ms === null ? '—' : esc(duration(ms))}</b></div>`;
  return `<div class="head">${head}<button class="close" data-action="close-chain" title="Close">×</button></div>
    <div class="stats">${stat('Detection delay', chain.detection_ms, 'chain-detection')}${stat('Time to acknowledge', chain.response_ms, 'chain-response')}${stat('Time to repair', chain.repair_ms, 'chain-repair')}</div>
    <ol class="steps">${steps}</ol>`;
}

export interface RunSummary {
  incidents: number;
  by_priority: Record<string, number>;
  mtta_ms: number | null;
  mttr_ms: number | null;
  truck_rolls: number;
  faults: number;
  detected: number;
  availability: number | null;
  devices: number;
}

export function summarize(story: Story, reg: DeviceRegistry, devices: number): RunSummary {
  const by_priority: Record<string, number> = {};
  let ack_sum = 0;
  let ack_n = 0;
  let res_sum = 0;
  let res_n = 0;
  let rolls = 0;
  for (const i of story.incidents) {
    by_priority[i.pri] = (by_priority[i.pri] ?? 0) + 1;
    if (i.acked_t !== null) {
      ack_sum += i.acked_t - i.opened_t;
      ack_n++;
    }
    if (i.resolved_t !== null) {
      res_sum += i.resolved_t - i.opened_t;
      res_n++;
    }
    if (i.dispatched_t !== null) rolls++;
  }
  // A fault counts as detected when an incident it explains opened.
  const explained = new Set(story.incidents.map((i) => story.faultFor(i, reg)?.id).filter((x): x is string => x !== undefined));
  const a = story.sla?.availability;
  return {
    incidents: story.incidents.length,
    by_priority,
    mtta_ms: ack_n ? ack_sum / ack_n : null,
    mttr_ms: res_n ? res_sum / res_n : null,
    truck_rolls: rolls,
    faults: story.faults.length,
    detected: story.faults.filter((f) => explained.has(f.id)).length,
    availability: typeof a === 'number' ? a : null,
    devices,
  };
}

export function renderSummary(s: RunSummary, title: string, at_end: boolean, story: Story, reg: DeviceRegistry, tz: string): string {
  const pri = ['P1', 'P2', 'P3', 'P4']
    .filter((p) => s.by_priority[p])
    .map((p) => `<span class="prio ${p}" style="background:${PRIORITY_CSS[p]}">${s.by_priority[p]} × ${p}</span>`)
    .join(' ');
  const cell = (k: string, v: string, testid: string): string => `<div data-testid="${testid}"><b>${esc(v)}</b><span>${esc(k)}</span></div>`;
  const first = story.incidents.slice(0, 6).map((i) => {
    const fault = story.faultFor(i, reg);
    const what = `${fault ? faultName(fault.kind) : 'no injected fault'} · ${i.scope.slice(i.scope.indexOf(':') + 1)}`;
    return `<li><button class="jump" data-incident="${esc(i.id)}">${esc(shortTime(i.opened_t, tz))}</button><span class="prio ${esc(i.pri)}">${esc(i.pri)}</span><span class="what">${esc(what)}</span></li>`;
  });
  return `<div class="head"><span class="title">${esc(at_end ? 'How the run went' : 'This run')} · ${esc(title)}</span><button class="close" data-action="close-summary" title="Close">×</button></div>
    <div class="cells">${cell('devices', s.devices.toLocaleString('en-US'), 'summary-devices')}${cell('incidents', String(s.incidents), 'summary-incidents')}${cell('faults detected', `${s.detected}/${s.faults}`, 'summary-detected')}${cell('MTTA', s.mtta_ms === null ? '—' : duration(s.mtta_ms), 'summary-mtta')}${cell('MTTR', s.mttr_ms === null ? '—' : duration(s.mttr_ms), 'summary-mttr')}${cell('truck rolls', String(s.truck_rolls), 'summary-rolls')}${cell('availability (platform)', s.availability === null ? '—' : pct(s.availability, 2), 'summary-availability')}</div>
    ${pri ? `<div class="pris">${pri}</div>` : ''}
    ${first.length ? `<ol class="incs">${first.join('')}</ol>${story.incidents.length > first.length ? `<div class="more">+ ${story.incidents.length - first.length} more on the timeline below</div>` : ''}` : '<div class="empty">No incidents in this run.</div>'}
    <div class="actions"><button class="tb-btn" data-action="tour">Step through the incidents ▸</button></div>`;
}
