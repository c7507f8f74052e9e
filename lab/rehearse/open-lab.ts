import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG_PATH, parseConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { startLoadBalancer } from '../balancer/start-load-balancer.js';
import { startLab, type Lab, type LabOptions } from '../lab.js';
import { shQuote, writeLabBin } from '../stand-ins/bin-dir.js';
import { writeTopologyFile } from '../stand-ins/topology-file.js';
import { labTopology, type LabTopology } from '../topology.js';
import { labBotConfig } from './lab-bot-config.js';
import { deepMerge } from '../../config/deep-merge.js';

export interface OpenLabOptions extends Omit<LabOptions, 'topology' | 'startLoadBalancer'> {
  /** The config whose service and plan the lab is built from (config/kartotherian.yaml). */
  configPath?: string;
  /** Plan time scale for the bot (1 = production's soaks). */
  timeScale?: number;
  /** Redis prefix for the bot, so a rehearsal never shares state with another run. */
  prefix?: string;
  window?: string;
  /**
   * Laid over the plan's `analysis` in the lab's copy of the plan. By default the lab judges p99 by
   * the absolute limit only: it shares one machine's CPU with the bot and the tests, and under a full
   * test run its k8s p99 read 725 ms against a 65 ms bare-metal sample with nothing wrong but the
   * machine. The ratio rule is unit-tested and rehearsed on the simulated fleet; a latency fault on
   * the lab is made large enough to break the absolute limit.
   */
  analysis?: Record<string, unknown>;
  /** Moves the topology's addresses, for tests that must not collide with another lab on this machine. */
  topology?: (topology: LabTopology) => LabTopology;
}

export interface OpenLab {
  readonly lab: Lab;
  /** The bot's config for this lab, on disk and parsed. */
  readonly configPath: string;
  readonly config: Config;
  /** Put first on the bot's PATH: the stand-in cumin, helmfile, kubectl, cookbook and sudo. */
  readonly binDir: string;
  /** The one command that starts the bot against the lab, for a shell. */
  readonly command: string;
  stop(): Promise<void>;
}

const LAB_ANALYSIS = { p99_seconds: { ratio_applies_above: 1.5 } };

/** The shipped plan with the lab's analysis laid over it, key by key. */
async function writeLabPlan(from: string, to: string, analysis: Record<string, unknown>): Promise<string> {
  const plan = parse(await readFile(from, 'utf8')) as Record<string, unknown>;
  plan['analysis'] = deepMerge((plan['analysis'] ?? {}), analysis);
  await writeFile(to, `# ${from} with the lab's analysis (lab/rehearse/open-lab.ts)\n${stringify(plan)}`);
  return to;
}

/**
 * The lab with everything the bot needs to run against it unchanged: the real balancer and pybal
 * monitors, the topology file and stand-in tools, and a config whose backends are production's.
 */
export async function openLab(options: OpenLabOptions = {}): Promise<OpenLab> {
  const baseConfigPath = options.configPath ?? DEFAULT_CONFIG_PATH;
  const base = parse(await readFile(baseConfigPath, 'utf8')) as Record<string, unknown>;
  const shipped = parseConfig(stringify(base), baseConfigPath);
  const built = labTopology(shipped);
  const topology = options.topology === undefined ? built : options.topology(built);
  const plan = shipped.plans[topology.service];
  if (plan === undefined) throw new Error(`${baseConfigPath} has no plan for ${topology.service}`);
  const { configPath: _c, timeScale = 0.01, prefix = 'cutover-lab', window, topology: _t, analysis = LAB_ANALYSIS, ...labOptions } = options;
  const lab = await startLab({ ...labOptions, topology, startLoadBalancer });
  try {
    const topologyFile = join(lab.dir, 'topology.json');
    await writeTopologyFile(topologyFile, topology);
    const binDir = await writeLabBin(join(lab.dir, 'bin'), { url: lab.controlUrl, topologyFile });
    const releaseDir = join(lab.dir, 'deployment-charts', 'helmfile.d', 'services', topology.service);
    await mkdir(releaseDir, { recursive: true });
    const data = labBotConfig({
      topology,
      base,
      etcdUrl: lab.etcdUrl,
      prometheusUrl: lab.prometheusUrl,
      caPem: await readFile(lab.caFile, 'utf8'),
      planFile: await writeLabPlan(resolve(dirname(baseConfigPath), plan.file), join(lab.dir, 'plan.yaml'), analysis),
      releaseDir,
      stateDir: join(lab.dir, 'bot-state'),
      timeScale,
      prefix,
      ...(window === undefined ? {} : { window }),
    });
    const configPath = join(lab.dir, 'cutover-lab.yaml');
    const text = `# cutover against the lab in ${lab.dir}: production backends, lab addresses (network.resolve).\n${stringify(data)}`;
    await writeFile(configPath, text);
    const config = parseConfig(text, configPath);
    const command = `PATH=${shQuote(binDir)}${delimiter}"$PATH" npm start -- --config ${shQuote(configPath)}`;
    return { lab, configPath, config, binDir, command, stop: () => lab.stop() };
  } catch (error) {
    await lab.stop();
    throw error;
  }
}
