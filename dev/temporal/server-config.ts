/**
 * The configuration the project writes for its PostgreSQL-backed temporal-server: both stores on
 * the postgres12 plugin, 4 history shards, SQL visibility, every service on loopback, and the
 * dynamic config the SDK needs (the same values the dev server gets).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { findFreePorts, isPortFree } from '../net/ports';
import { DYNAMIC_CONFIG } from './dev-server';
import { POSTGRES_ROLE } from './postgres';

export const TEMPORAL_DATABASE = 'temporal';
export const VISIBILITY_DATABASE = 'temporal_visibility';
const HISTORY_SHARDS = 4;

type TemporalService = 'frontend' | 'history' | 'matching' | 'worker';
const SERVICES: readonly TemporalService[] = ['frontend', 'history', 'matching', 'worker'];

/** gRPC and membership port of each service, and the frontend's HTTP port. */
export type ServicePorts = Record<TemporalService, { grpc: number; membership: number }> & { frontendHttp: number };

/** Ports derived from the frontend's, as the server's own samples lay them out (7233, 7234, ...; 6933, ...). */
export function derivedPorts(frontendPort: number): ServicePorts {
  const at = (offset: number) => ({ grpc: frontendPort + offset, membership: frontendPort - 300 + offset });
  return { frontend: at(0), history: at(1), matching: at(2), worker: at(6), frontendHttp: frontendPort + 10 };
}

export function allPorts(ports: ServicePorts): number[] {
  return [...SERVICES.flatMap((service) => [ports[service].grpc, ports[service].membership]), ports.frontendHttp];
}

/** Writes config.yaml and dynamic-config.yaml into `dir`; returns the config file's path. */
export async function writeServerConfig(dir: string, ports: ServicePorts, postgresAddress: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const dynamicConfigFile = join(dir, 'dynamic-config.yaml');
  const dynamic = Object.fromEntries(
    DYNAMIC_CONFIG.map((entry) => {
      const [key, value] = entry.split('=') as [string, string];
      return [key, [{ value: value === 'true' ? true : value === 'false' ? false : Number(value) }]];
    }),
  );
  await writeFile(dynamicConfigFile, stringify(dynamic));

  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: postgresAddress,
      connectProtocol: 'tcp',
      user: POSTGRES_ROLE,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (name: TemporalService) => ({
    rpc: {
      grpcPort: ports[name].grpc,
      membershipPort: ports[name].membership,
      bindOnLocalHost: true,
      ...(name === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
    },
  });
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': store(TEMPORAL_DATABASE, 20),
        'postgres-visibility': store(VISIBILITY_DATABASE, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(SERVICES.map((name) => [name, service(name)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend.grpc}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, stringify(config));
  return configFile;
}

/** Ports free now, for a server beside others on one machine (tests, bench). Membership ports are
 *  stored in a smallint column, so they come from below 32768 (the OS's own picks are above). */
export async function freeServicePorts(frontendPort: number): Promise<ServicePorts> {
  const [hg, mg, wg, http] = (await findFreePorts(5)).filter((port) => port !== frontendPort);
  const [fm, hm, mm, wm] = await freeLowPorts(4);
  return {
    frontend: { grpc: frontendPort, membership: fm! },
    history: { grpc: hg!, membership: hm! },
    matching: { grpc: mg!, membership: mm! },
    worker: { grpc: wg!, membership: wm! },
    frontendHttp: http!,
  };
}

async function freeLowPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await isPortFree(port)) ports.add(port);
  }
  return [...ports];
}
