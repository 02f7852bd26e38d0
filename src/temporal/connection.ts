/**
 * How the worker and the CLI reach Temporal: the convention every Temporal SDK and the CLI share
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS settings, TOML profiles), read by
 * @temporalio/envconfig. With nothing set, the embedded stack's server on 127.0.0.1:7233.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TASK_QUEUE = 'bi-okta-onboarding';

export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: NativeConnectionOptions;
  /** True when an API key or client certificate is configured (Temporal Cloud, mTLS). */
  secured: boolean;
}

export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const defined = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: defined });
  const address = connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  return {
    address,
    namespace: namespace ?? 'default',
    connectionOptions: { ...connectionOptions, address },
    secured: Boolean(connectionOptions.apiKey || connectionOptions.tls),
  };
}
