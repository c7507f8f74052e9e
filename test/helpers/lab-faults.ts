import { expect } from 'vitest';
import type { LabCdnTally } from '../../lab/lab.js';
import { EtcdKeys } from '../../lab/servers/etcd-keys.js';
import type { ConsoleBot } from './console-bot.js';
import { K, labStep, type LabBots } from './lab-bot.js';

export const K8S_POOL = 'kartotherian-k8s-ssl';
export const EQIAD_MAPS = ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'];

/** The eqiad steps up to the Wikikube release on the lab: nginx on 6543, the LVS service, the CDN move, helm. */
export async function labThroughDeploy(chat: ConsoleBot, dc = 'eqiad'): Promise<void> {
  await labStep(chat, new RegExp(`✅ ${dc} nginx-tls-6543 done: `));
  await labStep(chat, new RegExp(`✅ ${dc} lvs-k8s-service done: `));
  await soakThrough(chat, await labStep(chat, new RegExp(`✅ ${dc} cdn-to-6543 done: soak of \\d+s passed|⏸ kartotherian-to-wikikube paused: inconclusive health`)), new RegExp(`✅ ${dc} cdn-to-6543 done: soak of \\d+s passed`));
  await labStep(chat, new RegExp(`✅ ${dc} helm-deploy done: `));
}

/**
 * A soak the loaded test machine could not judge (the CDN generator shares its CPU with every other
 * suite, and once read 0.6 req/s) pauses as inconclusive, safely; the operator then says resume,
 * as a person would. Twice at most: a third pause is a real answer, and the test fails on it.
 */
export async function soakThrough(chat: ConsoleBot, first: string, done: RegExp): Promise<void> {
  let line = first;
  for (let resumes = 0; !done.test(line); resumes += 1) {
    if (resumes === 2) throw new Error(`the soak paused three times: ${line}`);
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(`${K} resume`);
    [line = ''] = await chat.waitFor(new RegExp(`${done.source}|⏸ kartotherian-to-wikikube paused: inconclusive health`), { from: mark + 2, timeoutMs: 60_000 });
  }
}

/** What conftool holds in the lab's etcd for a host of the k8s pool: `pooled`, or undefined when there is no key. */
export async function etcdPooled(bots: LabBots, host: string, dc = 'eqiad', pool = K8S_POOL): Promise<string | undefined> {
  const keys = new EtcdKeys(bots.lab().lab.etcdUrl);
  const fqdn = host.includes('.') ? host : `${host}.${dc}.wmnet`;
  const entry = await keys.get(`/conftool/v1/pools/${dc}/maps/${pool}/${fqdn}`);
  return entry === undefined ? undefined : (JSON.parse(entry.value) as { pooled: string }).pooled;
}

/** The balancer's own weight for a host (HAProxy, as programmed by the pybal monitor), by short name. */
export async function balancerWeights(bots: LabBots, dc = 'eqiad', pool = K8S_POOL): Promise<Record<string, number>> {
  const weights = await bots.lab().lab.loadBalancer.weights(dc, pool);
  return Object.fromEntries(Object.entries(weights).map(([host, weight]) => [host.split('.')[0] ?? host, weight]));
}

/** Every eqiad bare-metal host still pooled=yes in the k8s pool, in etcd. */
export async function expectBareMetalPooled(bots: LabBots, dc = 'eqiad'): Promise<void> {
  const hosts = dc === 'eqiad' ? EQIAD_MAPS : EQIAD_MAPS.map((name) => name.replace('maps1', 'maps2'));
  expect(await Promise.all(hosts.map((host) => etcdPooled(bots, host, dc)))).toEqual(hosts.map(() => 'yes'));
}

/** The CDN's failures since `before`, for the test output. */
export function cdnSince(before: LabCdnTally, after: LabCdnTally, dc = 'eqiad'): { sent: number; failed: number; byStatus: Record<string, number> } {
  const then = before.byDc[dc];
  const now = after.byDc[dc];
  if (then === undefined || now === undefined) throw new Error(`no CDN tally for ${dc}`);
  const byStatus: Record<string, number> = {};
  for (const [status, count] of Object.entries(now.byStatus)) {
    const delta = count - (then.byStatus[status] ?? 0);
    if (delta > 0 && !/^[23]/.test(status)) byStatus[status] = delta;
  }
  return { sent: now.sent - then.sent, failed: now.failed - then.failed, byStatus };
}

/** Requests a step as alice and has bob approve it; the request's id and the transcript index it started at. */
export async function labApproved(chat: ConsoleBot, command: string): Promise<{ id: string; mark: number }> {
  const mark = chat.transcript().length;
  chat.say('/as alice');
  chat.say(`${K} ${command} rehearsal on the lab`);
  const [, id] = await chat.waitFor(/[⏳▶] (\w+): alice asks to run|✖ (.*)/, { from: mark });
  if (id === undefined) throw new Error(`step refused: ${chat.transcript().slice(mark).join('\n')}`);
  chat.say('/as bob');
  chat.say(`!approve ${id}`);
  return { id, mark };
}

/** The request's own end line (✅ or ❌ with its id). */
export async function outcomeOf(chat: ConsoleBot, request: { id: string; mark: number }, timeoutMs = 60_000): Promise<string> {
  const [line] = await chat.waitFor(new RegExp(`(?:✅|❌|➖) ${request.id}\\b.*`), { from: request.mark, timeoutMs });
  return line;
}

/** How many requests a worker's envoy answered so far (its own metrics; probes and pybal checks included). */
export async function workerAnswered(bots: LabBots, host: string): Promise<number> {
  const address = bots.lab().lab.topology.hosts.find((candidate) => candidate.fqdn.startsWith(`${host}.`))?.address;
  if (address === undefined) throw new Error(`no lab host ${host}`);
  const text = await (await fetch(`http://${address}:16543/stats/prometheus`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('envoy_cluster_upstream_rq{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop() ?? 0), 0);
}
