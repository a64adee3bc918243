import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The servers .ci/services.sh and .ci/weaviate.sh run. Tests that stop and start servers only touch these,
 * never a server someone else runs: a URL counts only if it is the one in $MG_CI_DIR/env.
 */
const ciDir = process.env.MG_CI_DIR ?? '/tmp/marketgraph-ci';
const ciEnv = (() => {
  try {
    return readFileSync(join(ciDir, 'env'), 'utf8').split('\n');
  } catch {
    return [];
  }
})();

export function ciManagedUrl(name: string): string | undefined {
  const url = process.env[name];
  return url !== undefined && ciEnv.includes(`export ${name}=${url}`) ? url : undefined;
}

export async function services(command: string): Promise<void> {
  await ciScript('services.sh', command);
}

/** .ci/weaviate.sh: start | stop | pause | resume | kill (a start after kill keeps the data). */
export async function weaviate(command: string): Promise<void> {
  await ciScript('weaviate.sh', command);
}

async function ciScript(script: string, command: string): Promise<void> {
  await promisify(execFile)('bash', [join(import.meta.dirname, '../../.ci', script), command], {
    env: { ...process.env, MG_CI_DIR: ciDir },
    timeout: 150_000,
  });
}
