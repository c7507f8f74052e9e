/**
 * The one config file's schema, read top to bottom as the YAML is: it runs past 300 lines because
 * splitting it would scatter one document's rules; the per-service backend layering, derived
 * defaults and cross-service checks already live in their own files beside it.
 */
import * as z from 'zod';
import type { AccessModel, Role as CoreRole, ServiceModel } from '../core/model.js';
import { confctlPoolingSettingsSchema, etcdPoolingSettingsSchema } from '../adapters/conftool/settings.js';
import { resolveEntriesSchema } from '../adapters/probes/resolve-map.js';
import { spicerackLocksSettingsSchema } from '../adapters/spicerack/settings.js';
import { grafanaSettingsSchema } from '../adapters/grafana/settings.js';
import { phabricatorSettingsSchema } from '../adapters/phabricator/settings.js';
import { WEEKDAYS, type ChangeWindows } from '../core/change-window.js';
import { crossServiceIssues } from './cross-service.js';
import { checkSentinelPair, redisFailoverShape } from './redis-settings.js';
import { backendLayersSchema, resolveServiceBackends } from './service-backends.js';

/** Names that end up in Redis keys, BullMQ queue names and chat replies: keep them boring. */
const slug = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, {
  error: 'must be lowercase letters, digits and dashes, starting with a letter',
});
const fqdn = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))+$/, { error: 'must be a lowercase FQDN' });
const datacenter = slug;

export const roleSchema = z.enum(['viewer', 'operator', 'approver', 'admin']);
export type Role = z.infer<typeof roleSchema>;

export const pooledSchema = z.enum(['yes', 'no', 'inactive']);
const weightSchema = z.int().min(0).max(100);

const hostGroupSchema = z.strictObject({
  kind: z.enum(['bare-metal', 'k8s-worker']),
  /** The LVS service a host of this group is pooled into when the command names none. */
  default_lvs_service: slug.optional(),
  hosts: z.record(datacenter, z.array(fqdn).min(1)),
});

const lvsServiceSchema = z.strictObject({
  port: z.int().min(1).max(65535),
  tls: z.boolean(),
  /** Where pybal reads this pool: /conftool/v1/pools/<dc>/<cluster>/<service>/ */
  conftool: z.strictObject({ cluster: slug, service: slug }),
  /** pybal's guard: after a depool, pooled-and-up hosts must stay >= total x threshold. */
  depool_threshold: z.number().min(0).max(1),
  /** Host groups that may be members of this pool. */
  members: z.array(slug).min(1),
});

const approvalSchema = z.strictObject({
  /** How many people other than the requester must approve a mutating command; 0 turns the gate off. */
  approvers_required: z.int().min(0).max(5).default(1),
  ttl_seconds: z.int().min(5).max(86_400).default(900),
  require_reason: z.boolean().default(false),
});

/**
 * The guard watches every pooled Wikikube worker with real requests, whoever pooled it. Its
 * health analysis uses the plan's settings (interval scaled by the plan's time_scale).
 */
const guardSchema = z.strictObject({
  /** Every pooled worker gets real requests this often; a failing one is depooled within about two of these. */
  probe_interval_seconds: z.number().min(0.05).max(600).default(5),
  probe_attempts: z.int().min(1).max(20).default(2),
  /** Requests to a worker that just failed, before it is depooled: one lost packet is not an outage. */
  confirm_attempts: z.int().min(1).max(20).default(3),
  /** How long a worker must serve real requests without a failure before it counts as capacity. */
  prove_seconds: z.number().min(0).max(86_400).default(300),
});

const serviceSchema = z
  .strictObject({
    description: z.string().max(200).optional(),
    datacenters: z.array(datacenter).min(1),
    default_weight: weightSchema.min(1).default(10),
    host_groups: z.record(slug, hostGroupSchema),
    lvs_services: z.record(slug, lvsServiceSchema),
    approval: approvalSchema.prefault({}),
    guard: guardSchema.prefault({}),
    /** This service's own backend settings, laid over the shared `backends` blocks (see service-backends.ts). */
    backends: backendLayersSchema.optional(),
  })
  .superRefine((service, ctx) => {
    for (const [groupName, group] of Object.entries(service.host_groups)) {
      for (const [dc, hosts] of Object.entries(group.hosts)) {
        if (!service.datacenters.includes(dc)) {
          ctx.addIssue({
            code: 'custom',
            path: ['host_groups', groupName, 'hosts', dc],
            message: `datacenter "${dc}" is not listed in datacenters (${service.datacenters.join(', ')})`,
          });
        }
        hosts.forEach((host, index) => {
          if (!host.endsWith(`.${dc}.wmnet`)) {
            ctx.addIssue({
              code: 'custom',
              path: ['host_groups', groupName, 'hosts', dc, index],
              message: `host "${host}" is listed under ${dc} but is not a .${dc}.wmnet name`,
            });
          }
        });
      }
      if (group.default_lvs_service !== undefined && !Object.hasOwn(service.lvs_services, group.default_lvs_service)) {
        ctx.addIssue({
          code: 'custom',
          path: ['host_groups', groupName, 'default_lvs_service'],
          message: `unknown LVS service "${group.default_lvs_service}"`,
        });
      }
    }
    for (const [lvsName, lvs] of Object.entries(service.lvs_services)) {
      lvs.members.forEach((member, index) => {
        if (!Object.hasOwn(service.host_groups, member)) {
          ctx.addIssue({
            code: 'custom',
            path: ['lvs_services', lvsName, 'members', index],
            message: `unknown host group "${member}"`,
          });
        }
      });
    }
    const seen = new Map<string, string>();
    for (const [groupName, group] of Object.entries(service.host_groups)) {
      for (const hosts of Object.values(group.hosts)) {
        for (const host of hosts) {
          const other = seen.get(host);
          if (other !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['host_groups', groupName, 'hosts'],
              message: `host "${host}" is also in group "${other}"`,
            });
          }
          seen.set(host, groupName);
        }
      }
    }
  });

const commandBucketSchema = z.strictObject({ burst: z.int().min(1).max(100_000), every_seconds: z.number().min(0.001).max(3600) });

const personSchema = z.strictObject({
  /** IRC services account (not the nick): issue 3 binds identities to it. */
  irc: z.string().min(1).max(64).optional(),
  /** Slack user id, e.g. U012AB3CD. */
  slack: z.string().regex(/^[UW][A-Z0-9]{2,20}$/, { error: 'must be a Slack user id like U012AB3CD' }).optional(),
  roles: z.record(slug, z.array(roleSchema).min(1)),
});

const seedEntrySchema = z.strictObject({ pooled: pooledSchema, weight: weightSchema });

const poolingBackendSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('simulated'),
    /** Pool state the simulated fleet starts from, per LVS service and host group, when Redis holds none. */
    seed: z.record(slug, z.record(slug, seedEntrySchema)).default({}),
  }),
  etcdPoolingSettingsSchema,
  confctlPoolingSettingsSchema,
]);

const planRefSchema = z.strictObject({
  /** Plan file, relative to this config file. */
  file: z.string().min(1),
  /** Overrides the plan's time_scale: a rehearsal on the simulated fleet runs soaks faster. */
  time_scale: z.number().positive().max(1).optional(),
});

const consoleTransportSchema = z.strictObject({
  enabled: z.boolean().default(true),
  channel: z.string().min(1).max(64).default('#console'),
  /** Who is speaking until a `/as NAME` line says otherwise. */
  speaker: z.string().min(1).max(64),
});

// eslint-disable-next-line no-control-regex -- BEL is one of the characters RFC 2812 forbids in channel names
const ircChannel = z.string().regex(/^[#&][^\s,\u0007]{1,49}$/, { error: 'an IRC channel like #wikimedia-operations' });

/** IRC via irc-framework; the SASL password comes from IRC_SASL_PASSWORD, never from here. */
const ircTransportSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Names this network in identities and logs, e.g. libera. */
  network: slug.default('libera'),
  host: z.string().min(1),
  port: z.int().min(1).max(65535).default(6697),
  tls: z.boolean().default(true),
  /** Verify the server certificate; only a test network may turn this off. */
  tls_verify: z.boolean().default(true),
  /** Extra CA bundle (PEM) to trust, e.g. a test CA. */
  ca_file: z.string().optional(),
  nick: z.string().regex(/^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,29}$/, { error: 'a valid IRC nick' }),
  channels: z.array(ircChannel).min(1),
  sasl: z
    .strictObject({
      mechanism: z.enum(['PLAIN', 'EXTERNAL']),
      account: z.string().min(1),
      /** EXTERNAL: PEM client certificate and key files. */
      client_cert: z.string().optional(),
      client_key: z.string().optional(),
    })
    .optional(),
  /** Trust bare nicks as identities when the network has no services accounts. Off unless a network is private. */
  trust_nicks: z.boolean().default(false),
  outbox: z
    .strictObject({
      burst: z.int().min(1).max(20).default(4),
      lines_per_second: z.number().min(0.1).max(10).default(1),
      max_line_bytes: z.int().min(100).max(450).default(350),
      max_queued_lines: z.int().min(10).max(10_000).default(500),
    })
    .prefault({}),
  reconnect: z
    .strictObject({ min_seconds: z.number().min(0.1).default(2), max_seconds: z.number().min(1).default(300) })
    .prefault({}),
});

/** Slack via Bolt; tokens come from SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_SIGNING_SECRET. */
const slackTransportSchema = z.strictObject({
  enabled: z.boolean().default(true),
  mode: z.enum(['socket', 'http']).default('socket'),
  /** HTTP receiver port (mode http). */
  port: z.int().min(0).max(65535).default(3000),
  /** Address the HTTP receiver binds (mode http); loopback when absent, so only a local proxy reaches it. */
  listen_host: z.string().min(1).max(255).optional(),
  /** Channels the bot answers in (ids like C0123ABCD); empty means wherever it is invited. */
  channels: z.array(z.string().regex(/^[CG][A-Z0-9]{2,20}$/)).default([]),
  /** Web API base URL; only tests point it elsewhere. */
  api_url: z.url().optional(),
  /** A slash command per service; a service not listed gets /<its name>. */
  slash_commands: z.record(slug, z.string().regex(/^\/[a-z0-9-]{1,31}$/, { error: 'a slash command like /thumbor' })).default({}),
});

const clockSchema = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, { error: 'a UTC time like 13:00' });
const momentSchema = z.iso.datetime({ offset: true, error: 'a timestamp like 2026-12-18T00:00:00Z' }).transform((text) => Date.parse(text));

/** When mutating requests may be filed and run (core/change-window.ts); absent, always. */
const changeWindowsSchema = z.strictObject({
  /** Open on these days, `from` to `to` UTC; none listed means every hour outside a freeze. */
  windows: z.array(z.strictObject({ days: z.array(z.enum(WEEKDAYS)).min(1), from: clockSchema, to: clockSchema })).default([]),
  /** Closed from `from` to `to` whatever the windows say, with the reason people are told. */
  freezes: z
    .array(
      z.strictObject({ from: momentSchema, to: momentSchema, reason: z.string().min(1).max(120) }).refine((freeze) => freeze.to > freeze.from, { error: 'a freeze ends after it starts' }),
    )
    .default([]),
}) satisfies z.ZodType<ChangeWindows, unknown>;

export const configSchema = z
  .strictObject({
    services: z.record(slug, serviceSchema).refine((services) => Object.keys(services).length > 0, {
      error: 'at least one service is required',
    }),
    people: z.record(slug, personSchema),
    access: z
      .strictObject({
        /** Who may run read-only commands: anyone in the channel, or only configured people. */
        read_only: z.enum(['anyone', 'configured']).default('anyone'),
        /**
         * Commands per caller: `burst` at once, then one every `every_seconds` (bot/command-limiter.ts).
         * A stranger, all strangers of one channel together, and a configured person (whatever the chat).
         * Approvals by configured people are never limited.
         */
        command_limits: z
          .strictObject({
            stranger: commandBucketSchema.prefault({ burst: 5, every_seconds: 3 }),
            channel_strangers: commandBucketSchema.prefault({ burst: 10, every_seconds: 2 }),
            person: commandBucketSchema.prefault({ burst: 20, every_seconds: 1 }),
          })
          .prefault({}),
      })
      .prefault({}),
    /**
     * conftool is one store for every service; every other block here is a default shared by
     * all services, which a service's own `services.<name>.backends` overrides key by key.
     */
    backends: backendLayersSchema.extend({
      pooling: poolingBackendSchema,
      /**
       * spicerack's cookbook locks, in conftool's etcd (pooling kind etcd): a hand change or a plan
       * step locks the host as sre.k8s.pool-depool-node would, and is refused while a cookbook holds it.
       */
      cookbook_locks: spicerackLocksSettingsSchema.optional(),
      /** Phabricator: each plan step's start and end, emergency stop and hand change commented on its task, with the undo. */
      phabricator: phabricatorSettingsSchema.optional(),
      /** Grafana: an annotation per pool change and plan step, so dashboards show when the share moved. */
      grafana: grafanaSettingsSchema.optional(),
    }),
    /** Read everything for real, write nothing: every write is shown in the channel instead. */
    dry_run: z.boolean().default(false),
    /** Change windows and freezes for every mutating request but an emergency stop. */
    change_windows: changeWindowsSchema.optional(),
    /** Migration plans by service. */
    plans: z.record(slug, planRefSchema).default({}),
    transports: z.strictObject({
      console: consoleTransportSchema.optional(),
      irc: ircTransportSchema.optional(),
      slack: slackTransportSchema.optional(),
    }),
    redis: z
      .strictObject({
        /** Prefix for every key cutover and BullMQ write, so several bots can share one Redis. */
        prefix: slug.default('cutover'),
        /** Start a private redis-server when nothing answers at REDIS_URL (never with sentinels). */
        autostart: z.boolean().default(true),
        ...redisFailoverShape,
      })
      .superRefine(checkSentinelPair)
      .prefault({}),
    /**
     * The leader lease (`--role all|gateway`): one instance holds it and speaks, the others stand by.
     * A holder that cannot renew within lease_seconds steps down by itself; a standby takes over
     * once the lease is free (at once after a clean stop, within lease_seconds after a crash).
     */
    leader: z
      .strictObject({
        lease_seconds: z.number().min(1).max(300).default(8),
        renew_seconds: z.number().min(0.1).max(100).default(2),
      })
      .refine((leader) => leader.renew_seconds * 2 <= leader.lease_seconds, { error: 'renew_seconds must be at most half of lease_seconds, so one missed renewal does not lose the lease' })
      .prefault({}),
    /**
     * Files holding secrets, for hosts where the environment is not the place (systemd credentials,
     * puppet-managed files). Each is an alternative to its environment variable, never both.
     */
    secrets: z
      .strictObject({
        irc_sasl_password_file: z.string().min(1),
        slack_bot_token_file: z.string().min(1),
        slack_app_token_file: z.string().min(1),
        slack_signing_secret_file: z.string().min(1),
        etcd_password_file: z.string().min(1),
        phabricator_token_file: z.string().min(1),
        grafana_token_file: z.string().min(1),
        redis_password_file: z.string().min(1),
      })
      .partial()
      .default({}),
    /** /metrics, /healthz, /readyz and the status page at /; loopback only, off unless configured (port 0 picks a free one). */
    ops_http: z
      .strictObject({
        host: z.enum(['127.0.0.1', '::1']).default('127.0.0.1'),
        port: z.int().min(0).max(65535),
        /** How often the status page's health chart gets a sample (k8s share, 5xx, p99 per DC). */
        sample_seconds: z.number().min(0.2).max(3600).default(30),
      })
      .optional(),
    state_dir: z.string().min(1).default('.state'),
    /** How long shutdown waits for in-flight work to settle. */
    shutdown_grace_seconds: z.int().min(1).max(300).default(30),
    /**
     * Where host names connect, as curl's --resolve says it: "HOST:PORT:ADDR[,ADDR]", PORT `*` for
     * any port, IPv6 in brackets. The probes (TLS, HTTP, VIP path, real traffic) and the pybal reads
     * connect to ADDR yet send HOST as SNI and Host and check the certificate against it; names not
     * listed go to the system resolver. For a host not yet in DNS, one backend behind a name, or
     * the lab (npm run lab), without editing /etc/hosts. etcd and Prometheus take URLs: write the
     * address there.
     */
    network: z.strictObject({ resolve: resolveEntriesSchema.prefault([]) }).prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.backends.cookbook_locks !== undefined && config.backends.pooling.kind !== 'etcd') {
      ctx.addIssue({ code: 'custom', path: ['backends', 'cookbook_locks'], message: `spicerack's locks live in conftool's etcd: they need backends.pooling.kind etcd (it is ${config.backends.pooling.kind})` });
    }
    for (const [name, person] of Object.entries(config.people)) {
      for (const service of Object.keys(person.roles)) {
        if (!Object.hasOwn(config.services, service)) {
          ctx.addIssue({ code: 'custom', path: ['people', name, 'roles', service], message: `unknown service "${service}"` });
        }
      }
    }
    const pooling = config.backends.pooling;
    const seed = pooling.kind === 'simulated' ? pooling.seed : {};
    for (const [lvsName, groups] of Object.entries(seed)) {
      const owner = Object.values(config.services).find((service) => Object.hasOwn(service.lvs_services, lvsName));
      if (owner === undefined) {
        ctx.addIssue({ code: 'custom', path: ['backends', 'pooling', 'seed', lvsName], message: `unknown LVS service "${lvsName}"` });
        continue;
      }
      for (const group of Object.keys(groups)) {
        if (!owner.lvs_services[lvsName]?.members.includes(group)) {
          ctx.addIssue({
            code: 'custom',
            path: ['backends', 'pooling', 'seed', lvsName, group],
            message: `host group "${group}" is not a member of ${lvsName}`,
          });
        }
      }
    }
    const speaker = config.transports.console?.speaker;
    if (speaker !== undefined && !Object.hasOwn(config.people, speaker)) {
      ctx.addIssue({ code: 'custom', path: ['transports', 'console', 'speaker'], message: `unknown person "${speaker}"` });
    }
    for (const issue of [...crossServiceIssues(config), ...resolveServiceBackends(config.services, config.backends).issues]) ctx.addIssue({ code: 'custom', ...issue });
  })
  // Each service gets its merged settings; the shared blocks have done their work and are dropped,
  // so nothing can read an unmerged one by mistake.
  .transform(({ backends: { pooling, cookbook_locks, phabricator, grafana, ...shared }, services, ...rest }) => {
    const resolved = resolveServiceBackends(services, shared).backends;
    const withBackends = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, { ...service, backends: resolved.get(name) ?? unreachable(name) }]));
    const outside = { ...(cookbook_locks === undefined ? {} : { cookbook_locks }), ...(phabricator === undefined ? {} : { phabricator }), ...(grafana === undefined ? {} : { grafana }) };
    return { ...rest, backends: { pooling, ...outside }, services: withBackends };
  });

/** The refinement above has refused every config whose backends do not resolve. */
function unreachable(service: string): never {
  throw new Error(`backends of ${service} did not resolve after validation`);
}

export type Config = z.infer<typeof configSchema>;
export type ServiceConfig = Config['services'][string];
export type LvsServiceConfig = ServiceConfig['lvs_services'][string];
export type HostGroupConfig = ServiceConfig['host_groups'][string];
export type PersonConfig = Config['people'][string];
export type IrcTransportConfig = NonNullable<Config['transports']['irc']>;
export type SlackTransportConfig = NonNullable<Config['transports']['slack']>;

/** config/ maps the YAML onto core's model (core/model.ts): these stop compiling if the two drift apart. */
type Fits<Parsed extends Model, Model> = Parsed;
export type _ConfigFitsAccessModel = Fits<Config, AccessModel>;
export type _ServiceFitsServiceModel = Fits<ServiceConfig, ServiceModel>;
export type _RoleIsCoreRole = Fits<Role, CoreRole>;
