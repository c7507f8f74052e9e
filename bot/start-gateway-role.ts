import { createDispatcher } from '../commands/dispatch.js';
import { HEALTH_TIMEOUT_MS } from '../core/observe-health.js';
import { DeliveryGuard } from '../jobs/delivery-guard.js';
import { HealthSampler } from '../jobs/health-sampler.js';
import type { HealthSampleStream } from '../jobs/health-samples.js';
import { RequestMessages } from '../jobs/request-messages.js';
import type { Core } from './compose-core.js';
import { CommandLimiter, limitsFromConfig } from './command-limiter.js';
import { Gateway } from './gateway.js';
import type { ChatTransport } from './transport.js';

export interface GatewayRole {
  stop(): Promise<void>;
}

/**
 * The part of a process that talks to people: every transport joined to the one dispatcher, the
 * workers' messages delivered back, the watchdog over the workers' watches, the health samples.
 */
export async function startGatewayRole(core: Core, transports: readonly ChatTransport[], samples: HealthSampleStream): Promise<GatewayRole> {
  const { options, client, prefix, jobs, metrics, deps, inventories, watches, clock } = core;
  const { log, config } = options;
  const dispatcher = createDispatcher({
    config,
    inventories,
    deps,
    onCommand: (command, outcome) => metrics.commands.inc({ command, outcome }),
    onUnexpectedError: (error, message) => log.error({ err: error, text: message.text }, 'command failed unexpectedly'),
  });
  const messages = new RequestMessages(client, prefix);
  const deliveries = new DeliveryGuard(client, prefix);
  // One limiter for every chat: alice on IRC and on Slack is one caller.
  const limits = limitsFromConfig(config.access.command_limits);
  const limiter = new CommandLimiter(Date.now, limits.perCaller, limits.perChannel, limits.perPerson);
  // One chat being down at boot must not keep the others (or the console) from starting.
  const started = await Promise.allSettled(
    transports.map(async (transport) => {
      const gateway = new Gateway({ transport, dispatcher, messages, deliveries, limiter, log: (message, error) => log.error({ err: error }, message) });
      jobs.startDelivery(transport.name, (message) => gateway.deliver(message));
      await gateway.start();
    }),
  );
  started.forEach((outcome, index) => {
    if (outcome.status === 'rejected') log.error({ err: outcome.reason, transport: transports[index]?.name }, 'a chat transport failed to start; the others run');
  });

  // The status page's chart needs history, so samples are taken whether or not a page is open,
  // by the process that talks to people (a lone worker would double every sample).
  const sampler =
    config.ops_http === undefined
      ? undefined
      : new HealthSampler({
          services: [...inventories.values()].flatMap((inventory) => {
            const observer = deps.observers?.get(inventory.serviceName);
            return observer === undefined ? [] : [{ inventory, observer }];
          }),
          append: (sample) => samples.append(sample),
          clock,
          intervalMs: config.ops_http.sample_seconds * 1000,
          timeoutMs: HEALTH_TIMEOUT_MS,
          onError: (error) => log.warn({ err: error }, 'health sample failed'),
        });
  sampler?.start();
  // The gateway watches the workers' guards and soaks: a stalled worker cannot report itself.
  watches.watchdog.start();
  return {
    async stop() {
      await sampler?.stop();
      await watches.watchdog.stop();
    },
  };
}
