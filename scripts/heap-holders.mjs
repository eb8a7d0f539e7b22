// What a heap grew by, per kind of object, and which Maps and Sets hold device-sized tables
// (docs/performance.md, "Memory per device"). Takes the two snapshots scripts/heap-per-device.ts
// writes:
//
//   node --max-old-space-size=8000 scripts/heap-holders.mjs SNAPSHOT.base SNAPSHOT DEVICES [ROWS]
//
// A row is "bytes per device, count, type:constructor". Self sizes only: a shared object counts
// once. The tables section names each large Map/Set by the first object found holding it.
import fs from 'node:fs';

function load(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const N = meta.node_fields.length;
  const E = meta.edge_fields.length;
  const f = (name) => meta.node_fields.indexOf(name);
  const g = (name) => meta.edge_fields.indexOf(name);
  return { snap, N, E, types: meta.node_types[0], etypes: meta.edge_types[0], iType: f('type'), iName: f('name'), iSize: f('self_size'), iEc: f('edge_count'), eType: g('type'), eName: g('name_or_index'), eTo: g('to_node') };
}

function kind(h, i) {
  const t = h.types[h.snap.nodes[i * h.N + h.iType]];
  if (t === 'string' || t === 'concatenated string' || t === 'sliced string') return `(${t})`;
  if (t === 'number') return '(heap number)';
  if (t === 'code') return '(code)';
  return `${t}:${h.snap.strings[h.snap.nodes[i * h.N + h.iName]].slice(0, 60)}`;
}

function byKind(h) {
  const out = new Map();
  const n = h.snap.nodes.length / h.N;
  for (let i = 0; i < n; i++) {
    const k = kind(h, i);
    const a = out.get(k) ?? [0, 0];
    a[0] += h.snap.nodes[i * h.N + h.iSize];
    a[1]++;
    out.set(k, a);
  }
  return out;
}

function tables(h) {
  const { nodes, edges, strings } = h.snap;
  const n = nodes.length / h.N;
  const first = new Uint32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) {
    first[i] = e;
    e += nodes[i * h.N + h.iEc] * h.E;
  }
  first[n] = edges.length;
  const owner = new Int32Array(n).fill(-1);
  const via = new Array(n);
  for (let i = 0; i < n; i++) {
    for (let e = first[i]; e < first[i + 1]; e += h.E) {
      const et = h.etypes[edges[e + h.eType]];
      if (et === 'weak') continue;
      const to = edges[e + h.eTo] / h.N;
      if (owner[to] !== -1) continue;
      owner[to] = i;
      via[to] = et === 'element' || et === 'hidden' ? `[${edges[e + h.eName]}]` : strings[edges[e + h.eName]];
    }
  }
  const rows = [];
  for (let i = 0; i < n; i++) {
    const k = kind(h, i);
    if (k !== 'object:Map' && k !== 'object:Set') continue;
    let size = 0;
    for (let e = first[i]; e < first[i + 1]; e += h.E) if (strings[edges[e + h.eName]] === 'table') size += nodes[(edges[e + h.eTo] / h.N) * h.N + h.iSize];
    const o = owner[i];
    rows.push([size, `${k} in ${o >= 0 ? kind(h, o) : '?'} .${via[i]}`]);
  }
  return rows.sort((a, b) => b[0] - a[0]);
}

const [base_file, file, devices_arg, rows_arg] = process.argv.slice(2);
if (!base_file || !file || !devices_arg) {
  process.stderr.write('usage: node scripts/heap-holders.mjs SNAPSHOT.base SNAPSHOT DEVICES [ROWS]\n');
  process.exit(2);
}
const devices = Number(devices_arg);
const rows = Number(rows_arg ?? 30);
const before = byKind(load(base_file));
const h = load(file);
const grown = [...byKind(h)].map(([k, [s, c]]) => [k, s - (before.get(k)?.[0] ?? 0), c - (before.get(k)?.[1] ?? 0)]).sort((a, b) => b[1] - a[1]);
const total = grown.reduce((t, r) => t + r[1], 0);
console.log(`grown by ${(total / devices).toFixed(0)} B/device; by kind (B/device, count, kind):`);
for (const [k, s, c] of grown.slice(0, rows)) console.log(`${(s / devices).toFixed(1).padStart(8)} ${String(c).padStart(8)} ${k}`);
console.log('largest Map/Set tables (B/device, holder):');
for (const [s, where] of tables(h).slice(0, rows)) if (s / devices >= 5) console.log(`${(s / devices).toFixed(1).padStart(8)} ${where}`);
