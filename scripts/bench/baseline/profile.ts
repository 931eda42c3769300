/**
 * Where a V8 CPU profile (`.cpuprofile`) spent its time: self time by package or source area
 * and by function, without the idle time. `npm run bench -- baseline --profile` writes one per
 * group and app process to bench/profiles/ and prints these summaries; on its own:
 *
 *   npx ts-node -T scripts/bench/baseline/profile.ts bench/profiles/reads-app.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Not work of the app: idle, V8 bookkeeping, and the profiler session itself. */
const isIdle = (frame: ProfileNode['callFrame']): boolean =>
  frame.functionName === '(idle)' || frame.functionName === '(program)' || frame.url === 'node:inspector';

/** `node_modules/<pkg>` (scoped too), `src/<area>/<part>`, `node:<module>`, or V8's own buckets. */
export function areaOf(frame: ProfileNode['callFrame']): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return url.split('/')[0];
  const path = relative(process.cwd(), url.replace(/^file:\/\//, ''));
  const src = /^(src\/(?:platform|contexts)\/[^/]+)/.exec(path);
  return src ? src[1] : path;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  /** Self time: where the CPU actually was. */
  areas: { name: string; ms: number; share: number }[];
  functions: { name: string; ms: number; share: number }[];
  /** Inclusive time: samples with the area anywhere on the stack (what it and its callees cost). */
  inclusive: { name: string; ms: number; share: number }[];
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busyMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (isIdle(frame)) {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const name = `${frame.functionName || '(anonymous)'} ${area}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f?.url) onStack.add(areaOf(f));
    }
    for (const a of onStack) inclusive.set(a, (inclusive.get(a) ?? 0) + ms);
  }
  const ranked = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busyMs > 0 ? ms / busyMs : 0 }));
  return { busyMs, idleMs, areas: ranked(areas), functions: ranked(functions), inclusive: ranked(inclusive) };
}

export function formatProfile(file: string, summary: ProfileSummary): string {
  const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)} %`;
  return [
    `${file}: ${(summary.busyMs / 1000).toFixed(1)} s on CPU, ${(summary.idleMs / 1000).toFixed(1)} s idle`,
    '  self time by area:',
    ...summary.areas.map((a) => `    ${pct(a.share)}  ${a.name}`),
    '  self time by function:',
    ...summary.functions.map((f) => `    ${pct(f.share)}  ${f.name}`),
    '  inclusive time by area (the area or anything it called):',
    ...summary.inclusive.map((a) => `    ${pct(a.share)}  ${a.name}`),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile.ts <file.cpuprofile> [top]');
  console.log(formatProfile(file, summarizeProfile(file, Number(top ?? 25))));
}
