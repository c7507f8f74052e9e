import type { Redis } from 'ioredis';
import { GrafanaAnnotations } from '../adapters/grafana/grafana-annotations.js';
import { PhabricatorTaskLog } from '../adapters/phabricator/phabricator-task-log.js';
import type { EnvSettings } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { CutoverError } from '../core/errors.js';
import type { ChangeRecorder } from '../core/ports/change-records.js';
import { ChangeRecords, reportRecords } from '../jobs/change-records.js';
import type { IntegrationHealth } from '../jobs/integration-health.js';
import type { Notifier } from '../jobs/notifier.js';
import { withIntegration } from './create-integrations.js';

export interface ChangeRecordsRole {
  /** Undefined when neither Phabricator nor Grafana is configured, or in a dry run (a comment is a write too). */
  recorder: ChangeRecorder | undefined;
  stop(): Promise<void>;
}

/**
 * Phabricator comments and Grafana annotations when the config names them, each with its
 * retrying outbox in Redis (any process may deliver; a message is claimed by one). A configured
 * service without its token refuses to start rather than lose every record silently.
 */
export function createChangeRecords(options: {
  config: Config;
  env: EnvSettings;
  client: Redis;
  prefix: string;
  notifier: Pick<Notifier, 'send'>;
  log: (message: string, error?: unknown) => void;
  /** Where status learns whether Phabricator and Grafana answer and what waits for them. */
  integrations?: IntegrationHealth;
}): ChangeRecordsRole {
  const { config, env, client, prefix, notifier, log, integrations } = options;
  const { phabricator, grafana } = config.backends;
  if (config.dry_run || (phabricator === undefined && grafana === undefined)) return { recorder: undefined, stop: async () => undefined };
  const taskLog =
    phabricator === undefined
      ? undefined
      : withIntegration(integrations, { name: 'phabricator', what: 'comments', probeSeconds: phabricator.probe_seconds }, reportRecords('Phabricator', notifier, log), (onReport) =>
          new PhabricatorTaskLog({ settings: phabricator, redis: client, prefix, token: required(env.phabricatorToken, 'backends.phabricator', 'PHABRICATOR_TOKEN', 'phabricator_token_file'), onReport }),
        );
  const annotations =
    grafana === undefined
      ? undefined
      : withIntegration(integrations, { name: 'grafana', what: 'annotations', probeSeconds: grafana.probe_seconds }, reportRecords('Grafana', notifier, log), (onReport) =>
          new GrafanaAnnotations({ settings: grafana, redis: client, prefix, token: required(env.grafanaToken, 'backends.grafana', 'GRAFANA_TOKEN', 'grafana_token_file'), onReport }),
        );
  taskLog?.outbox.start();
  annotations?.outbox.start();
  return {
    recorder: new ChangeRecords({ taskLog, annotations, log }),
    async stop() {
      await Promise.all([taskLog?.outbox.stop(), annotations?.outbox.stop()]);
    },
  };
}

function required(token: string | undefined, setting: string, variable: string, file: string): string {
  if (token !== undefined) return token;
  throw new CutoverError('config.invalid', `${setting} is configured but ${variable} is not set (or secrets.${file}).`);
}
