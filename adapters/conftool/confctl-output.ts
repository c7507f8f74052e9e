import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import type { PoolState } from '../../core/pool-state.js';
import { conftoolNameSchema, conftoolTagSchema, type ConftoolKey } from './conftool-key.js';
import { splitConftoolValue } from './conftool-value.js';
import { parseJson } from '../../core/parse-json.js';

export interface ConfctlObject {
  name: string;
  tags: { dc: string; cluster: string; service: string };
  state: PoolState;
}

/** One line of what `set` printed. A report, not proof: see parseConfctlSet. */
export interface ConfctlChange {
  /** The object the line names, from its `<dc>/<cluster>/<service>/<fqdn>: ` prefix. */
  object: ConftoolKey;
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
    const value = splitConftoolValue(line[name]);
    const tags = tagsSchema.safeParse(line['tags']);
    if (!parsedName.success || value === undefined || !tags.success) {
      ctx.addIssue({ code: 'custom', message: 'bad name, value or tags' });
      return z.NEVER;
    }
    return { name: parsedName.data, tags: tags.data, state: value.state };
  });

/** Parses `confctl select ... get`: one JSON object per line, nothing else. */
export function parseConfctlGet(stdout: string, shown: string): ConfctlObject[] {
  return lines(stdout).map((line) => {
    const parsed = getLineSchema.safeParse(parseJson(line));
    if (!parsed.success) throw badOutput(shown, line);
    return parsed.data;
  });
}

const CHANGE_LINE = /^([^/\s]+)\/([^/\s]+)\/([^/\s]+)\/([^/\s]+): (\S+) changed (.*) => (.*)$/;

/**
 * Parses what `confctl select ... set/...` prints on stdout (conftool 3.0.1, see
 * confctl-transcripts.md): one line per field, prefixed with the object's path,
 * `eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet: pooled changed inactive => yes`.
 * These lines prove nothing: weight is reported even when it already had the value
 * (`weight changed 10 => 10`), pooled is not reported when it had, and a selector matching
 * nothing prints nothing and exits 0. Only reading the object back says what is stored. The
 * parse still refuses anything else, which would mean a confctl that is not the one we know.
 */
export function parseConfctlSet(stdout: string, shown: string): ConfctlChange[] {
  return lines(stdout).map((line) => {
    const match = CHANGE_LINE.exec(line);
    const [, dc = '', cluster = '', service = '', fqdn = '', field = '', from = '', to = ''] = match ?? [];
    const named = [dc, cluster, service].every((tag) => conftoolTagSchema.safeParse(tag).success) && conftoolNameSchema.safeParse(fqdn).success;
    if (match === null || !named) throw badOutput(shown, line);
    return { object: { dc, cluster, service, fqdn }, field, from, to };
  });
}

/**
 * confctl's stderr without the IRC-handler warning conftool logs on every run where IRC is not
 * configured: it says nothing about the command, and would take a place among the few stderr
 * lines an error shows.
 */
export function confctlStderr(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith('WARNING:conftool:Skipped configuration of IRC handler'))
    .join('\n');
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
