import * as z from 'zod';
import { printable } from '../../core/printable.js';

export const objectChangeSchema = z.strictObject({
  namespace: z.string(),
  name: z.string().min(1),
  kind: z.string().min(1),
  /** helm-diff prints the API group ("apps"), or the version for the core group ("v1"). */
  api: z.string(),
  change: z.enum(['changed', 'added', 'removed']),
  added: z.int().min(0),
  removed: z.int().min(0),
});
export type ObjectChange = z.infer<typeof objectChangeSchema>;

const valueChangeSchema = z.strictObject({ object: z.string(), before: z.int().nullable(), after: z.int().nullable() });
export type ValueChange = z.infer<typeof valueChangeSchema>;

const imageChangeSchema = z.strictObject({ object: z.string(), repository: z.string(), before: z.string().nullable(), after: z.string().nullable() });
export type ImageChange = z.infer<typeof imageChangeSchema>;

export const diffSummarySchema = z.strictObject({
  objects: z.array(objectChangeSchema),
  replicas: z.array(valueChangeSchema),
  images: z.array(imageChangeSchema),
  /** A NodePort that moves breaks LVS: pybal keeps sending traffic to the old port. */
  nodePorts: z.array(valueChangeSchema),
});
export type DiffSummary = z.infer<typeof diffSummarySchema>;

// eslint-disable-next-line no-control-regex -- ANSI colour escapes are exactly what is being removed
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** helm-diff's object header: "<namespace>, <name>, <Kind> (<api group>) has changed:". */
const HEADER = /^(\S*), (\S+), (\S+) \(([^)]*)\) (has changed|has been added|has been removed):$/;
const REPLICAS = /^\s*replicas:\s*(\d+)\s*$/;
const NODE_PORT = /^\s*nodePort:\s*(\d+)\s*$/;
const IMAGE = /^\s*(?:-\s+)?image:\s*["']?([^\s"']+)["']?\s*$/;

interface Block {
  object: ObjectChange;
  plus: string[];
  minus: string[];
}

/**
 * Summarizes helm-diff output (helmfile's default "diff" format): each object starts with its
 * header line, then its manifest lines prefixed "+ ", "- " or "  " (context), with "..." where
 * unchanged lines are skipped. Anything else (helmfile's own log lines) ends the object.
 */
export function parseHelmDiff(text: string): DiffSummary {
  const blocks: Block[] = [];
  let current: Block | undefined;
  for (const line of text.replace(ANSI, '').replaceAll('\r', '').split('\n')) {
    const header = HEADER.exec(line);
    if (header !== null) {
      const [, namespace = '', name = '', kind = '', api = '', verb = ''] = header;
      const change = verb === 'has changed' ? 'changed' : verb === 'has been added' ? 'added' : 'removed';
      current = { object: { namespace, name, kind, api, change, added: 0, removed: 0 }, plus: [], minus: [] };
      blocks.push(current);
      continue;
    }
    if (current === undefined) continue;
    if (line === '+' || line.startsWith('+ ')) {
      current.object.added += 1;
      current.plus.push(line.slice(2));
    } else if (line === '-' || line.startsWith('- ')) {
      current.object.removed += 1;
      current.minus.push(line.slice(2));
    } else if (!(line === '' || line === '...' || line.startsWith('  '))) {
      current = undefined;
    }
  }
  return diffSummarySchema.parse({
    objects: blocks.map((block) => block.object),
    replicas: blocks.flatMap((block) => numberChanges(block, REPLICAS)),
    images: blocks.flatMap(imageChanges),
    nodePorts: blocks.flatMap((block) => numberChanges(block, NODE_PORT)),
  });
}

function label(object: ObjectChange): string {
  return `${object.kind}/${object.name}`;
}

function numberChanges(block: Block, pattern: RegExp): ValueChange[] {
  const values = (lines: string[]): number[] => lines.flatMap((line) => {
    const match = pattern.exec(line);
    return match === null ? [] : [Number(match[1])];
  });
  const before = values(block.minus);
  const after = values(block.plus);
  const changes: ValueChange[] = [];
  for (let index = 0; index < Math.max(before.length, after.length); index += 1) {
    changes.push({ object: label(block.object), before: before[index] ?? null, after: after[index] ?? null });
  }
  return changes;
}

/** `registry/path/name:tag` or `…@sha256:…`; the tag is after the last colon only if that follows the last slash (a registry port is not a tag). */
export function splitImage(reference: string): { repository: string; tag: string } {
  const at = reference.indexOf('@');
  if (at !== -1) return { repository: reference.slice(0, at), tag: reference.slice(at + 1) };
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repository: reference, tag: 'latest' };
}

function imageChanges(block: Block): ImageChange[] {
  const tags = (lines: string[]): Map<string, string> => {
    const found = new Map<string, string>();
    for (const line of lines) {
      const match = IMAGE.exec(line);
      if (match === null) continue;
      const { repository, tag } = splitImage(match[1] ?? '');
      if (!found.has(repository)) found.set(repository, tag);
    }
    return found;
  };
  const before = tags(block.minus);
  const after = tags(block.plus);
  return [...new Set([...before.keys(), ...after.keys()])]
    .filter((repository) => before.get(repository) !== after.get(repository))
    .map((repository) => ({ object: label(block.object), repository, before: before.get(repository) ?? null, after: after.get(repository) ?? null }));
}

/** One chat line: what changes, replicas and image tags before → after, and a loud NodePort warning. */
export function formatDiffSummary(summary: DiffSummary): string {
  if (summary.objects.length === 0) return 'no changes';
  const count = summary.objects.length;
  const objects = summary.objects.map((object) => {
    const name = printable(label(object), 80);
    if (object.change === 'added') return `${name} (new)`;
    if (object.change === 'removed') return `${name} (removed)`;
    return `${name} (+${object.added} −${object.removed})`;
  });
  const parts = [`${count} object${count === 1 ? '' : 's'} change: ${objects.join(', ')}`];
  const show = (value: number | string | null): string => (value === null ? '∅' : printable(String(value), 60));
  for (const replicas of summary.replicas) parts.push(`replicas ${show(replicas.before)} → ${show(replicas.after)}`);
  for (const image of summary.images) {
    parts.push(`image ${printable(image.repository.split('/').at(-1) ?? image.repository, 60)} ${show(image.before)} → ${show(image.after)}`);
  }
  for (const port of summary.nodePorts) parts.push(`⚠ nodePort ${show(port.before)} → ${show(port.after)} on ${printable(port.object, 80)}`);
  return parts.join('; ');
}
