import { CutoverError } from '../../core/errors.js';

/** Far more than any Kartotherian selection; stops `host[1-999999999]` from eating memory. */
const MAX_EXPANDED = 10_000;

/**
 * Expands a ClusterShell node set, the notation cumin prints and SREs type:
 * `maps[1005-1006,1009].eqiad.wmnet,wikikube-worker1001.eqiad.wmnet`. Zero padding is kept
 * (`[01-03]` gives 01, 02, 03). Anything else (nested brackets, `^`, `!`, `&` set operators)
 * is refused rather than guessed, because these names decide which hosts a command touches.
 */
export function expandNodeSet(text: string): string[] {
  const hosts: string[] = [];
  for (const part of splitTopLevel(text.trim())) {
    if (part === '') throw bad(text, 'an empty element');
    for (const host of expandPattern(part, text)) {
      hosts.push(host);
      if (hosts.length > MAX_EXPANDED) throw bad(text, `more than ${MAX_EXPANDED} hosts`);
    }
  }
  return [...new Set(hosts)];
}

/** Commas inside brackets separate ranges; commas outside separate names. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '[') depth += 1;
    if (char === ']') depth -= 1;
    if (depth < 0 || depth > 1) throw bad(text, 'unbalanced or nested brackets');
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw bad(text, 'unbalanced brackets');
  parts.push(current);
  return parts;
}

function expandPattern(pattern: string, whole: string): string[] {
  const open = pattern.indexOf('[');
  if (pattern === '') return [''];
  if (open === -1) {
    if (!/^[A-Za-z0-9._-]+$/.test(pattern)) throw bad(whole, `"${pattern}" is not a host name`);
    return [pattern];
  }
  const close = pattern.indexOf(']', open);
  const prefix = pattern.slice(0, open);
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) throw bad(whole, `"${prefix}" is not part of a host name`);
  const rest = expandPattern(pattern.slice(close + 1), whole);
  const numbers = pattern
    .slice(open + 1, close)
    .split(',')
    .flatMap((range) => expandRange(range, whole));
  if (numbers.length * rest.length > MAX_EXPANDED) throw bad(whole, `more than ${MAX_EXPANDED} hosts`);
  return numbers.flatMap((number) => rest.map((suffix) => `${prefix}${number}${suffix}`));
}

function expandRange(range: string, whole: string): string[] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (match === null) throw bad(whole, `"${range}" is not a number or a range`);
  const [, from = '', to] = match;
  if (to === undefined) return [from];
  const start = Number(from);
  const end = Number(to);
  if (end < start) throw bad(whole, `the range ${range} runs backwards`);
  if (end - start >= MAX_EXPANDED) throw bad(whole, `more than ${MAX_EXPANDED} hosts`);
  // ClusterShell pads to the width of the lower bound when it has a leading zero.
  const width = from.length > 1 && from.startsWith('0') ? from.length : 0;
  const out: string[] = [];
  for (let n = start; n <= end; n += 1) out.push(String(n).padStart(width, '0'));
  return out;
}

function bad(text: string, why: string): CutoverError {
  return new CutoverError('input.invalid', `Not a host list I can read (${why}): ${JSON.stringify(text.slice(0, 120))}.`);
}
