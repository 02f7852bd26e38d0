import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/definitions';
import { PROJECT_ROOT } from '../support/processes';

interface Service {
  image?: string;
  profiles?: string[];
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

  it('starts Prometheus and Grafana only with --profile monitoring, mounting the rules, the dashboard and their provisioning', async () => {
    const services = await compose();
    const always = Object.entries(services).filter(([, service]) => !service.profiles);
    expect(always.map(([name]) => name)).not.toEqual(expect.arrayContaining(['prometheus']));
    expect(services.prometheus!.profiles).toEqual(['monitoring']);
    expect(services.grafana!.profiles).toEqual(['monitoring']);
    expect(services.prometheus!.image).toMatch(/^prom\/prometheus:/);
    expect(services.grafana!.image).toMatch(/^grafana\/grafana:/);
    const mounts = (name: string) =>
      (services[name]!.volumes ?? []).filter((volume) => volume.startsWith('./')).map((volume) => volume.split(':'));
    for (const [source] of [...mounts('prometheus'), ...mounts('grafana')])
      await expect(stat(join(PROJECT_ROOT, source!))).resolves.toBeDefined();
    expect(mounts('prometheus').map(([source, target]) => `${source} ${target}`)).toEqual([
      './deploy/prometheus/prometheus.yml /etc/prometheus/prometheus.yml',
      './deploy/prometheus/alerts.yml /etc/prometheus/alerts.yml',
    ]);
    expect(mounts('grafana').map(([source]) => source)).toEqual([
      './deploy/grafana/provisioning',
      './deploy/grafana/bi-okta.json',
    ]);
    // Prometheus scrapes the worker's metrics port and loads the rules where they are mounted.
    const prometheus = parse(await readFile(join(PROJECT_ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const workerPort = /:(\d+)$/.exec(services.worker!.environment!.METRICS_ADDRESS!)![1];
    expect(prometheus.scrape_configs[0]!.static_configs[0]!.targets).toEqual([`worker:${workerPort}`]);
    // Grafana's dashboard provider reads the folder the dashboard is mounted into.
    const provider = parse(
      await readFile(join(PROJECT_ROOT, 'deploy', 'grafana', 'provisioning', 'dashboards', 'bi-okta.yml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    expect(mounts('grafana')[1]![1]!.startsWith(`${provider.providers[0]!.options.path}/`)).toBe(true);
  });

  it('takes secrets from the environment and never defaults them', async () => {
    const text = await readFile(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
    for (const secret of ['POSTGRES_PASSWORD', 'TEMPORAL_CODEC_KEYS'])
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
    for (const secret of ['BI_API_TOKEN', 'BI_CLIENT_SECRET', 'OKTA_API_TOKEN', 'OKTA_PRIVATE_KEY', 'CODEC_AUTH_TOKEN'])
      expect(text).toContain(`\${${secret}:-}`);
  });
});
