import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';
import { formatPoolState, poolStateSchema, samePoolState, type PoolState } from '../../core/pool-state.js';
import { assertSucceeded, type CommandResult, type CommandRunner, type CommandSpec } from '../command-runner.js';
import { byFqdn, type PoolEntry, type PoolingBackend } from '../../core/ports/pooling.js';
import { conftoolPoolDirectory, parseConftoolPath, type ConftoolKey } from './conftool-key.js';
import { formatConftoolValue } from './conftool-value.js';
import { confctlStderr, parseConfctlGet, parseConfctlSet, type ConfctlChange, type ConfctlObject } from './confctl-output.js';

export interface ConfctlPoolingOptions {
  /** Local or ssh to a cumin host; it owns argv, timeouts and redaction. */
  runner: CommandRunner;
  timeoutMs: number;
  confctlPath?: string;
  /** Environment for confctl (the runner passes nothing else through). */
  env?: Readonly<Record<string, string>>;
  /** Cancels a running confctl, e.g. on shutdown. */
  signal?: AbortSignal;
}

/**
 * conftool through `confctl select '<selector>' get|set/...`. confctl has no compare-and-swap,
 * so the revision is the value itself (conftool's JSON of it): compareAndSet re-reads, refuses
 * if the value is not the one the caller read, then sets. What remains is the moment between
 * that re-read and the set, which only etcd's prevIndex closes; the read-back after the set
 * catches a writer that slips into it.
 *
 * Fields cutover does not own (`"reason": "T1"`) are invisible here: `get` shows only conftool's
 * schema fields. They are never lost either, because confctl's set merges into the stored value
 * itself. So entries from this backend carry no `extra`, and `keep` is not needed to write.
 */
export class ConfctlPooling implements PoolingBackend {
  readonly kind = 'confctl';
  private readonly confctl: string;

  constructor(private readonly options: ConfctlPoolingOptions) {
    this.confctl = options.confctlPath ?? 'confctl';
  }

  async get(path: string): Promise<PoolEntry | undefined> {
    const key = parseConftoolPath(path);
    const found = only(path, key, await this.select(key));
    return found === undefined ? undefined : toEntry(path, found);
  }

  async listPool(pool: PoolRef): Promise<PoolEntry[]> {
    const directory = conftoolPoolDirectory(pool);
    const objects = await this.select({ dc: pool.dc, cluster: pool.cluster, service: pool.conftoolService });
    return objects.map((object) => toEntry(`${directory}/${object.name}`, object)).sort(byFqdn);
  }

  async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, _keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
    const key = parseConftoolPath(path);
    const spec = this.setSpec(key, next);
    // confctl asks "Ok to continue? [y/N]" when a set matches several objects; never get that far.
    const current = only(path, key, await this.select(key));
    if (current === undefined && expectedRevision === null) {
      throw new CutoverError('pooling.backend', `${path} does not exist and confctl cannot create it: conftool objects come from conftool-data in puppet.`);
    }
    const currentRevision = current === undefined ? null : formatConftoolValue(current.state);
    if (currentRevision !== expectedRevision) {
      throw new CutoverError(
        'pooling.conflict',
        `Someone else changed ${path} (now ${currentRevision ?? 'absent'}, expected ${expectedRevision ?? 'absent'}); nothing was written.`,
      );
    }
    const result = this.succeeded(await this.options.runner.run(spec));
    const changes = parseConfctlSet(result.stdout, result.shown);
    const stray = changes.find((change) => !sameKey(change.object, key));
    if (stray !== undefined) {
      const { dc, cluster, service, fqdn } = stray.object;
      throw new CutoverError(
        'adapter.bad-output',
        `${result.shown} reported changing ${stray.field} on ${dc}/${cluster}/${service}/${fqdn}, which the selector does not name; check conftool by hand.`,
      );
    }
    // What confctl printed is no proof either way (see parseConfctlSet): what is stored now is.
    const stored = only(path, key, await this.select(key));
    if (stored === undefined || !samePoolState(stored.state, next)) {
      throw new CutoverError(
        'pooling.verify-failed',
        `Set ${formatPoolState(next)} on ${path} with confctl, but it reads back ${formatPoolState(stored?.state)}${said(result, changes)}; check !status and conftool by hand.`,
      );
    }
    return toEntry(path, stored);
  }

  /** The exact command compareAndSet would run (after its re-read), for dry-run. */
  describeWrite(path: string, next: PoolState, _expectedRevision: string | null, _keep?: Readonly<Record<string, unknown>>): string {
    return this.options.runner.describe(this.setSpec(parseConftoolPath(path), next));
  }

  private async select(tags: Omit<ConftoolKey, 'fqdn'> & { fqdn?: string }): Promise<ConfctlObject[]> {
    const result = this.succeeded(await this.options.runner.run(this.spec([selector(tags), 'get'])));
    const objects = parseConfctlGet(result.stdout, result.shown);
    for (const object of objects) {
      const { dc, cluster, service } = object.tags;
      if (dc !== tags.dc || cluster !== tags.cluster || service !== tags.service) {
        throw new CutoverError('adapter.bad-output', `${result.shown} returned ${object.name} (${dc}/${cluster}/${service}), which the selector does not name.`);
      }
    }
    return objects;
  }

  private succeeded(result: CommandResult): CommandResult {
    return assertSucceeded({ ...result, stderr: confctlStderr(result.stderr) });
  }

  private setSpec(key: ConftoolKey, next: PoolState): CommandSpec {
    const state = poolStateSchema.safeParse(next);
    if (!state.success) throw new CutoverError('input.invalid', `Refusing to write an invalid pool state for ${key.fqdn}: ${JSON.stringify(next)}`);
    return this.spec([selector(key), `set/pooled=${state.data.pooled}:weight=${state.data.weight}`]);
  }

  private spec(words: [string, string]): CommandSpec {
    // --quiet: cutover logs each pool change to SAL itself, with who asked and why.
    return {
      argv: [this.confctl, '--quiet', 'select', ...words],
      timeoutMs: this.options.timeoutMs,
      ...(this.options.env === undefined ? {} : { env: this.options.env }),
      ...(this.options.signal === undefined ? {} : { signal: this.options.signal }),
    };
  }
}

/**
 * confctl selectors are `tag=regex`, each anchored (^…$). The words were validated (letters,
 * digits, `.`, `-`, `_`), so escaping the dots makes each one match only itself:
 * `maps1005.eqiad.wmnet` would otherwise also select `maps1005-eqiad.wmnet`.
 */
export function selector(tags: Omit<ConftoolKey, 'fqdn'> & { fqdn?: string }): string {
  const parts = [`dc=${escapeRegex(tags.dc)}`, `cluster=${escapeRegex(tags.cluster)}`, `service=${escapeRegex(tags.service)}`];
  return (tags.fqdn === undefined ? parts : [`name=${escapeRegex(tags.fqdn)}`, ...parts]).join(',');
}

function escapeRegex(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toEntry(path: string, object: ConfctlObject): PoolEntry {
  return { path, fqdn: object.name, state: object.state, revision: formatConftoolValue(object.state) };
}

function sameKey(a: ConftoolKey, b: ConftoolKey): boolean {
  return a.dc === b.dc && a.cluster === b.cluster && a.service === b.service && a.fqdn === b.fqdn;
}

/** What confctl said about a set that did not stick, for the person who has to look. */
function said(result: CommandResult, changes: readonly ConfctlChange[]): string {
  const reported = changes.length === 0 ? 'no change' : changes.map((change) => `${change.field} ${change.from} => ${change.to}`).join(', ');
  const stderr = result.stderr.trim().split('\n').slice(-3).join(' | ');
  return ` (confctl reported ${reported}${stderr === '' ? '' : `; stderr: ${stderr}`})`;
}

/** The one object a key selects. More than one is refused outright: set would prompt, and which one was meant is unknowable. */
function only(path: string, key: ConftoolKey, found: readonly ConfctlObject[]): ConfctlObject | undefined {
  if (found.length > 1) {
    throw new CutoverError(
      'pooling.backend',
      `The confctl selection for ${path} matches ${found.length} objects (${found.map((object) => object.name).join(', ')}); refusing to act on more than one.`,
    );
  }
  const object = found[0];
  if (object !== undefined && object.name !== key.fqdn) {
    throw new CutoverError('adapter.bad-output', `confctl returned ${object.name} when asked for ${key.fqdn}.`);
  }
  return object;
}
