import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import { poolStateSchema, type PoolState } from '../../core/pool-state.js';
import { conftoolNameSchema, conftoolTagSchema } from './conftool-key.js';
import { parseJson } from '../../core/parse-json.js';

export interface ConfctlObject {
  name: string;
  tags: { dc: string; cluster: string; service: string };
  state: PoolState;
}

export interface ConfctlChange {
  name: string;
  field: string;
  from: string;
  to: string;
}

const tagsSchema = z
  .string()
  .transform((raw, ctx) => {
    const tags: Record<string, string> = {};
    for (const pair of raw.split(',')) {
      const [key, value, ...rest] = pair.split('=');
      if (key === undefined || value === undefined || rest.length > 0 || Object.hasOwn(tags, key)) {
        ctx.addIssue({ code: 'custom', message: `bad tag ${JSON.stringify(pair)}` });
        return z.NEVER;
      }
      tags[key] = value;
    }
    return tags;
  })
  .pipe(z.strictObject({ dc: conftoolTagSchema, cluster: conftoolTagSchema, service: conftoolTagSchema }));

/**
 * One `get` line: `{"maps1005.eqiad.wmnet": {"weight": 10, "pooled": "yes"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-ssl"}`.
 * Exactly two keys, the object's name and "tags"; a name is an FQDN, so it can never be "tags".
 */
const getLineSchema = z
  .record(z.string(), z.unknown())
  .refine((line) => Object.keys(line).length === 2 && Object.hasOwn(line, 'tags'), { error: 'expected {"<name>": {...}, "tags": "..."}' })
  .transform((line, ctx) => {
    const name = Object.keys(line).find((key) => key !== 'tags') ?? '';
    const parsedName = conftoolNameSchema.safeParse(name);
    const state = poolStateSchema.safeParse(line[name]);
    const tags = tagsSchema.safeParse(line['tags']);
    if (!parsedName.success || !state.success || !tags.success) {
      ctx.addIssue({ code: 'custom', message: 'bad name, value or tags' });
      return z.NEVER;
    }
    return { name: parsedName.data, tags: tags.data, state: state.data };
  });

/** Parses `confctl select ... get`: one JSON object per line, nothing else. */
export function parseConfctlGet(stdout: string, shown: string): ConfctlObject[] {
  return lines(stdout).map((line) => {
    const parsed = getLineSchema.safeParse(parseJson(line));
    if (!parsed.success) throw badOutput(shown, line);
    return parsed.data;
  });
}

const CHANGE_LINE = /^(\S+): (\S+) changed (.*) => (.*)$/;

/**
 * Parses `confctl select ... set/...`: conftool prints `maps1005.eqiad.wmnet: pooled changed yes => no`
 * for every field it changed, and nothing for a field that already had the value.
 */
export function parseConfctlSet(stdout: string, shown: string): ConfctlChange[] {
  return lines(stdout).map((line) => {
    const match = CHANGE_LINE.exec(line);
    if (match === null) throw badOutput(shown, line);
    const [, name = '', field = '', from = '', to = ''] = match;
    return { name, field, from, to };
  });
}

function lines(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function badOutput(shown: string, line: string): CutoverError {
  return new CutoverError('adapter.bad-output', `Unexpected output from ${shown}: ${JSON.stringify(line.slice(0, 200))}`);
}
