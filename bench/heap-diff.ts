import { readFileSync } from 'node:fs';

/**
 * Where the bytes of an idle connection go: compares the two heap snapshots `--profile` writes on the
 * memory workload (before and after N connections) by node type and constructor, per connection.
 * Usage: node dist/bench/heap-diff.js BASE.heapsnapshot IDLE.heapsnapshot N [rows]
 * Self sizes, not retained sizes: each byte is counted once, under the object that holds it.
 */

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

/** Bytes and counts of a snapshot by `type:name` (strings, code and the like grouped by type only). */
function tally(file: string): Map<string, { bytes: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, { bytes: number; count: number }>();
  const named = new Set(['object', 'closure', 'native', 'hidden', 'array']);
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] ?? '?';
    const name = snap.strings[snap.nodes[i + nameAt] as number] ?? '?';
    const key = named.has(type) ? `${type}:${name.slice(0, 60)}` : type;
    const entry = out.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += snap.nodes[i + sizeAt] as number;
    entry.count++;
    out.set(key, entry);
  }
  return out;
}

function main(): void {
  const [baseFile, idleFile, nArg, rowsArg] = process.argv.slice(2);
  if (!baseFile || !idleFile || !nArg) throw new Error('usage: heap-diff BASE IDLE N [rows]');
  const n = Number(nArg);
  const base = tally(baseFile);
  const idle = tally(idleFile);
  const rows = [...idle].map(([key, v]) => {
    const b = base.get(key) ?? { bytes: 0, count: 0 };
    return { key, bytes: (v.bytes - b.bytes) / n, count: (v.count - b.count) / n };
  });
  rows.sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  process.stdout.write(`total ${total.toFixed(0)} B per connection (self sizes)\n`);
  for (const r of rows.slice(0, Number(rowsArg ?? 40))) {
    if (Math.abs(r.bytes) < 8) continue;
    process.stdout.write(
      `${r.bytes.toFixed(0).padStart(7)} B ${r.count.toFixed(2).padStart(6)}×  ${r.key}\n`,
    );
  }
}

main();
