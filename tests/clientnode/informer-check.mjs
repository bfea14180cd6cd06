// An informer of the official JavaScript client (@kubernetes/client-node) on the ConfigMaps of one
// namespace, driven by tests/Datum.E2E.Tests/ClientNodeInformerTests.cs over stdin/stdout lines.
//
// Usage: node informer-check.mjs KUBECONFIG NAMESPACE   (or $KUBECONFIG and $NAMESPACE)
//
// stdout, one line each:
//   LISTED <rv>                              each successful list (the first one, and each relist after a 410)
//   SYNCED                                   after the first list (the cache holds the initial state)
//   {"type":"add"|"update"|"delete","name":..,"rv":..,"data":{..}}   one per informer event
//   CONNECT                                  each time the informer (re)lists or re-watches
//   ERROR <message>                          an informer error; the informer is restarted after a delay
//   STATE {"items":[{"name":..,"rv":..,"data":{..}}],"rv":".."}    answer to the stdin command `state`
//   BYE                                      answer to the stdin command `exit`, then the process exits
import * as k8s from '@kubernetes/client-node';
import { createInterface } from 'node:readline';

const kubeconfigPath = process.argv[2] ?? process.env.KUBECONFIG;
const namespace = process.argv[3] ?? process.env.NAMESPACE;
if (!kubeconfigPath || !namespace) {
  console.log('ERROR usage: node informer-check.mjs KUBECONFIG NAMESPACE');
  process.exit(2);
}

const restartDelayMs = Number(process.env.RESTART_DELAY_MS ?? 500);

const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath);
// datum up's kubeconfig opens in a project; the test writes through the platform plane and says so here.
if (process.env.KUBE_CONTEXT) kc.setCurrentContext(process.env.KUBE_CONTEXT);
const core = kc.makeApiClient(k8s.CoreV1Api);

// SYNCED is printed once, after the first start (or restart) whose list succeeded.
let listed = false;
let synced = false;
const listFn = async () => {
  const list = await core.listNamespacedConfigMap({ namespace });
  listed = true;
  console.log(`LISTED ${list.metadata?.resourceVersion ?? ''}`);
  return list;
};
const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, listFn);

function emit(type, obj) {
  const line = { type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, data: obj.data ?? {} };
  console.log(JSON.stringify(line));
}

function describe(err) {
  if (err === undefined || err === null) {
    return 'unknown error';
  }
  const code = err.statusCode ?? err.code ?? '';
  const cause = err.cause ? ` (cause: ${err.cause.code ?? ''} ${err.cause.message ?? err.cause})` : '';
  const body = err.body ? ` body: ${typeof err.body === 'string' ? err.body : JSON.stringify(err.body)}` : '';
  return `${err.name ?? 'Error'} ${code} ${err.message ?? String(err)}${cause}${body}`.replace(/\s+/g, ' ').trim();
}

informer.on('add', (obj) => emit('add', obj));
informer.on('update', (obj) => emit('update', obj));
informer.on('delete', (obj) => emit('delete', obj));
informer.on('connect', () => console.log('CONNECT'));

let stopping = false;
informer.on('error', (err) => {
  console.log(`ERROR ${describe(err)}`);
  // The informer stops on an error; the client-node README restarts it after a delay.
  if (!stopping) {
    setTimeout(() => {
      if (!stopping) {
        startInformer('restart');
      }
    }, restartDelayMs);
  }
});

const commands = createInterface({ input: process.stdin });
commands.on('line', async (line) => {
  const command = line.trim();
  if (command === 'state') {
    const items = informer
      .list(namespace)
      .map((o) => ({ name: o.metadata?.name, rv: o.metadata?.resourceVersion, data: o.data ?? {} }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    console.log(`STATE ${JSON.stringify({ items, rv: informer.latestResourceVersion() })}`);
  } else if (command === 'exit') {
    await shutdown(0);
  } else if (command !== '') {
    console.log(`ERROR unknown command ${command}`);
  }
});
// The test going away (stdin closed) ends the check too.
commands.on('close', () => shutdown(0));

async function shutdown(code) {
  if (stopping) {
    return;
  }
  stopping = true;
  try {
    await informer.stop();
  } catch {
    // already stopped
  }
  console.log('BYE');
  process.exit(code);
}

// start() resolves once the list is in the cache and the watch request has been answered; a failed list
// is reported through 'error' instead (and the informer restarted from there).
async function startInformer(what) {
  try {
    await informer.start();
  } catch (err) {
    console.log(`ERROR ${what}: ${describe(err)}`);
    return;
  }
  if (listed && !synced && !stopping) {
    synced = true;
    console.log('SYNCED');
  }
}

await startInformer('start');
