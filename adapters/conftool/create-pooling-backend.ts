import { CutoverError } from '../../core/errors.js';
import { createCommandRunner, type CommandRunner } from '../command-runner.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import { ConfctlPooling } from './confctl-pooling.js';
import { DryRunPooling } from './dry-run-pooling.js';
import { EtcdV2Client } from './etcd-client.js';
import { EtcdPooling } from './etcd-pooling.js';
import type { ConftoolPoolingSettings } from './settings.js';

export interface CreatePoolingOptions {
  /** etcd v2 auth password, read from the environment by the caller; required when settings name a user. */
  password?: string;
  /** Wrap in DryRunPooling: real reads, writes recorded and never sent. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Collaborators, for tests. */
  fetch?: typeof globalThis.fetch;
  runner?: CommandRunner;
  env?: Readonly<Record<string, string>>;
}

/** Builds the conftool backend the config selects (`backends.pooling.kind` etcd or confctl). */
export function createPoolingBackend(settings: ConftoolPoolingSettings, options: CreatePoolingOptions = {}): PoolingBackend {
  const backend = settings.kind === 'etcd' ? etcdBackend(settings, options) : confctlBackend(settings, options);
  return options.dryRun === true ? new DryRunPooling(backend) : backend;
}

function etcdBackend(settings: Extract<ConftoolPoolingSettings, { kind: 'etcd' }>, options: CreatePoolingOptions): EtcdPooling {
  if (settings.username !== undefined && (options.password === undefined || options.password === '')) {
    throw new CutoverError('config.invalid', `backends.pooling.username is ${settings.username} but no etcd password was given (set it in the environment).`);
  }
  return new EtcdPooling(createEtcdClient(settings, options));
}

/** conftool's etcd as its settings name it; spicerack's locks live there too (bot/create-cookbook-locks.ts). */
export function createEtcdClient(settings: Extract<ConftoolPoolingSettings, { kind: 'etcd' }>, options: Pick<CreatePoolingOptions, 'password' | 'fetch' | 'signal'> = {}): EtcdV2Client {
  return new EtcdV2Client({
    endpoints: settings.endpoints,
    timeoutMs: settings.timeout_ms,
    ...(settings.username === undefined || options.password === undefined ? {} : { auth: { username: settings.username, password: options.password } }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

function confctlBackend(settings: Extract<ConftoolPoolingSettings, { kind: 'confctl' }>, options: CreatePoolingOptions): ConfctlPooling {
  return new ConfctlPooling({
    runner: options.runner ?? createCommandRunner(settings.host),
    timeoutMs: settings.timeout_ms,
    confctlPath: settings.confctl_path,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}
