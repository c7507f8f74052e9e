/**
 * A stand-in for kubectl in cutover's tests: `rollout status`, `get deployment/<name> -o json`
 * and `get pods -l <selector> -o json` for the deployment kept in the state file, printed through
 * lab/stand-ins/kube-output.ts (as the lab's kubectl prints them). Records its argv; fails,
 * hangs or prints garbage when told.
 */
import { deploymentJson, kubectlJson, notFoundText, podJson, podListJson, rolloutStatusText, type DeploymentRef } from '../../../lab/stand-ins/kube-output.js';
import { exit, faultFor, hang, readState, record } from './common.js';

const args = process.argv.slice(2);
record({ tool: 'kubectl', argv: args });
main();

function main(): void {
  let namespace = 'default';
  let context: string | undefined;
  const words: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '-n' || arg === '--namespace') namespace = args[++i] ?? '';
    else if (arg === '--context') context = args[++i];
    else if (arg === '--kubeconfig' || arg === '-o' || arg === '-l' || arg === '--selector') options[arg] = args[++i] ?? '';
    else if (arg.startsWith('--')) {
      const [key = '', value] = arg.split('=');
      options[key] = value ?? true;
    } else words.push(arg);
  }
  const verb = words[0] ?? '';

  const fault = faultFor(`kubectl ${verb}`, 'kubectl');
  if (fault?.mode === 'hang') return hang(fault.stdout ?? 'Waiting for deployment "kartotherian-main" rollout to finish: 0 of 20 updated replicas are available...\n');
  if (fault?.mode === 'garbage') exit(fault.stdout ?? '<html><body>502 Bad Gateway</body></html>\n', '', fault.exitCode ?? 0);
  if (fault?.mode === 'fail') exit('', fault.stderr ?? 'Unable to connect to the server: dial tcp 10.64.0.8:6443: i/o timeout\n', fault.exitCode ?? 1);

  const kube = readState().kube;
  if (context !== undefined && !kube.contexts.includes(context)) exit('', `error: context "${context}" does not exist\n`, 1);
  const name = kube.deployment;
  const ref: DeploymentRef = { namespace, name, app: 'kartotherian', release: 'main' };
  const exists = kube.exists && namespace === kube.namespace;
  const pods = kube.pods;
  const desired = kube.replicas;
  const ready = pods.filter((pod) => pod.state === 'ready').length;
  const notFound = (): never => exit('', notFoundText(words[1]?.replace('deployment/', '') ?? name), 1);

  if (verb === 'rollout' && words[1] === 'status') {
    if (!exists || words[2] !== `deployment/${name}`) notFound();
    const text = rolloutStatusText(name, { available: ready, desired, done: kube.rollout !== 'stuck', waited: true });
    exit(text.stdout, text.stderr, text.exitCode);
  }
  if (verb === 'get' && words[1] === `deployment/${name}` && options['-o'] === 'json') {
    if (!exists) notFound();
    exit(kubectlJson(deploymentJson(ref, { desired, pods: pods.length, updated: kube.updated, ready })), '', 0);
  }
  if (verb === 'get' && words[1] === 'pods' && options['-o'] === 'json') {
    const items = exists && options['-l'] === 'app=kartotherian,release=main' ? pods.map((pod) => podJson(ref, pod)) : [];
    exit(kubectlJson(podListJson(items)), '', 0);
  }
  exit('', `error: unknown command "${words.join(' ')}" for "kubectl"\n`, 1);
}
