import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/definitions';
import { PROJECT_ROOT } from '../support/processes';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

async function compose(): Promise<Record<string, Service>> {
  return (
    parse(await readFile(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, Service>;
    }
  ).services;
}

const deployFile = (name: string) => readFile(join(PROJECT_ROOT, 'deploy', 'temporal', name), 'utf8');

// CI parses the file with docker-compose; these keep it in step with the code it deploys.
describe('docker-compose.yml, the production layout', () => {
  it('has the conventional services: postgresql, temporal on PostgreSQL, temporal-ui, and the worker from the Dockerfile', async () => {
    const services = await compose();
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'worker', 'codec-server']),
    );
    expect(services.postgresql!.image).toMatch(/^postgres:/);
    expect(services.temporal!.image).toMatch(/^temporalio\/server:/);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services.worker!.build).toBe('.');
    expect(services.worker!.command).toBeUndefined(); // the image's CMD: node dist/worker.js
    expect(services['codec-server']!.command).toEqual(['node', 'dist/codec-server.js']);
    // The schema exists before the server starts, and the worker waits for the namespace and attributes.
    expect(services.temporal!.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    expect(services.worker!.depends_on?.['temporal-register']?.condition).toBe('service_completed_successfully');
  });

  it('publishes every port on loopback only', async () => {
    for (const [name, service] of Object.entries(await compose())) {
      for (const port of service.ports ?? [])
        expect(`${name} ${port}`).toMatch(new RegExp(`^${name} 127\\.0\\.0\\.1:`));
    }
  });

  it('registers every search attribute the service uses and enables the APIs the SDK calls', async () => {
    const register = await deployFile('register.sh');
    const listed = /for name in ([\w ]+); do/.exec(register)?.[1]?.split(' ') ?? [];
    expect(listed.sort()).toEqual(SEARCH_ATTRIBUTE_KEYS.map((key) => key.name).sort());
    expect(SEARCH_ATTRIBUTE_KEYS.every((key) => key.type === 'KEYWORD')).toBe(true);
    const dynamic = parse(await deployFile('dynamicconfig.yaml')) as Record<string, { value: unknown }[]>;
    for (const key of [
      'frontend.enableUpdateWorkflowExecution',
      'frontend.enableUpdateWorkflowExecutionAsyncAccepted',
      'frontend.enableExecuteMultiOperation',
    ]) {
      expect(dynamic[key]?.[0]?.value).toBe(true);
    }
    const temporal = (await compose()).temporal!;
    expect(temporal.volumes?.some((volume) => volume.startsWith('./deploy/temporal/dynamicconfig.yaml:'))).toBe(true);
  });

  it('takes secrets from the environment and never defaults them', async () => {
    const text = await readFile(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
    for (const secret of ['POSTGRES_PASSWORD', 'TEMPORAL_CODEC_KEYS'])
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
    for (const secret of ['BI_API_TOKEN', 'BI_CLIENT_SECRET', 'OKTA_API_TOKEN', 'OKTA_PRIVATE_KEY', 'CODEC_AUTH_TOKEN'])
      expect(text).toContain(`\${${secret}:-}`);
  });
});
